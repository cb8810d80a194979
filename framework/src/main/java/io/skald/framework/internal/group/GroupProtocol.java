package io.skald.framework.internal.group;

import io.skald.framework.TopicPartition;
import io.skald.framework.internal.SkaldSerializable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * INTERNAL API: the protocol of {@link GroupCoordinator}: its commands, replies and persisted
 * events.
 */
public final class GroupProtocol {
  private GroupProtocol() {}

  /** Messages the coordinator accepts. */
  public sealed interface Command extends SkaldSerializable
      permits Join,
          Leave,
          Released,
          Commit,
          Heartbeat,
          GetCommitted,
          ResetOffsets,
          Describe,
          DeleteGroup,
          Deleted,
          ReportPositions,
          MemberTerminated,
          CheckRevocations,
          ClaimWindowClosed,
          FencesExpired,
          TopicChanged,
          CheckOwnership,
          CommitTransactional {}

  /**
   * A topic's definition changed (from the registry's announcements): if it grew, the group
   * rebalances over its new partitions.
   *
   * @param spec the topic's new definition
   */
  record TopicChanged(io.skald.framework.admin.TopicSpec spec) implements Command {}

  /**
   * A member joins (or joins again).
   *
   * @param memberId unique id of the member
   * @param topics topics it subscribes to
   * @param partitionsPerTopic partition count of each of them
   * @param assignor the strategy name the member wants
   * @param member the member's actor, watched and sent assignments
   * @param claims partitions it held under a coordinator that is gone, with its positions there
   * @param createdTopics topics of a pattern subscription created after the member subscribed:
   *     every record in them is new to the group, so partitions without a committed offset start at
   *     0 whatever the start position
   */
  public record Join(
      String memberId,
      Set<String> topics,
      Map<String, Integer> partitionsPerTopic,
      String assignor,
      ActorRef<MemberMessage> member,
      List<Claim> claims,
      Set<String> createdTopics)
      implements Command {
    /** A join from a node of an earlier version carries no claims and no created topics. */
    public Join {
      claims = claims == null ? List.of() : List.copyOf(claims);
      createdTopics = createdTopics == null ? Set.of() : Set.copyOf(createdTopics);
    }

    /**
     * A join without created topics.
     *
     * @param memberId unique id of the member
     * @param topics topics it subscribes to
     * @param partitionsPerTopic partition count of each of them
     * @param assignor the strategy name the member wants
     * @param member the member's actor
     * @param claims partitions it held under a coordinator that is gone
     */
    public Join(
        String memberId,
        Set<String> topics,
        Map<String, Integer> partitionsPerTopic,
        String assignor,
        ActorRef<MemberMessage> member,
        List<Claim> claims) {
      this(memberId, topics, partitionsPerTopic, assignor, member, claims, Set.of());
    }
  }

  /**
   * A partition a member held when its coordinator went away: a new coordinator gives it back to
   * the claimant with the latest grant (so the member goes on without redelivering its work), and
   * tells every other claimant to drop it.
   *
   * @param tp the partition
   * @param grantGeneration the generation in which it was granted to the member
   * @param position the member's completed position there (-1: none)
   */
  public record Claim(TopicPartition tp, long grantGeneration, long position)
      implements SkaldSerializable {}

  /**
   * A member leaves gracefully, committing its final positions.
   *
   * @param memberId the member
   * @param finalOffsets positions of the partitions it owned
   * @param replyTo acknowledged once the offsets are persisted
   */
  public record Leave(String memberId, List<CommittedOffset> finalOffsets, ActorRef<Done> replyTo)
      implements Command {}

  /**
   * A member gives back revoked partitions with their final positions.
   *
   * @param memberId the member
   * @param offsets the released partitions and positions
   */
  public record Released(String memberId, List<CommittedOffset> offsets) implements Command {}

  /**
   * A member commits positions of partitions it owns.
   *
   * @param memberId the member
   * @param generation the member's generation
   * @param offsets the positions
   * @param replyTo receives which were accepted
   */
  public record Commit(
      String memberId,
      long generation,
      List<CommittedOffset> offsets,
      ActorRef<CommitResult> replyTo)
      implements Command {}

