package io.skald.framework.internal.group;

import io.skald.framework.TopicPartition;
import io.skald.framework.consumer.PartitionAssignor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * INTERNAL API: the live side of a {@link GroupCoordinator}: who the members are, who owns which
 * partition since which generation, the target assignment and the partitions being revoked. Not
 * persisted (members join again after a coordinator restart) and not thread-safe (confined to the
 * coordinator). Its methods return the messages to send instead of sending them.
 */
final class GroupMembership {

  record Member(
      String memberId,
      ActorRef<GroupProtocol.MemberMessage> ref,
      Set<String> topics,
      String assignor) {}

  record Owner(String memberId, long generation) {}

  /** A message for a member. */
  record Send(ActorRef<GroupProtocol.MemberMessage> to, GroupProtocol.MemberMessage message) {}

  private final Map<String, Member> members = new LinkedHashMap<>();
  private final Map<String, Integer> partitionsPerTopic = new TreeMap<>();
  private final Map<TopicPartition, Owner> owners = new HashMap<>();
  private final Map<TopicPartition, String> target = new HashMap<>();
  private final Map<TopicPartition, Long> revokeDeadlines = new HashMap<>();

  Member member(String memberId) {
    return members.get(memberId);
  }

  int size() {
    return members.size();
  }

  /** Adds (or replaces) a member; a replaced incarnation loses its partitions. */
  void join(Member member, Map<String, Integer> partitions) {
    Member previous = members.put(member.memberId(), member);
    if (previous != null && !previous.ref().equals(member.ref())) {
      dropOwnership(member.memberId());
    }
    partitions.forEach(partitionsPerTopic::putIfAbsent);
  }

  /** Removes a member and its ownerships; returns it, or null if unknown. */
  Member leave(String memberId) {
    Member member = members.remove(memberId);
    if (member != null) {
      dropOwnership(memberId);
    }
    return member;
  }

  /** Whether a commit of {@code tp} by this member at this generation may pass (fencing). */
  boolean mayCommit(String memberId, long generation, TopicPartition tp) {
    Owner owner = owners.get(tp);
    return owner != null && owner.memberId().equals(memberId) && generation >= owner.generation();
  }

  /** The positions among {@code offsets} of partitions the member owns. */
  List<CommittedOffset> owned(String memberId, List<CommittedOffset> offsets) {
    List<CommittedOffset> owned = new ArrayList<>();
    for (CommittedOffset o : offsets) {
      Owner owner = owners.get(o.tp());
      if (owner != null && owner.memberId().equals(memberId)) {
        owned.add(o);
      }
    }
    return owned;
  }

  /** The partitions are nobody's now (released, or taken after a revocation timeout). */
  void free(List<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      owners.remove(tp);
      revokeDeadlines.remove(tp);
    }
  }

  boolean revoking() {
    return !revokeDeadlines.isEmpty();
  }

  /** Partitions whose owner did not release them by the deadline; they become free. */
  Map<TopicPartition, String> expireRevocations(long nowNanos) {
    Map<TopicPartition, String> expired = new TreeMap<>();
    revokeDeadlines.forEach(
        (tp, deadline) -> {
          if (deadline - nowNanos <= 0) {
            Owner owner = owners.get(tp);
            expired.put(tp, owner == null ? "?" : owner.memberId());
          }
        });
    free(new ArrayList<>(expired.keySet()));
    return expired;
  }

  /**
   * Computes the target assignment with {@code assign} and the messages that move towards it:
   * revocations for partitions that change hands, and grants of free partitions.
   */
  List<Send> rebalance(
      long generation,
      Map<TopicPartition, Long> committed,
      Function<Map<String, Integer>, Map<String, Set<TopicPartition>>> assign,
      long revokeDeadlineNanos) {
    target.clear();
    if (!members.isEmpty()) {
      assign
          .apply(subscribedPartitions())
          .forEach((memberId, tps) -> tps.forEach(tp -> target.put(tp, memberId)));
    }
    Map<String, List<TopicPartition>> revocations = new HashMap<>();
    owners.forEach(
        (tp, owner) -> {
          if (!owner.memberId().equals(target.get(tp)) && !revokeDeadlines.containsKey(tp)) {
            revocations.computeIfAbsent(owner.memberId(), k -> new ArrayList<>()).add(tp);
            revokeDeadlines.put(tp, revokeDeadlineNanos);
          }
        });
    List<Send> sends = new ArrayList<>();
    revocations.forEach(
        (memberId, tps) ->
            sends.add(
                new Send(
                    members.get(memberId).ref(),
                    new GroupProtocol.Revoked(generation, List.copyOf(tps)))));
    sends.addAll(grantFree(generation, committed));
    return sends;
  }

  /** Grants every partition whose target owner is set and which nobody holds. */
  List<Send> grantFree(long generation, Map<TopicPartition, Long> committed) {
    Map<String, List<CommittedOffset>> grants = new HashMap<>();
    target.forEach(
        (tp, memberId) -> {
          if (!owners.containsKey(tp)) {
            owners.put(tp, new Owner(memberId, generation));
            grants
                .computeIfAbsent(memberId, k -> new ArrayList<>())
                .add(CommittedOffset.of(tp, committed.getOrDefault(tp, -1L)));
          }
        });
    List<Send> sends = new ArrayList<>();
    grants.forEach(
        (memberId, offsets) ->
            sends.add(
                new Send(
                    members.get(memberId).ref(),
                    new GroupProtocol.Assigned(generation, List.copyOf(offsets)))));
    return sends;
  }

  /** The members as the assignor sees them, sorted by id. */
  List<PartitionAssignor.Member> assignorView() {
    List<PartitionAssignor.Member> view = new ArrayList<>();
    new TreeMap<>(members)
        .values()
        .forEach(m -> view.add(new PartitionAssignor.Member(m.memberId(), m.topics())));
    return view;
  }

  /** The strategy of the oldest member. */
  String assignorName() {
    return members.values().iterator().next().assignor();
  }

  private Map<String, Integer> subscribedPartitions() {
    Map<String, Integer> subscribed = new TreeMap<>();
    partitionsPerTopic.forEach(
        (topic, count) -> {
          if (members.values().stream().anyMatch(m -> m.topics().contains(topic))) {
            subscribed.put(topic, count);
          }
        });
    return subscribed;
  }

  private void dropOwnership(String memberId) {
    owners.entrySet().removeIf(e -> e.getValue().memberId().equals(memberId));
    revokeDeadlines.keySet().removeIf(tp -> !owners.containsKey(tp));
  }
}
