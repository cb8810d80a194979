package io.skald.framework.consumer;

import java.util.concurrent.CompletionStage;

/**
 * Handles one record of a subscription. Completing the returned stage acknowledges the record;
 * throwing or failing the stage counts as a failed attempt, which is retried by the subscription's
 * {@link RetryPolicy}.
 *
 * <p>Records of different partitions may be handled concurrently on different threads, so a handler
 * must be thread-safe. Records with the same key are never handled concurrently and reach the
 * handler in offset order.
 * <!-- snippet: jd-record-handler -->
 *
 * <pre>{@code
 * RecordHandler<String, Order> reserve = record -> inventory.reserve(record.value());
 * }</pre>
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@FunctionalInterface
public interface RecordHandler<K, V> {

  /**
   * Handles a record.
   *
   * @param record the record
   * @return a stage whose completion acknowledges the record
   * @throws Exception any failure, counted as a failed attempt
   */
  CompletionStage<?> handle(ConsumerRecord<K, V> record) throws Exception;
}
