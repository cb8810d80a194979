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
   * Creates a topic durably. Creating an identical definition again succeeds; any difference from
   * the stored definition fails with {@link TopicConflictException} naming the differing settings.
   * Applications that declare their topics at start-up call {@link #ensureTopic(TopicSpec)}
   * instead.
   *
   * @param spec the definition
   * @return the definition as stored
   */
  CompletionStage<TopicSpec> createTopic(TopicSpec spec);

  /**
   * Creates a topic if it does not exist, or checks an existing one: the call for every start-up.
   * An existing topic must have the requested partition count ({@link TopicConflictException}
   * otherwise, since keys would map to other partitions); its other settings are left as they are
   * (an operator may have altered them) and each difference is reported in the result and logged as
   * a warning. To change them, call {@link #alterTopic(TopicSpec)}.
   * <!-- snippet: jd-ensure-topic -->
   *
   * <pre>{@code
   * EnsuredTopic orders =
   *     skald.admin().ensureTopic(TopicSpec.of("orders", 4)).toCompletableFuture().join();
   * if (!orders.matches()) {
   *   System.out.println("orders differs from the code: " + orders.differences());
   * }
   * }</pre>
   *
   * @param spec the definition the application expects
   * @return the stored topic, whether this call created it, and the differences
   */
  CompletionStage<EnsuredTopic> ensureTopic(TopicSpec spec);

  /**
   * Changes an existing topic's retention, backlog limit, compaction, record size limit and
   * partition count to those of {@code spec}. The change is durable before the call completes and
   * every partition applies it before the call completes (a partition not running applies it when
   * it starts). A shorter retention deletes what falls outside it at the partition's next retention
   * check; removing compaction stops future compactions (what was compacted stays compacted); a
   * lower {@link TopicSpec#maxRecordBytes()} refuses larger records from then on (those already
   * written stay).
   *
   * <p>The partition count may only grow. New partitions start empty; producers route to them at
   * once, so <b>a key maps to another partition from then on</b> (per-key order holds within each
   * partition, not across the change: records of a key written before and after it may be consumed
   * out of order, as in Kafka). Consumer groups subscribed to the topic rebalance and read the new
   * partitions from their first record, whatever their start position, so nothing written to them
   * is skipped.
   * <!-- snippet: jd-alter-topic -->
   *
   * <pre>{@code
   * TopicSpec current = skald.admin().describeTopic("clicks").toCompletableFuture().join().get();
   * skald
   *     .admin()
   *     .alterTopic(current.withRetention(Retention.forever().withMaxAge(Duration.ofDays(3))))
   *     .toCompletableFuture()
   *     .join();
   * }</pre>
   *
   * @param spec the new definition of an existing topic, with its partition count
   * @return the previous definition; fails with {@link UnknownTopicException} if there is no such
   *     topic, {@link TopicConflictException} if it has fewer partitions than the topic, {@link
   *     InvalidTopicException} if its record limit does not fit this node's partition batches
   */
  CompletionStage<TopicSpec> alterTopic(TopicSpec spec);

  /**
   * Deletes a topic and its data. The topic stops existing at once, durably (producers then get
   * {@link UnknownTopicException}, and subscriptions to it stop with it); then every partition
   * deletes its journal events and snapshots, and the call completes. Consumer groups keep their
   * committed offsets of the topic (delete the groups to drop them). If the call fails half way,
   * the name cannot be created again until {@code deleteTopic} is called again and completes.
   * <!-- snippet: jd-delete-topic -->
   *
   * <pre>{@code
   * skald.admin().deleteTopic("clicks").toCompletableFuture().join();
   * }</pre>
   *
   * @param name the topic
   * @return completes once every partition's data is deleted; fails with {@link
   *     UnknownTopicException} if there is no such topic
   */
  CompletionStage<Done> deleteTopic(String name);

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

  /**
   * Lists the consumer groups: every group that has had a member or an offset reset, until it is
   * deleted.
   *
   * @return the group names, sorted
   */
  CompletionStage<List<String>> listGroups();

  /**
   * Describes a consumer group: its state, generation, live members with their assignment, and the
   * committed offset and lag on every partition of the topics it subscribes to or has committed on.
   * <!-- snippet: jd-describe-group -->
   *
   * <pre>{@code
   * GroupDescription billing = skald.admin().describeGroup("billing").toCompletableFuture().join();
   * System.out.println(
   *     billing.state() + ", " + billing.members().size() + " members, lag " + billing.totalLag());
   * }</pre>
   *
   * @param group the group name
   * @return the description; fails with {@link UnknownGroupException} if the group has no member,
   *     no committed offset and no history
   */
  CompletionStage<GroupDescription> describeGroup(String group);

  /**
   * Deletes an inactive consumer group: its committed offsets are gone and it leaves {@link
   * #listGroups()}. A group that joins again later starts as new (from its {@link
   * io.skald.framework.consumer.StartPosition}).
   *
   * @param group the group name
   * @return completes once durable; fails with {@link GroupActiveException} while it has members,
   *     {@link UnknownGroupException} if there is no such group
   */
  CompletionStage<Done> deleteGroup(String group);
}