  /**
   * Asks whether a member owns partitions in its generation, without committing anything: a
   * transaction coordinator checks the offsets of a transaction before deciding to commit it.
   *
   * @param memberId the member named by the transaction
   * @param generation the member's generation
   * @param partitions the partitions whose offsets the transaction commits
   * @param replyTo receives the partitions the member does not own, or {@code retryLater} when this
   *     coordinator does not know the member yet
   */
  public record CheckOwnership(
      String memberId,
      long generation,
      List<TopicPartition> partitions,
      ActorRef<CommitResult> replyTo)
      implements Command {}

  /**
   * Commits the offsets of a transaction whose commit was decided. Checked against the owners
   * before the decision ({@link CheckOwnership}), so not again: a decided transaction is applied
   * whatever happened to the group since. An offset lower than the committed one is ignored, so a
   * transaction applied again after its coordinator restarted never moves a position back.
   *
   * @param offsets the positions
   * @param replyTo told once they are durable
   */
  public record CommitTransactional(List<CommittedOffset> offsets, ActorRef<Done> replyTo)
      implements Command {}

  /**
   * A member's liveness signal and lease request: a member the coordinator knows gets a {@link
   * HeartbeatAck} (its lease, counted from {@code sentAtNanos}), an unknown one {@link
   * RejoinRequired}.
   *
   * @param memberId the member
   * @param member the member's actor
   * @param sentAtNanos the member's {@code System.nanoTime()} when it sent this, echoed back
   */
  public record Heartbeat(String memberId, ActorRef<MemberMessage> member, long sentAtNanos)
      implements Command {}

  /**
   * Reads the committed offsets.
   *
   * @param replyTo receives them
   */
  public record GetCommitted(ActorRef<CommittedOffsets> replyTo) implements Command {}

  /**
   * Replaces committed offsets; refused while the group has members.
   *
   * @param offsets the new positions
   * @param replyTo receives whether it was done
   */
  public record ResetOffsets(List<CommittedOffset> offsets, ActorRef<ResetResult> replyTo)
      implements Command {}

  /**
   * Describes the group: members, assignment, generation, committed offsets.
   *
   * @param replyTo receives the description
   */
  public record Describe(ActorRef<Description> replyTo) implements Command {}

  /**
   * A member as {@link Describe} reports it.
   *
   * @param memberId its id
   * @param address the address of its node
   * @param topics its topics, sorted
   * @param owned the partitions it owns, sorted
   */
  public record MemberInfo(
      String memberId, String address, List<String> topics, List<TopicPartition> owned)
      implements SkaldSerializable {}

  /**
   * Answer to {@link Describe}.
   *
   * @param generation the generation
   * @param rebalancing true while partitions move (claims being collected, revocations pending)
   * @param members the live members, in join order
   * @param offsets the committed offsets
   * @param vacant true if the group never had a member or was deleted since
   */
  public record Description(
      long generation,
      boolean rebalancing,
      List<MemberInfo> members,
      List<CommittedOffset> offsets,
      boolean vacant)
      implements SkaldSerializable {}

  /**
   * Deletes the group's committed offsets and removes it from the catalogue; refused while the
   * group has members (answered {@link ResetRefused}, or {@link OffsetsReset} once done).
   *
   * @param replyTo receives the outcome
   */
  public record DeleteGroup(ActorRef<ResetResult> replyTo) implements Command {}

  record Deleted(ActorRef<ResetResult> replyTo) implements Command {}

  /** Answer to {@link ResetOffsets}. */
  public sealed interface ResetResult extends SkaldSerializable {}

  /** The offsets were reset and are durable. */
  public enum OffsetsReset implements ResetResult {
    /** The only instance. */
    INSTANCE
  }

  /**
   * The group has live members, whose commits would overwrite the reset; nothing changed.
   *
   * @param activeMembers how many
   */
  public record ResetRefused(int activeMembers) implements ResetResult {}

  enum ReportPositions implements Command {
    INSTANCE
  }

  record MemberTerminated(String memberId, ActorRef<MemberMessage> member) implements Command {}

