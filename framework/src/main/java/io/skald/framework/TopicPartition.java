package io.skald.framework;

import java.util.Objects;

/**
 * One partition of a topic: the unit of ordering, of parallelism and of ownership in a consumer
 * group.
 *
 * @param topic the topic name
 * @param partition the partition number, from 0 to the topic's partition count minus one
 */
public record TopicPartition(String topic, int partition) implements Comparable<TopicPartition> {

  /**
   * Validates the components.
   *
   * @param topic the topic name
   * @param partition the partition number, from 0 to the topic's partition count minus one
   */
  public TopicPartition {
    Objects.requireNonNull(topic, "topic");
    if (partition < 0) {
      throw new IllegalArgumentException("partition must be >= 0, was " + partition);
    }
  }

  @Override
  public int compareTo(TopicPartition other) {
    int byTopic = topic.compareTo(other.topic);
    return byTopic != 0 ? byTopic : Integer.compare(partition, other.partition);
  }

  @Override
  public String toString() {
    return topic + "-" + partition;
  }
}
