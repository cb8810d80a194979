package io.skald.framework.admin;

import io.skald.framework.TopicPartition;

/**
 * How far a consumer group is behind on one partition.
 *
 * @param topicPartition the partition
 * @param logStartOffset the first retained offset
 * @param logEndOffset the offset the next record will get
 * @param committedOffset the group's committed position (the next offset it will read), or -1 if it
 *     never committed one
 * @param lag records between the committed position (or the log start, if none) and the log end
 */
public record PartitionLag(
    TopicPartition topicPartition,
    long logStartOffset,
    long logEndOffset,
    long committedOffset,
    long lag) {

  /**
   * Records retained in the partition (its depth).
   *
   * @return {@code logEndOffset - logStartOffset}
   */
  public long depth() {
    return logEndOffset - logStartOffset;
  }
}
