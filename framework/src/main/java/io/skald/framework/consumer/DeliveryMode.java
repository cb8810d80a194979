package io.skald.framework.consumer;

/**
 * When a subscription commits a record relative to handling it.
 *
 * <p>Exactly-once <em>processing</em> is at-least-once delivery plus an idempotent effect: use
 * {@link #AT_LEAST_ONCE} and record {@link ConsumerRecord#messageId()} atomically with the effect,
 * for example with an {@link Inbox} inside an event-sourced entity (see docs/delivery.md). When the
 * effect is records written to other topics, {@link #TRANSACTIONAL} makes the records and the
 * position one atomic write.
 */
public enum DeliveryMode {
  /**
   * Commit before handling: a record is handed to the handler only after a commit covering it is
   * persisted. A crash or rebalance never redelivers a record, but records fetched and not yet
   * handled are lost with the member. Failed attempts are still retried in memory and
   * dead-lettered.
   */
  AT_MOST_ONCE,
  /**
   * Commit after handling (the default): the committed position never passes a record whose handler
   * has not completed. A crash redelivers what was handled but not yet committed.
   */
  AT_LEAST_ONCE,
  /**
   * The subscription never commits a position by itself: positions are committed only by the
   * transactions that include them ({@link
   * io.skald.framework.transaction.TransactionalProducer#sendOffsets}), atomically with the records
   * those transactions write. A crash or rebalance redelivers from the last committed transaction.
   * See docs/transactions.md.
   */
  TRANSACTIONAL
}
