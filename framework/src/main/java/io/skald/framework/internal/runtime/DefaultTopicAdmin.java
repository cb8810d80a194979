package io.skald.framework.internal.runtime;

import io.skald.framework.Stages;
import io.skald.framework.TopicPartition;
import io.skald.framework.UnknownTopicException;
import io.skald.framework.admin.EnsuredTopic;
import io.skald.framework.admin.GroupActiveException;
import io.skald.framework.admin.GroupDescription;
import io.skald.framework.admin.GroupMember;
import io.skald.framework.admin.GroupState;
import io.skald.framework.admin.PartitionLag;
import io.skald.framework.admin.PartitionOffsets;
import io.skald.framework.admin.TopicAdmin;
import io.skald.framework.admin.TopicConflictException;
import io.skald.framework.admin.TopicDifference;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.admin.UnknownGroupException;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.group.CommittedOffset;
import io.skald.framework.internal.group.GroupCatalog;
import io.skald.framework.internal.group.GroupCoordinator;
import io.skald.framework.internal.group.GroupProtocol;
import io.skald.framework.internal.log.PartitionEntity;
import io.skald.framework.internal.log.PartitionProtocol;
import io.skald.framework.internal.topic.TopicCache;
import io.skald.framework.internal.topic.TopicRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * INTERNAL API: {@link TopicAdmin} over the sharded entities: the topic registry for topics, the
 * partitions for offsets, compaction and time lookups, the group coordinators for committed
 * offsets, lag and resets.
 */
