package io.skald.framework.consumer;

import java.util.concurrent.CompletionStage;

/**
 * Handles one record of a shared subscription with access to its {@link RecordLease}, to extend the
 * visibility timeout of a long task or to release the record for later. Completing the stage
 * acknowledges the record (unless the handler released it); throwing or failing the stage counts as
 * a failed attempt, retried by another delivery after the retry policy's backoff.
 *
 * <p>A plain {@link RecordHandler} works with a shared subscription too; this one is for handlers
 * that need the lease. Records are handled concurrently and in no particular order.
 * <!-- snippet: jd-leased-handler -->
 *
 * <pre>{@code
 * Subscription worker =
 *     skald.subscribe(
 *         SubscriptionSpec.of("thumbnails", Codecs.string(), Codecs.string())
 *             .withTopics("uploads")
 *             .withSharedConsumption(Duration.ofSeconds(30)),
 *         (record, lease) ->
 *             lease.deliveryCount() > 3
 *                 ? lease.release(Duration.ofMinutes(5)) // back off a struggling record
 *                 : thumbnail(record.value()));
 * }</pre>
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@FunctionalInterface
public interface LeasedRecordHandler<K, V> {

  /**
   * Handles a record.
   *
   * @param record the record; its {@code attempt} is the lease's delivery count
   * @param lease the hold on the record
   * @return a stage whose completion acknowledges the record
   * @throws Exception any failure, counted as a failed attempt
   */
  CompletionStage<?> handle(ConsumerRecord<K, V> record, RecordLease lease) throws Exception;
}
