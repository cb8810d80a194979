package io.skald.framework.internal.consumer;

import io.skald.framework.TopicPartition;
import java.util.concurrent.CompletionStage;

/**
 * INTERNAL API: a {@link io.skald.framework.consumer.RecordHandler} that decides where each of its
 * partitions starts. A worker of a handler implementing it asks before fetching anything, every
 * time it starts (a new grant, or a restart): the transactional pipeline first fences the
 * partition's previous owner and completes its decided transaction, and only then reads the
 * committed position, which the grant may predate.
 */
public interface PartitionStart {

  /**
   * Where to start a partition.
   *
   * @param tp the partition
   * @param granted the committed position the group granted it with (-1: none)
   * @return the offset to fetch from, or -1 for the subscription's start position; a failed stage
   *     is asked again after a second
   */
  CompletionStage<Long> start(TopicPartition tp, long granted);
}
