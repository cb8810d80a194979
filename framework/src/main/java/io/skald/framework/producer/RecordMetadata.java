package io.skald.framework.producer;

import io.skald.framework.TopicPartition;

/**
 * Where a produced record was written.
 *
 * <p>With {@link Acks#DURABLE} the offset and timestamp are those assigned by the partition after
 * the journal write; with {@link Acks#NONE} the producer does not wait and both are {@code -1}.
 *
 * @param topic the topic
 * @param partition the partition the record went to
 * @param offset the record's position in the partition, or -1 if not awaited
 * @param timestamp the partition's append time in epoch milliseconds, or -1 if not awaited
 */
public record RecordMetadata(String topic, int partition, long offset, long timestamp) {

  /**
   * The topic and partition as one value.
   *
   * @return the topic partition
   */
  public TopicPartition topicPartition() {
    return new TopicPartition(topic, partition);
  }
}
