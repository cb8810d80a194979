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
 * partition since which generation, the target assignment, the partitions being revoked, and the
 * fences: a partition taken from a member that did not release it (it died, was replaced, or did
 * not release in time) is granted again only once that member's lease has run out, counted from the
 * later of its last renewal and its last grant, plus the hand-over margin. Not persisted (members
 * join again after a coordinator restart, claiming what they held) and not thread-safe (confined to
 * the coordinator). Its methods return the messages to send instead of sending them.
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
  private final Map<String, Long> leaseBase = new HashMap<>();
  private final Map<TopicPartition, Long> fencedUntil = new HashMap<>();
  private final Map<TopicPartition, Claimed> claims = new HashMap<>();
  private final Map<String, List<GroupProtocol.Claim>> heldBy = new HashMap<>();
  private final long fenceNanos;
  private final String incarnation;

  /** The best claim of a partition so far. */
  record Claimed(String memberId, GroupProtocol.Claim claim) {}

  /**
   * The end of a claim window.
   *
   * @param won the winning claims, now owned by their claimants
   * @param fences the messages telling the other claimants to drop what they claimed
   */
  record Resolution(List<Claimed> won, List<Send> fences) {}

  /**
   * @param fenceNanos how long after a member's lease base its partitions stay fenced
   * @param incarnation the coordinator's incarnation, sent with grants
   */
  GroupMembership(long fenceNanos, String incarnation) {
    this.fenceNanos = fenceNanos;
    this.incarnation = incarnation;
  }

  Member member(String memberId) {
    return members.get(memberId);
  }

  java.util.Collection<Member> members() {
    return java.util.Collections.unmodifiableCollection(members.values());
  }

  int size() {
    return members.size();
  }

  /**
   * Adds (or replaces) a member; a replaced incarnation loses its partitions, fenced.
   *
   * @return the claimed partitions the member does not own here (to be fenced at the member), or
   *     empty
   */
  List<TopicPartition> join(
      Member member, Map<String, Integer> partitions, List<GroupProtocol.Claim> held, long now) {
    Member previous = members.put(member.memberId(), member);
    if (previous != null && !previous.ref().equals(member.ref())) {
      dropOwnership(member.memberId(), now);
    }
    // a member that read the topic after it grew knows more partitions than the others
    partitions.forEach((topic, count) -> partitionsPerTopic.merge(topic, count, Math::max));
    List<TopicPartition> refused = new ArrayList<>();
    for (GroupProtocol.Claim claim : held) {
      Owner owner = owners.get(claim.tp());
      if (owner == null || !owner.memberId().equals(member.memberId())) {
        refused.add(claim.tp());
      }
    }
    return refused;
  }

  /**
   * Takes a topic's new partition count.
   *
   * @param topic the topic
   * @param count its partition count now
   * @return the count it had, or -1 if the group does not read the topic or it did not grow
   */
  int grow(String topic, int count) {
    Integer before = partitionsPerTopic.get(topic);
    if (before == null || count <= before) {
      return -1;
    }
    partitionsPerTopic.put(topic, count);
    return before;
  }

  /** Records a member's claims while a new coordinator collects them; the latest grant wins. */
  void claim(String memberId, List<GroupProtocol.Claim> held) {
    heldBy.put(memberId, List.copyOf(held));
    for (GroupProtocol.Claim claim : held) {
      Claimed best = claims.get(claim.tp());
      if (best == null
          || claim.grantGeneration() > best.claim().grantGeneration()
          || (claim.grantGeneration() == best.claim().grantGeneration()
              && claim.position() > best.claim().position())) {
        claims.put(claim.tp(), new Claimed(memberId, claim));
      }
    }
  }

  /**
   * Ends the claim window: every partition claimed by a member still here goes to the claimant with
   * the latest grant, under that grant's generation; the other claimants are told to drop it.
   *
   * @return the winning claims, and the fencing messages to send
   */
  Resolution resolveClaims(long now) {
    List<Claimed> won = new ArrayList<>();
    Map<String, List<TopicPartition>> lost = new HashMap<>();
    claims.forEach(
        (tp, best) -> {
          if (members.containsKey(best.memberId())) {
            owners.put(tp, new Owner(best.memberId(), best.claim().grantGeneration()));
            leaseBase.merge(best.memberId(), now, Math::max);
            won.add(best);
          }
        });
    heldBy.forEach(
        (memberId, held) -> {
          for (GroupProtocol.Claim claim : held) {
            Owner owner = owners.get(claim.tp());
            if (members.containsKey(memberId)
                && (owner == null || !owner.memberId().equals(memberId))) {
              lost.computeIfAbsent(memberId, k -> new ArrayList<>()).add(claim.tp());
            }
          }
        });
    claims.clear();
    heldBy.clear();
    List<Send> sends = new ArrayList<>();
    lost.forEach(
        (memberId, tps) ->
            sends.add(
                new Send(members.get(memberId).ref(), new GroupProtocol.Fenced(List.copyOf(tps)))));
    return new Resolution(won, sends);
  }

  /** A member's heartbeat is answered now: its lease runs from here. */
  void renewed(String memberId, long now) {
    leaseBase.merge(memberId, now, Math::max);
  }

  /** The partitions a member owns (draining ones included), sorted. */
  List<TopicPartition> ownedBy(String memberId) {
    List<TopicPartition> owned = new ArrayList<>();
    owners.forEach(
        (tp, owner) -> {
          if (owner.memberId().equals(memberId)) {
            owned.add(tp);
          }
        });
    owned.sort(
        java.util.Comparator.comparing(TopicPartition::topic)
            .thenComparingInt(TopicPartition::partition));
    return owned;
  }

  /** The earliest time a fence ends, or empty if none is up. */
  java.util.OptionalLong nextFenceEnd() {
    return fencedUntil.values().stream().mapToLong(Long::longValue).min();
  }

  /**
   * Removes a member and its ownerships; returns it, or null if unknown.
   *
   * @param released whether it stopped handling its partitions (a graceful leave): if not, they
   *     stay fenced until its lease has run out
   */
  Member leave(String memberId, boolean released, long now) {
    Member member = members.remove(memberId);
    heldBy.remove(memberId);
    if (member != null) {
      if (released) {
        owners.entrySet().removeIf(e -> e.getValue().memberId().equals(memberId));
        revokeDeadlines.keySet().removeIf(tp -> !owners.containsKey(tp));
      } else {
        dropOwnership(memberId, now);
      }
      leaseBase.remove(memberId);
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

  /**
   * Partitions whose owner did not release them by the deadline; they become free once the owner's
   * lease on them has run out (its next renewal no longer lists them).
   */
  Map<TopicPartition, String> expireRevocations(long nowNanos) {
    Map<TopicPartition, String> expired = new TreeMap<>();
    revokeDeadlines.forEach(
        (tp, deadline) -> {
          if (deadline - nowNanos <= 0) {
            Owner owner = owners.get(tp);
            expired.put(tp, owner == null ? "?" : owner.memberId());
          }
        });
    expired.forEach((tp, memberId) -> fence(tp, memberId, nowNanos));
    free(new ArrayList<>(expired.keySet()));
    return expired;
  }

  private void fence(TopicPartition tp, String memberId, long now) {
    long base = leaseBase.getOrDefault(memberId, now);
    fencedUntil.merge(tp, base + fenceNanos, Math::max);
  }

  /**
   * Computes the target assignment with {@code assign} and the messages that move towards it:
   * revocations for partitions that change hands, and grants of free partitions.
   */
  List<Send> rebalance(
      long generation,
      Map<TopicPartition, Long> committed,
      Function<Map<String, Integer>, Map<String, Set<TopicPartition>>> assign,
      long revokeDeadlineNanos,
      long now) {
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
    sends.addAll(grantFree(generation, committed, now));
    return sends;
  }

  /**
   * Grants every partition whose target owner is set, which nobody holds and whose fence is over.
   */
  List<Send> grantFree(long generation, Map<TopicPartition, Long> committed, long now) {
    fencedUntil.values().removeIf(until -> until - now <= 0);
    Map<String, List<CommittedOffset>> grants = new HashMap<>();
    target.forEach(
        (tp, memberId) -> {
          if (!owners.containsKey(tp) && !fencedUntil.containsKey(tp)) {
            owners.put(tp, new Owner(memberId, generation));
            leaseBase.merge(memberId, now, Math::max);
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
                    new GroupProtocol.Assigned(generation, List.copyOf(offsets), incarnation))));
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

  /** The member's partitions become free, fenced until its lease has run out. */
  private void dropOwnership(String memberId, long now) {
    owners.forEach(
        (tp, owner) -> {
          if (owner.memberId().equals(memberId)) {
            fence(tp, memberId, now);
          }
        });
    owners.entrySet().removeIf(e -> e.getValue().memberId().equals(memberId));
    revokeDeadlines.keySet().removeIf(tp -> !owners.containsKey(tp));
  }
}
