/**
 * Transactions: records written to several partitions and consumer positions committed as one
 * atomic step, for consume-transform-produce pipelines with exactly-once results. {@link
 * io.skald.framework.transaction.TransactionalProducer} begins, fills and commits them. See
 * docs/transactions.md.
 */
package io.skald.framework.transaction;