final class DefaultTopicAdmin implements TopicAdmin {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TopicAdmin.class);

  private final ActorSystem<?> system;
  private final SkaldSettings settings;
  private final TopicCache topics;

  DefaultTopicAdmin(ActorSystem<?> system, SkaldSettings settings, TopicCache topics) {
    this.system = system;
    this.settings = settings;
    this.topics = topics;
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
                            + " partitions; alterTopic cannot change the partition count ("
                            + TopicDifference.describe(differences)
                            + ")",
                        differences);
                  }
                  TopicRegistry.TopicAltered altered = (TopicRegistry.TopicAltered) reply;
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

  private CompletionStage<TopicRegistry.CreateTopicReply> create(TopicSpec spec) {
    Objects.requireNonNull(spec, "spec");
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
  public CompletionStage<List<io.skald.framework.admin.PartitionLag>> lag(
      String group, String topic) {
    return Stages.unwrapped(
        topics
            .require(topic)
            .thenCompose(
                spec ->
                    committedOffsets(group)
                        .thenCompose(
                            committed -> {
                              List<CompletableFuture<io.skald.framework.admin.PartitionLag>> rows =
                                  new ArrayList<>();
                              for (int p = 0; p < spec.partitions(); p++) {
                                TopicPartition tp = new TopicPartition(topic, p);
                                long position = committed.getOrDefault(tp, -1L);
                                rows.add(
                                    partitionOffsets(tp)
                                        .thenApply(
                                            bounds -> {
                                              long from =
                                                  Math.max(
                                                      position < 0 ? 0 : position,
                                                      bounds.logStartOffset());
                                              return new io.skald.framework.admin.PartitionLag(
                                                  tp,
                                                  bounds.logStartOffset(),
                                                  bounds.logEndOffset(),
                                                  position,
                                                  Math.max(0, bounds.logEndOffset() - from));
                                            })
                                        .toCompletableFuture());
                              }
                              return CompletableFuture.allOf(rows.toArray(CompletableFuture[]::new))
                                  .thenApply(
                                      ignored ->
                                          rows.stream().map(CompletableFuture::join).toList());
                            })));
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
  public CompletionStage<Map<TopicPartition, Long>> resetOffsets(
      String group, String topic, io.skald.framework.admin.OffsetReset to, boolean dryRun) {
    try {
      SubscriptionSpec.validateGroupName(group);
      Objects.requireNonNull(to, "to");
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return Stages.unwrapped(
        topics
            .require(topic)
            .thenCompose(
                spec -> {
                  List<CompletableFuture<CommittedOffset>> targets = new ArrayList<>();
                  for (int p = 0; p < spec.partitions(); p++) {
                    TopicPartition tp = new TopicPartition(topic, p);
                    targets.add(
                        partitionOffsets(tp)
                            .thenCompose(bounds -> target(tp, bounds, to))
                            .toCompletableFuture());
                  }
                  return CompletableFuture.allOf(targets.toArray(CompletableFuture[]::new))
                      .thenApply(ignored -> targets.stream().map(CompletableFuture::join).toList());
                })
            .thenCompose(
                offsets -> {
                  Map<TopicPartition, Long> result = new java.util.TreeMap<>();
                  offsets.forEach(o -> result.put(o.tp(), o.offset()));
                  if (dryRun) {
                    return CompletableFuture.completedFuture(Map.copyOf(result));
                  }
                  return Stages.inline(
                          ClusterSharding.get(system)
                              .entityRefFor(GroupCoordinator.ENTITY_TYPE_KEY, group)
                              .<GroupProtocol.ResetResult>ask(
                                  replyTo -> new GroupProtocol.ResetOffsets(offsets, replyTo),
                                  settings.askTimeout()))
                      .thenApply(
                          reply -> {
                            if (reply instanceof GroupProtocol.ResetRefused refused) {
                              throw new io.skald.framework.admin.GroupActiveException(
                                  "group '"
                                      + group
                                      + "' has "
                                      + refused.activeMembers()
                                      + " active member(s); stop them before resetting offsets");
                            }
                            return Map.copyOf(result);
                          });
                }));
  }

  private CompletionStage<CommittedOffset> target(
      TopicPartition tp, PartitionOffsets bounds, io.skald.framework.admin.OffsetReset to) {
    if (to instanceof io.skald.framework.admin.OffsetReset.ToTimestamp t) {
      return offsetForTimestamp(tp, t.time()).thenApply(offset -> CommittedOffset.of(tp, offset));
    }
    long offset;
    if (to instanceof io.skald.framework.admin.OffsetReset.Earliest) {
      offset = bounds.logStartOffset();
    } else if (to instanceof io.skald.framework.admin.OffsetReset.Latest) {
      offset = bounds.logEndOffset();
    } else {
      long requested = ((io.skald.framework.admin.OffsetReset.ToOffset) to).offset();
      offset = Math.max(bounds.logStartOffset(), Math.min(requested, bounds.logEndOffset()));
    }
    return CompletableFuture.completedFuture(CommittedOffset.of(tp, offset));
  }

  @Override
  public CompletionStage<Map<TopicPartition, Long>> committedOffsets(String group) {
    try {
      SubscriptionSpec.validateGroupName(group);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    return Stages.unwrapped(
        Stages.inline(
                ClusterSharding.get(system)
                    .entityRefFor(GroupCoordinator.ENTITY_TYPE_KEY, group)
                    .<GroupProtocol.CommittedOffsets>ask(
                        GroupProtocol.GetCommitted::new, settings.askTimeout()))
            .thenApply(
                reply -> {
                  Map<TopicPartition, Long> offsets = new HashMap<>();
                  new ArrayList<>(reply.offsets()).forEach(o -> offsets.put(o.tp(), o.offset()));
                  return Map.copyOf(offsets);
                }));
  }

  @Override
  public CompletionStage<List<String>> listGroups() {
    return Stages.unwrapped(
        Stages.inline(
                GroupCatalog.ref(system)
                    .<GroupCatalog.GroupList>ask(
                        GroupCatalog.ListGroups::new, settings.askTimeout()))
            .thenApply(list -> List.copyOf(list.groups())));
  }

  @Override
  public CompletionStage<GroupDescription> describeGroup(String group) {
    try {
      SubscriptionSpec.validateGroupName(group);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    return Stages.unwrapped(
        Stages.inline(
                ClusterSharding.get(system)
                    .entityRefFor(GroupCoordinator.ENTITY_TYPE_KEY, group)
                    .<GroupProtocol.Description>ask(
                        GroupProtocol.Describe::new, settings.askTimeout()))
            .thenCompose(
                d -> {
                  if (d.vacant() && d.members().isEmpty() && d.offsets().isEmpty()) {
                    throw new UnknownGroupException("unknown consumer group '" + group + "'");
                  }
                  java.util.SortedSet<String> groupTopics = new java.util.TreeSet<>();
                  d.members().forEach(m -> groupTopics.addAll(m.topics()));
                  d.offsets().forEach(o -> groupTopics.add(o.tp().topic()));
                  List<CompletableFuture<List<PartitionLag>>> lags = new ArrayList<>();
                  for (String topic : groupTopics) {
                    lags.add(
                        lag(group, topic)
                            .exceptionally(
                                error ->
                                    List.of()) // a topic deleted since: its offsets are history
                            .toCompletableFuture());
                  }
                  return CompletableFuture.allOf(lags.toArray(CompletableFuture[]::new))
                      .thenApply(
                          ignored -> {
                            List<PartitionLag> partitions = new ArrayList<>();
                            lags.forEach(l -> partitions.addAll(l.join()));
                            List<GroupMember> members =
                                d.members().stream()
                                    .map(
                                        m ->
                                            new GroupMember(
                                                m.memberId(), m.address(), m.topics(), m.owned()))
                                    .toList();
                            GroupState state =
                                members.isEmpty()
                                    ? GroupState.EMPTY
                                    : d.rebalancing() ? GroupState.REBALANCING : GroupState.STABLE;
                            return new GroupDescription(
                                group, state, d.generation(), members, partitions);
                          });
                }));
  }

  @Override
  public CompletionStage<Done> deleteGroup(String group) {
    return Stages.unwrapped(
        describeGroup(group)
            .thenCompose(
                described ->
                    Stages.inline(
                        ClusterSharding.get(system)
                            .entityRefFor(GroupCoordinator.ENTITY_TYPE_KEY, group)
                            .<GroupProtocol.ResetResult>ask(
                                GroupProtocol.DeleteGroup::new, settings.askTimeout())))
            .thenApply(
                reply -> {
                  if (reply instanceof GroupProtocol.ResetRefused refused) {
                    throw new GroupActiveException(
                        "group '"
                            + group
                            + "' has "
                            + refused.activeMembers()
                            + " active member(s); stop them before deleting it");
                  }
                  return Done.getInstance();
                }));
  }
}
