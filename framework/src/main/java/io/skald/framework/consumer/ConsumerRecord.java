package io.skald.framework.consumer;

import io.skald.framework.TopicPartition;
import io.skald.framework.producer.Producer;
import java.util.Map;

/**
 * A record delivered to a subscription's handler.
 *
 * @param topic the topic it was read from
 * @param partition its partition
 * @param offset its position in the partition
 * @param timestamp the partition's append time, epoch milliseconds
 * @param key the decoded key, or {@code null} for a record sent without one
 * @param value the decoded value, or {@code null} for a tombstone (see {@link
 *     Producer#sendTombstone})
 * @param headers the record's headers (immutable)
 * @param attempt 1 on the first delivery to this member, 2 and more on retries
 * @param <K> the key type
 * @param <V> the value type
 */
public record ConsumerRecord<K, V>(
    String topic,
    int partition,
    long offset,
    long timestamp,
    K key,
    V value,
    Map<String, String> headers,
    int attempt) {

  /**
   * Whether this record is a tombstone: a key without value, which deletes the key from a compacted
   * topic.
   *
   * @return true if the value is null
   */
  public boolean isTombstone() {
    return value == null;
  }

  /**
   * Copies the headers.
   *
   * @param topic the topic it was read from
   * @param partition its partition
   * @param offset its position in the partition
   * @param timestamp the partition's append time, epoch milliseconds
   * @param key the decoded key, or {@code null} for a record sent without one
   * @param value the decoded value, or {@code null} for a tombstone (see {@link
   *     Producer#sendTombstone})
   * @param headers the record's headers (immutable)
   * @param attempt 1 on the first delivery to this member, 2 and more on retries
   */
  public ConsumerRecord {
    headers = Map.copyOf(headers);
  }

  /** Header in which a producer can give a record its own message id. */
  public static final String MESSAGE_ID_HEADER = "skald.message-id";

  /**
   * A stable id of this record for deduplication: the producer-assigned {@value #MESSAGE_ID_HEADER}
   * header if present, otherwise {@code topic/partition/offset}. It is the same on every redelivery
   * of the record.
   *
   * @return the message id
   */
  public String messageId() {
    String assigned = headers.get(MESSAGE_ID_HEADER);
    return assigned != null ? assigned : topic + "/" + partition + "/" + offset;
  }

  /**
   * The topic and partition as one value.
   *
   * @return the topic partition
   */
  public TopicPartition topicPartition() {
    return new TopicPartition(topic, partition);
  }
}
