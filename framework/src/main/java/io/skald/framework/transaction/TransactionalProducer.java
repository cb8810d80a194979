package io.skald.framework.transaction;

import io.skald.framework.TopicPartition;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.producer.RecordMetadata;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/**
 * A producer whose records and consumer offsets are committed atomically, in transactions: all of a
 * transaction's records become readable and all of its offsets committed, or none.
 * <!-- snippet: jd-transactional-producer -->
 *
 * <pre>{@code
 * producer.begin();
 * producer.send("invoices", orderId, invoice);
 * producer.send("audit", orderId, entry);
 * producer.sendOffsets(subscription, Map.of(input, record.offset() + 1));
 * producer.commit().toCompletableFuture().join();
 * }</pre>
 *
 * <p>Records are staged with the transaction's coordinator until the commit is decided, then
 * appended to their partitions: a partition only ever holds committed records, so consumers never
 * wait for an open transaction nor read an aborted one. A send's stage completes with the record's
 * offset once the commit is done, or fails with the transaction's failure.
 *
 * <p>The transactional id is stable across restarts: obtaining a producer with an id fences every
 * older instance with it ({@link ProducerFencedException} for all they do afterwards), aborts the
 * transaction an older instance left open, and completes one whose commit was already decided.
 *
 * <p>One transaction at a time; the methods are thread-safe but a transaction is meant to be driven
 * by one caller. Obtain one with {@link io.skald.framework.Skald#transactionalProducer}.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface TransactionalProducer<K, V> extends AutoCloseable {

  /**
   * The transactional id.
   *
   * @return the id
   */
  String transactionalId();

  /**
   * Begins a transaction.
   *
   * @throws TransactionStateException if one is open or ending, or the producer is closed
   * @throws ProducerFencedException if a newer instance fenced this one
   */
  void begin();

  /**
   * Sends a record in the open transaction, to the partition of its key.
   *
   * @param topic the topic
   * @param key the key, or null
   * @param value the value
   * @return completes with the record's offset when the transaction committed; fails with the
   *     transaction's failure. A send that is refused at once (an unknown topic, a record too
   *     large, the transaction over {@code max-bytes}) fails its stage and dooms the transaction:
   *     {@link #commit} then aborts it.
   * @throws TransactionStateException if no transaction is open
   */
  CompletionStage<RecordMetadata> send(String topic, K key, V value);

  /**
   * Sends a record with headers in the open transaction.
   *
   * @param topic the topic
   * @param key the key, or null
   * @param value the value
   * @param headers the headers
   * @return as {@link #send(String, Object, Object)}
   * @throws TransactionStateException if no transaction is open
   */
  CompletionStage<RecordMetadata> send(String topic, K key, V value, Map<String, String> headers);

  /**
   * Sends a record to a given partition in the open transaction.
   *
   * @param topic the topic
   * @param partition the partition, from 0
   * @param key the key, or null
   * @param value the value
   * @param headers the headers
   * @return as {@link #send(String, Object, Object)}
   * @throws TransactionStateException if no transaction is open
   */
  CompletionStage<RecordMetadata> sendToPartition(
      String topic, int partition, K key, V value, Map<String, String> headers);

  /**
   * Adds the positions of a subscription's partitions to the open transaction: they are committed
   * to its group with the transaction's records. The subscription must use {@link
   * io.skald.framework.consumer.DeliveryMode#TRANSACTIONAL} (it commits nothing by itself) and own
   * the partitions now; the coordinator checks again that it still does before deciding the commit.
   *
   * @param subscription the subscription the records were consumed with
   * @param offsets per partition, the next offset to read (the last handled record's offset + 1)
   * @throws NotPartitionOwnerException if the subscription's member does not own a partition; the
   *     transaction is then doomed ({@link #commit} aborts it), so its records are never written
   *     without the positions
   * @throws TransactionStateException if no transaction is open, or the subscription is not
   *     transactional
   */
  void sendOffsets(Subscription subscription, Map<TopicPartition, Long> offsets);

  /**
   * Commits the open transaction.
   *
   * @return completes when every record is in its partition and every offset committed; fails with
   *     {@link TransactionAbortedException} (nothing written; the cause says why), {@link
   *     ProducerFencedException}, or a {@link io.skald.framework.producer.DeliveryTimeoutException}
   *     when the coordinator did not answer (the outcome is then unknown: call {@code commit}
   *     again, it is answered with the outcome)
   * @throws TransactionStateException if no transaction is open
   */
  CompletionStage<Done> commit();

  /**
   * Aborts the open transaction: nothing of it is written.
   *
   * @return completes when the coordinator dropped what it staged
   * @throws TransactionStateException if no transaction is open
   */
  CompletionStage<Done> abort();

  /**
   * Runs {@code body} in a transaction of its own: begins one, runs the body (which sends records
   * and offsets), commits once the body's stage completed, and <b>aborts</b> if the body throws or
   * its stage fails. This is the form a handler should use: whatever goes wrong inside, no
   * transaction is left open to make the next attempt's {@link #begin} fail.
   * <!-- snippet: txn-in-transaction -->
   *
   * <pre>{@code
   * producer.inTransaction(
   *     () -> {
   *       producer.send("tx-out", record.key(), record.value().toUpperCase());
   *       producer.sendOffsets(
   *           started.join(), Map.of(record.topicPartition(), record.offset() + 1));
   *       return CompletableFuture.completedFuture(null);
   *     })
   * }</pre>
   *
   * <p>The body's stage must not wait for the stages of its own sends: they complete only once the
   * transaction committed, which waits for the body.
   *
   * @param body sends the transaction's records and offsets; its stage's value is the result
   * @param <T> the body's result
   * @return completes with the body's result once the transaction committed; fails with {@link
   *     #begin}'s exception, with the body's failure (the transaction then aborted), or with {@link
   *     #commit}'s failure
   */
  default <T> CompletionStage<T> inTransaction(
      java.util.function.Supplier<? extends CompletionStage<T>> body) {
    try {
      begin();
    } catch (RuntimeException e) {
      return java.util.concurrent.CompletableFuture.failedFuture(e);
    }
    CompletionStage<T> result;
    try {
      result = body.get();
    } catch (RuntimeException e) {
      result = java.util.concurrent.CompletableFuture.failedFuture(e);
    }
    return result
        .handle(
            (value, error) -> {
              if (error == null) {
                return commit().thenApply(done -> value);
              }
              Throwable cause = io.skald.framework.Stages.unwrap(error);
              return abort()
                  .handle(
                      (done, abortError) -> {
                        if (abortError != null) {
                          cause.addSuppressed(abortError);
                        }
                        throw cause instanceof RuntimeException runtime
                            ? runtime
                            : new java.util.concurrent.CompletionException(cause);
                      })
                  .thenApply(ignored -> value);
            })
        .thenCompose(stage -> stage);
  }

  /** Closes the producer; an open transaction is aborted. */
  @Override
  void close();
}