  enum CheckRevocations implements Command {
    INSTANCE
  }

  enum ClaimWindowClosed implements Command {
    INSTANCE
  }

  enum FencesExpired implements Command {
    INSTANCE
  }

  /** Messages from the coordinator to a member. */
  public sealed interface MemberMessage extends SkaldSerializable
      permits Assigned, Revoked, RejoinRequired, HeartbeatAck, Fenced {}

  /**
   * Partitions now owned by the member.
   *
   * @param generation the generation of the grant
   * @param partitions the partitions with their committed offsets (-1: none committed)
   * @param incarnation the granting coordinator's incarnation
   */
  public record Assigned(long generation, List<CommittedOffset> partitions, String incarnation)
      implements MemberMessage {
    /** A grant from a node of an earlier version names no incarnation. */
    public Assigned {
      incarnation = incarnation == null ? "" : incarnation;
    }
  }

  /**
   * The member's lease is renewed: it may handle {@code owned} until {@code sentAtNanos} plus the
   * ownership lease (its own clock); partitions it runs that are not listed are no longer its own.
   *
   * @param sentAtNanos the heartbeat's send time, as the member gave it
   * @param owned the partitions the coordinator grants the member
   * @param incarnation the coordinator's incarnation
   */
  public record HeartbeatAck(long sentAtNanos, List<TopicPartition> owned, String incarnation)
      implements MemberMessage {}

  /**
   * Partitions the member must stop handling at once, without committing: another member holds them
   * (a claim that lost to a later grant).
   *
   * @param partitions the partitions
   */
  public record Fenced(List<TopicPartition> partitions) implements MemberMessage {}

  /**
   * Partitions the member must finish, commit and release.
   *
   * @param generation the new generation
   * @param partitions the partitions
   */
  public record Revoked(long generation, List<TopicPartition> partitions)
      implements MemberMessage {}

  /**
   * The coordinator does not know the member: join again. From the incarnation that granted the
   * member's partitions, this means it removed the member (drop every partition); from another one,
   * that the coordinator moved (claim the partitions held).
   *
   * @param incarnation the coordinator's incarnation
   * @param sentAtNanos the answered heartbeat's send time (answers to heartbeats sent before the
   *     member's last join are stale)
   */
  public record RejoinRequired(String incarnation, long sentAtNanos) implements MemberMessage {
    /** An answer from a node of an earlier version names no incarnation. */
    public RejoinRequired {
      incarnation = incarnation == null ? "" : incarnation;
    }
  }

  /**
   * Which partitions of a {@link Commit} were accepted.
   *
   * @param rejected partitions the member does not own (any more)
   * @param retryLater nothing was committed because the coordinator does not know the member yet
   *     (it moved, and the member has not joined it again): keep the positions, commit them later
   */
  public record CommitResult(List<TopicPartition> rejected, boolean retryLater)
      implements SkaldSerializable {}

  /**
   * Answer to {@link GetCommitted}.
   *
   * @param offsets every committed position
   */
  public record CommittedOffsets(List<CommittedOffset> offsets) implements SkaldSerializable {}

  /** Persisted events. */
  public sealed interface Event extends SkaldSerializable
      permits GenerationStarted, OffsetsCommitted, GroupDeleted {}

  /**
   * A rebalance began.
   *
   * @param generation the new generation
   */
  public record GenerationStarted(long generation) implements Event {}

  /**
   * Positions were committed.
   *
   * @param offsets the positions
   */
  public record OffsetsCommitted(List<CommittedOffset> offsets) implements Event {}

  /**
   * The group was deleted: its committed offsets are gone (the generation stays, so numbers never
   * repeat).
   *
   * @param generation the generation at deletion
   */
  public record GroupDeleted(long generation) implements Event {}

  /**
   * The persisted snapshot.
   *
   * @param generation the generation
   * @param offsets the committed positions
   * @param deleted true if the group was deleted since its last join or commit (absent, so false,
   *     in snapshots written before group deletion existed)
   */
  public record Snapshot(long generation, List<CommittedOffset> offsets, boolean deleted)
      implements SkaldSerializable {}
}
