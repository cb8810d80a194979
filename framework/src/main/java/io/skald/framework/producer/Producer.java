package io.skald.framework.producer;

import io.skald.framework.CodecException;
import io.skald.framework.UnknownTopicException;
import io.skald.framework.admin.Compaction;
import io.skald.framework.consumer.ConsumerRecord;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Sends records to topics. Thread-safe; one producer per application is usually enough.
 *
 * <p>Records with the same key always go to the same partition: the partition is {@code
 * toPositive(murmur2(keyBytes)) % partitions}, the same function as Kafka's default partitioner, so
 * it is stable across restarts and versions. Records without a key are spread round-robin. The
 * producer batches records per partition while a write is in flight, so many records share one
 * journal write.
 * <!-- snippet: jd-producer -->
 *
 * <pre>{@code
 * Producer<String, String> producer =
 *     skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
 * producer
 *     .send("orders", "order-42", "created")
 *     .thenAccept(meta -> log.info("written at {}", meta.offset()));
 * }</pre>
 *
 * <p>Errors come back as a failed stage: {@link UnknownTopicException}, {@link
 * InvalidRecordException}, {@link RecordTooLargeException}, {@link CodecException}, {@link
 * BackpressureException}, {@link DeliveryTimeoutException}, {@link IllegalStateException} once
 * closed.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface Producer<K, V> extends AutoCloseable {

  /**
   * Sends a record, choosing the partition from the key.
   *
   * @param topic the topic, which must exist
   * @param key the key, or null to spread keyless records over partitions
   * @param value the value, not null
   * @return where the record was written
   */
  CompletionStage<RecordMetadata> send(String topic, K key, V value);

  /**
   * Sends a record with headers, choosing the partition from the key.
   *
   * @param topic the topic, which must exist
   * @param key the key, or null
   * @param value the value, not null
   * @param headers string headers (names not empty, no nulls)
   * @return where the record was written
   */
  CompletionStage<RecordMetadata> send(String topic, K key, V value, Map<String, String> headers);

  /**
   * Sends a tombstone: a record with a key and no value, which deletes the key from a compacted
   * topic (see {@link Compaction}). Consumers receive it with a null value ({@link
   * ConsumerRecord#isTombstone()}).
   *
   * @param topic the topic, which must exist
   * @param key the key to delete, not null
   * @return where the tombstone was written
   */
  CompletionStage<RecordMetadata> sendTombstone(String topic, K key);

  /**
   * Sends a record to a named partition.
   *
   * @param topic the topic, which must exist
   * @param partition the partition, from 0 to the topic's partition count minus one
   * @param key the key, or null
   * @param value the value, not null
   * @param headers string headers
   * @return where the record was written
   */
  CompletionStage<RecordMetadata> sendToPartition(
      String topic, int partition, K key, V value, Map<String, String> headers);

  /**
   * Sends a record after a delay. The schedule is durable once the returned stage completes: the
   * record is delivered to its partition (chosen from the key as for {@link #send}) after the
   * delay, never before, also across crashes and restarts. There is no upper limit on the delay.
   * The record then carries the header {@code skald.delivery-due} (epoch milliseconds).
   * <!-- snippet: jd-send-delayed -->
   *
   * <pre>{@code
   * producer.sendDelayed("reminders", customerId, reminder, Map.of(), Duration.ofDays(3));
   * }</pre>
   *
   * @param topic the topic, which must exist
   * @param key the key, or null
   * @param value the value, not null
   * @param headers string headers
   * @param delay how long to wait, zero or more
   * @return the durable schedule
   */
  CompletionStage<ScheduledDelivery> sendDelayed(
      String topic, K key, V value, Map<String, String> headers, java.time.Duration delay);

  /**
   * Sends a record at a point in time (immediately if it is past). See {@link #sendDelayed}.
   *
   * @param topic the topic, which must exist
   * @param key the key, or null
   * @param value the value, not null
   * @param headers string headers
   * @param at when to deliver it
   * @return the durable schedule
   */
  CompletionStage<ScheduledDelivery> sendAt(
      String topic, K key, V value, Map<String, String> headers, java.time.Instant at);

  /**
   * Stops accepting records; records already accepted are still written and their stages complete.
   */
  @Override
  void close();
}
