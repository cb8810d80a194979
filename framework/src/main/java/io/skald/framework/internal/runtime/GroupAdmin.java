package io.skald.framework.internal.runtime;

import io.skald.framework.Stages;
import io.skald.framework.TopicPartition;
import io.skald.framework.admin.GroupActiveException;
import io.skald.framework.admin.GroupDescription;
import io.skald.framework.admin.GroupMember;
import io.skald.framework.admin.GroupState;
import io.skald.framework.admin.PartitionLag;
import io.skald.framework.admin.PartitionOffsets;
import io.skald.framework.admin.TopicAdmin;
import io.skald.framework.admin.UnknownGroupException;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.group.CommittedOffset;
import io.skald.framework.internal.group.GroupCatalog;
import io.skald.framework.internal.group.GroupCoordinator;
import io.skald.framework.internal.group.GroupProtocol;
import io.skald.framework.internal.topic.TopicCache;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * INTERNAL API: the consumer-group side of {@link DefaultTopicAdmin}: committed offsets, lag,
 * offset resets, and the group catalogue (list, describe, delete), over the group coordinators and
 * the partitions' offsets.
 */
final class GroupAdmin {
  private final ActorSystem<?> system;
  private final SkaldSettings settings;
  private final TopicCache topics;
  private final TopicAdmin partitions;

  GroupAdmin(
      ActorSystem<?> system, SkaldSettings settings, TopicCache topics, TopicAdmin partitions) {
    this.system = system;
    this.settings = settings;
    this.topics = topics;
    this.partitions = partitions;
  }

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
                                    partitions
                                        .partitionOffsets(tp)
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
                        partitions
                            .partitionOffsets(tp)
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
      return partitions
          .offsetForTimestamp(tp, t.time())
          .thenApply(offset -> CommittedOffset.of(tp, offset));
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

  public CompletionStage<List<String>> listGroups() {
    return Stages.unwrapped(
        Stages.inline(
                GroupCatalog.ref(system)
                    .<GroupCatalog.GroupList>ask(
                        GroupCatalog.ListGroups::new, settings.askTimeout()))
            .thenApply(list -> List.copyOf(list.groups())));
  }

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
