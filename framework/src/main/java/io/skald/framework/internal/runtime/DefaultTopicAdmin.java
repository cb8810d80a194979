package io.skald.framework.internal.runtime;

import io.skald.framework.Stages;
import io.skald.framework.TopicPartition;
import io.skald.framework.UnknownTopicException;
import io.skald.framework.admin.EnsuredTopic;
import io.skald.framework.admin.GroupDescription;
import io.skald.framework.admin.PartitionOffsets;
import io.skald.framework.admin.TopicAdmin;
import io.skald.framework.admin.TopicConflictException;
import io.skald.framework.admin.TopicDifference;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.log.PartitionEntity;
import io.skald.framework.internal.log.PartitionProtocol;
import io.skald.framework.internal.topic.TopicCache;
import io.skald.framework.internal.topic.TopicRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * INTERNAL API: {@link TopicAdmin} over the sharded entities: the topic registry for topics, the
 * partitions for offsets, compaction, time lookups and deletion; consumer groups (committed
 * offsets, lag, resets, the catalogue) in {@link GroupAdmin}.
 */
final class DefaultTopicAdmin implements TopicAdmin {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TopicAdmin.class);

  /** What a batch holds besides its records (as {@code max-record-bytes} is validated). */
  private static final int RECORD_ENVELOPE_BYTES = 64;

  private final ActorSystem<?> system;
  private final SkaldSettings settings;
  private final TopicCache topics;
  private final GroupAdmin groups;

  DefaultTopicAdmin(ActorSystem<?> system, SkaldSettings settings, TopicCache topics) {
    this.system = system;
    this.settings = settings;
    this.topics = topics;
    this.groups = new GroupAdmin(system, settings, topics, this);
  }

  @Override
  public CompletionStage<TopicSpec> createTopic(TopicSpec spec) {
    return Stages.unwrapped(
        create(spec)
            .thenApply(
                reply -> {
                  refuseWhileDeleting(reply);
                  if (reply instanceof TopicRegistry.TopicConflict conflict) {
                    List<TopicDifference> differences =
                        TopicDifference.between(conflict.existing(), spec);
                    throw new TopicConflictException(
                        "topic '"
                            + spec.name()
                            + "' exists with another definition: "
                            + TopicDifference.describe(differences)
                            + "; use ensureTopic to accept the stored settings or alterTopic to"
                            + " change them",
                        differences);
                  }
                  return ((TopicRegistry.TopicCreated) reply).spec();
                }));
  }

  @Override
  public CompletionStage<EnsuredTopic> ensureTopic(TopicSpec spec) {
    return Stages.unwrapped(
        create(spec)
            .thenApply(
                reply -> {
                  refuseWhileDeleting(reply);
                  if (reply instanceof TopicRegistry.TopicCreated created) {
                    return new EnsuredTopic(created.spec(), created.created(), List.of());
                  }
                  TopicSpec existing = ((TopicRegistry.TopicConflict) reply).existing();
                  List<TopicDifference> differences = TopicDifference.between(existing, spec);
                  if (existing.partitions() != spec.partitions()) {
                    throw new TopicConflictException(
                        "topic '"
                            + spec.name()
                            + "' exists with "
                            + existing.partitions()
                            + " partitions, not "
                            + spec.partitions()
                            + " (keys would map to other partitions): "
                            + TopicDifference.describe(differences),
                        differences);
                  }
                  LOG.warn(
                      "topic '{}' exists with other settings than requested, kept as stored: {};"
                          + " call alterTopic to change them",
                      spec.name(),
                      TopicDifference.describe(differences));
                  return new EnsuredTopic(existing, false, differences);
                }));
  }

  @Override
  public CompletionStage<TopicSpec> alterTopic(TopicSpec spec) {
    Objects.requireNonNull(spec, "spec");
    try {
      checkRecordLimit(spec);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return Stages.unwrapped(
        Stages.inline(
                TopicRegistry.ref(system)
                    .<TopicRegistry.AlterTopicReply>ask(
                        replyTo -> new TopicRegistry.AlterTopic(spec, replyTo),
                        settings.askTimeout()))
            .thenCompose(
                reply -> {
                  if (reply instanceof TopicRegistry.AlterRejected rejected) {
                    if (rejected.existing() == null) {
                      throw new UnknownTopicException(
                          "unknown topic '" + spec.name() + "'; create it first");
                    }
                    List<TopicDifference> differences =
                        TopicDifference.between(rejected.existing(), spec);
                    throw new TopicConflictException(
                        "topic '"
                            + spec.name()
                            + "' has "
                            + rejected.existing().partitions()
                            + " partitions; a partition count can only grow, not shrink to "
                            + spec.partitions()
                            + " ("
                            + TopicDifference.describe(differences)
                            + ")",
                        differences);
                  }
                  TopicRegistry.TopicAltered altered = (TopicRegistry.TopicAltered) reply;
                  // this node's producers route to new partitions at once (others: pub-sub)
                  topics.put(altered.current());
                  if (altered.previous().partitions() < altered.current().partitions()) {
                    LOG.info(
                        "topic '{}' grew from {} to {} partitions: keys now map to other"
                            + " partitions",
                        spec.name(),
                        altered.previous().partitions(),
                        altered.current().partitions());
                  }
                  return applyToPartitions(altered.current()).thenApply(done -> altered.previous());
                }));
  }

  private static void refuseWhileDeleting(TopicRegistry.CreateTopicReply reply) {
    if (reply instanceof TopicRegistry.TopicBeingDeleted deleting) {
      throw new TopicConflictException(
          "topic '"
              + deleting.name()
              + "' is being deleted; call deleteTopic again to finish the deletion, then create"
              + " it",
          List.of());
    }
  }

  @Override
  public CompletionStage<Done> deleteTopic(String name) {
    try {
      TopicSpec.validateName(name);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return Stages.unwrapped(
        Stages.inline(
                TopicRegistry.ref(system)
                    .<TopicRegistry.DeleteTopicReply>ask(
                        replyTo -> new TopicRegistry.DeleteTopic(name, replyTo),
                        settings.askTimeout()))
            .thenCompose(
                reply -> {
                  if (reply.spec() == null) {
                    throw new UnknownTopicException("unknown topic '" + name + "'");
                  }
                  topics.forget(name);
                  List<CompletableFuture<PartitionProtocol.LogDeleted>> deleted = new ArrayList<>();
                  for (int p = 0; p < reply.spec().partitions(); p++) {
                    deleted.add(
                        Stages.inline(
                                PartitionEntity.ref(system, new TopicPartition(name, p))
                                    .<PartitionProtocol.LogDeleted>ask(
                                        PartitionProtocol.DeleteLog::new,
                                        settings.compactionTimeout()))
                            .toCompletableFuture());
                  }
                  return CompletableFuture.allOf(deleted.toArray(CompletableFuture[]::new))
                      .thenCompose(
                          ignored -> {
                            for (CompletableFuture<PartitionProtocol.LogDeleted> d : deleted) {
                              if (d.join().error() != null) {
                                throw new io.skald.framework.SkaldException(
                                    "topic '"
                                        + name
                                        + "' is deleted, but a partition could not delete its"
                                        + " data ("
                                        + d.join().error()
                                        + "); call deleteTopic again to finish");
                              }
                            }
                            return Stages.inline(
                                TopicRegistry.ref(system)
                                    .<Done>ask(
                                        replyTo ->
                                            new TopicRegistry.CompleteDeletion(name, replyTo),
                                        settings.askTimeout()));
                          });
                }));
  }

  /** Tells every partition of a topic its new settings; completes when all applied them. */
  private CompletionStage<Done> applyToPartitions(TopicSpec spec) {
    List<CompletableFuture<Done>> applied = new ArrayList<>();
    for (int p = 0; p < spec.partitions(); p++) {
      applied.add(
          Stages.inline(
                  PartitionEntity.ref(system, new TopicPartition(spec.name(), p))
                      .<Done>ask(
                          replyTo -> new PartitionProtocol.ApplyTopicSettings(spec, replyTo),
                          settings.askTimeout()))
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(applied.toArray(CompletableFuture[]::new))
        .thenApply(ignored -> Done.getInstance());
  }

  /** A record limit must leave room for the record in one of this node's partition batches. */
  private void checkRecordLimit(TopicSpec spec) {
    int largest = settings.maxBatchBytes() - RECORD_ENVELOPE_BYTES;
    if (spec.maxRecordBytes() > largest) {
      throw new io.skald.framework.admin.InvalidTopicException(
          "topic '"
              + spec.name()
              + "': maxRecordBytes "
              + spec.maxRecordBytes()
              + " does not fit a partition batch; at most "
              + largest
              + " (skald.framework.partition.max-batch-bytes "
              + settings.maxBatchBytes()
              + " less "
              + RECORD_ENVELOPE_BYTES
              + ")");
    }
  }

  private CompletionStage<TopicRegistry.CreateTopicReply> create(TopicSpec spec) {
    Objects.requireNonNull(spec, "spec");
    try {
      checkRecordLimit(spec);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return Stages.inline(
            TopicRegistry.ref(system)
                .<TopicRegistry.CreateTopicReply>ask(
                    replyTo -> new TopicRegistry.CreateTopic(spec, replyTo), settings.askTimeout()))
        .thenApply(
            reply -> {
              if (reply instanceof TopicRegistry.TopicCreated created) {
                topics.put(created.spec());
              }
              return reply;
            });
  }

  @Override
  public CompletionStage<Optional<TopicSpec>> describeTopic(String name) {
    return Stages.unwrapped(
        topics
            .require(name)
            .thenApply(Optional::of)
            .exceptionally(
                error -> {
                  Throwable cause = error.getCause() != null ? error.getCause() : error;
                  if (cause instanceof io.skald.framework.UnknownTopicException) {
                    return Optional.empty();
                  }
                  throw cause instanceof RuntimeException r ? r : new RuntimeException(cause);
                }));
  }

  @Override
  public CompletionStage<List<TopicSpec>> listTopics() {
    return Stages.unwrapped(
        Stages.inline(
                TopicRegistry.ref(system)
                    .<TopicRegistry.TopicList>ask(
                        TopicRegistry.ListTopics::new, settings.askTimeout()))
            .thenApply(list -> List.copyOf(list.topics())));
  }

  @Override
  public CompletionStage<PartitionOffsets> partitionOffsets(TopicPartition tp) {
    return Stages.unwrapped(
        topics
            .require(tp.topic())
            .thenCompose(
                spec -> {
                  if (tp.partition() >= spec.partitions()) {
                    throw new IllegalArgumentException(
                        tp + " does not exist: the topic has " + spec.partitions() + " partitions");
                  }
                  return Stages.inline(
                      PartitionEntity.ref(system, tp)
                          .<PartitionOffsets>ask(
                              PartitionProtocol.GetOffsets::new, settings.askTimeout()));
                }));
  }

  @Override
  public CompletionStage<Done> compact(String topic) {
    return Stages.unwrapped(
        topics
            .require(topic)
            .thenCompose(
                spec -> {
                  if (!spec.compacted()) {
                    throw new io.skald.framework.admin.InvalidTopicException(
                        "topic '"
                            + topic
                            + "' is not compacted; create it with withCompaction(...)");
                  }
                  List<CompletableFuture<PartitionProtocol.CompactionDone>> parts =
                      new ArrayList<>();
                  for (int p = 0; p < spec.partitions(); p++) {
                    parts.add(
                        Stages.inline(
                                PartitionEntity.ref(system, new TopicPartition(topic, p))
                                    .<PartitionProtocol.CompactionDone>ask(
                                        PartitionProtocol.Compact::new,
                                        settings.compactionTimeout()))
                            .toCompletableFuture());
                  }
                  return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                      .thenApply(
                          ignored -> {
                            for (CompletableFuture<PartitionProtocol.CompactionDone> part : parts) {
                              if (part.join()
                                  instanceof PartitionProtocol.CompactionFailed failed) {
                                throw new io.skald.framework.SkaldException(
                                    "compacting '" + topic + "' failed: " + failed.reason());
                              }
                            }
                            return Done.getInstance();
                          });
                }));
  }

  @Override
  public CompletionStage<Long> offsetForTimestamp(TopicPartition tp, java.time.Instant time) {
    return Stages.unwrapped(
        partitionOffsets(tp)
            .thenCompose(
                bounds ->
                    Stages.inline(
                            PartitionEntity.ref(system, tp)
                                .<PartitionProtocol.OffsetFound>ask(
                                    replyTo ->
                                        new PartitionProtocol.OffsetForTimestamp(
                                            time.toEpochMilli(), replyTo),
                                    settings.askTimeout()))
                        .thenApply(PartitionProtocol.OffsetFound::offset)));
  }

  @Override
  public CompletionStage<List<io.skald.framework.admin.PartitionLag>> lag(
      String group, String topic) {
    return groups.lag(group, topic);
  }

  @Override
  public CompletionStage<Map<TopicPartition, Long>> resetOffsets(
      String group, String topic, io.skald.framework.admin.OffsetReset to, boolean dryRun) {
    return groups.resetOffsets(group, topic, to, dryRun);
  }

  @Override
  public CompletionStage<Map<TopicPartition, Long>> committedOffsets(String group) {
    return groups.committedOffsets(group);
  }

  @Override
  public CompletionStage<List<String>> listGroups() {
    return groups.listGroups();
  }

  @Override
  public CompletionStage<GroupDescription> describeGroup(String group) {
    return groups.describeGroup(group);
  }

  @Override
  public CompletionStage<Done> deleteGroup(String group) {
    return groups.deleteGroup(group);
  }
}
