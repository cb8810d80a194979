package io.skald.framework.producer;

import io.skald.framework.TopicPartition;

/**
 * Where a produced record was written.
 *
 * <p>With {@link Acks#DURABLE} the offset and timestamp are those assigned by the partition after
 * the journal write, also when an idempotent producer's resend was recognised as a duplicate and
 * not written again (the partition answers with the original's offset). With {@link Acks#NONE} the
 * producer does not wait and both are {@code -1}. A resend older than the latest appends the
 * partition remembers per producer (64) is acknowledged as written once, with {@link
 * #OFFSET_UNKNOWN} and a timestamp of -1.
 *
 * @param topic the topic
 * @param partition the partition the record went to
 * @param offset the record's position in the partition, -1 if not awaited, or {@link
 *     #OFFSET_UNKNOWN}
 * @param timestamp the partition's append time in epoch milliseconds, or -1 if not known
 */
public record RecordMetadata(String topic, int partition, long offset, long timestamp) {

  /**
   * The offset of a durable acknowledgement whose record is in the log exactly once, but at a
   * position the partition no longer remembers (a resend of an old append, see the class doc).
   */
  public static final long OFFSET_UNKNOWN = -2;

  /**
   * The topic and partition as one value.
   *
   * @return the topic partition
   */
  public TopicPartition topicPartition() {
    return new TopicPartition(topic, partition);
  }
}
