package io.skald.framework.admin;

import io.skald.framework.Skald;
import io.skald.framework.TopicPartition;
import io.skald.framework.UnknownTopicException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/**
 * Creates and describes topics. Obtained from {@link Skald#admin()}.
 * <!-- snippet: jd-create-topic -->
 *
 * <pre>{@code
 * skald.admin().createTopic(TopicSpec.of("orders", 4)).toCompletableFuture().join();
 * }</pre>
 */
public interface TopicAdmin {

  /**
   * Creates a topic durably. Creating an identical definition again succeeds; a different partition
   * count for an existing name fails with {@link TopicConflictException}.
   *
   * @param spec the definition
   * @return the definition as stored
   */
  CompletionStage<TopicSpec> createTopic(TopicSpec spec);

  /**
   * Looks a topic up.
   *
   * @param name the topic name
   * @return the definition, or empty if there is no such topic
   */
  CompletionStage<Optional<TopicSpec>> describeTopic(String name);

  /**
   * Lists every topic.
   *
   * @return the definitions, sorted by name
   */
  CompletionStage<List<TopicSpec>> listTopics();

  /**
   * The offsets of one partition: the first retained offset and the log end (the next offset to be
   * written).
   *
   * @param topicPartition the partition
   * @return {@code [logStartOffset, logEndOffset]}
   */
  CompletionStage<PartitionOffsets> partitionOffsets(TopicPartition topicPartition);

  /**
   * The committed offsets of a consumer group.
   *
   * @param group the group name
   * @return partition to committed offset (the next offset the group will read)
   */
  CompletionStage<java.util.Map<TopicPartition, Long>> committedOffsets(String group);

  /**
   * The lag of a consumer group on every partition of a topic: log bounds, committed offset and the
   * records not yet consumed.
   * <!-- snippet: jd-lag -->
   *
   * <pre>{@code
   * long behind =
   *     skald.admin().lag("billing", "orders").toCompletableFuture().join().stream()
   *         .mapToLong(PartitionLag::lag)
   *         .sum();
   * }</pre>
   *
   * @param group the consumer group
   * @param topic the topic
   * @return one entry per partition, in partition order
   */
  CompletionStage<List<PartitionLag>> lag(String group, String topic);

  /**
   * The offset of the first record of a partition appended at or after a time (the log end if there
   * is none).
   *
   * @param topicPartition the partition
   * @param time the time
   * @return the offset
   */
  CompletionStage<Long> offsetForTimestamp(TopicPartition topicPartition, java.time.Instant time);

  /**
   * Moves a consumer group's committed offsets on every partition of a topic, for replay or to skip
   * ahead. The group must have no active members ({@link GroupActiveException} otherwise).
   *
   * @param group the consumer group
   * @param topic the topic
   * @param to where to move
   * @param dryRun true to only compute the new offsets
   * @return the new offsets (as they are, or would be, committed)
   */
  CompletionStage<java.util.Map<TopicPartition, Long>> resetOffsets(
      String group, String topic, OffsetReset to, boolean dryRun);

  /**
   * Compacts every partition of a compacted topic now, instead of waiting for its compaction
   * threshold (see {@link Compaction}): each partition keeps the latest record per key of
   * everything appended before the call, drops tombstones older than the tombstone retention, and
   * deletes the rest from the journal.
   *
   * @param topic a compacted topic
   * @return completes when every partition's compaction is durable; fails with {@link
   *     InvalidTopicException} if the topic is not compacted, {@link UnknownTopicException} if it
   *     does not exist
   */
  CompletionStage<Done> compact(String topic);
}
