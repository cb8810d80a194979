package io.skald.framework.internal.group;

import io.skald.framework.TopicPartition;
import io.skald.framework.internal.SkaldSerializable;

/**
 * INTERNAL API: a group's position on one partition, the next offset it will read.
 *
 * @param topic the topic
 * @param partition the partition
 * @param offset the committed offset
 */
public record CommittedOffset(String topic, int partition, long offset)
    implements SkaldSerializable {

  /**
   * Creates one from a topic partition.
   *
   * @param tp the partition
   * @param offset the offset
   * @return the value
   */
  public static CommittedOffset of(TopicPartition tp, long offset) {
    return new CommittedOffset(tp.topic(), tp.partition(), offset);
  }

  /**
   * The topic partition.
   *
   * @return the topic partition
   */
  public TopicPartition tp() {
    return new TopicPartition(topic, partition);
  }
}
