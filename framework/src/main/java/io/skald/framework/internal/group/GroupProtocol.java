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
          ReportPositions,
          MemberTerminated,
          CheckRevocations {}

  /**
   * A member joins (or joins again).
   *
   * @param memberId unique id of the member
   * @param topics topics it subscribes to
   * @param partitionsPerTopic partition count of each of them
   * @param assignor the strategy name the member wants
   * @param member the member's actor, watched and sent assignments
   */
  public record Join(
      String memberId,
      Set<String> topics,
      Map<String, Integer> partitionsPerTopic,
      String assignor,
      ActorRef<MemberMessage> member)
      implements Command {}

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
   * A member's liveness signal; an unknown member is told to join again.
   *
   * @param memberId the member
   * @param member the member's actor
   */
  public record Heartbeat(String memberId, ActorRef<MemberMessage> member) implements Command {}

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

  /** Messages from the coordinator to a member. */
  public sealed interface MemberMessage extends SkaldSerializable
      permits Assigned, Revoked, RejoinRequired {}

  /**
   * Partitions now owned by the member.
   *
   * @param generation the generation of the grant
   * @param partitions the partitions with their committed offsets (-1: none committed)
   */
  public record Assigned(long generation, List<CommittedOffset> partitions)
      implements MemberMessage {}

  /**
   * Partitions the member must finish, commit and release.
   *
   * @param generation the new generation
   * @param partitions the partitions
   */
  public record Revoked(long generation, List<TopicPartition> partitions)
      implements MemberMessage {}

  /**
   * The coordinator does not know the member (it restarted): drop all partitions and join again.
   */
  public record RejoinRequired() implements MemberMessage {}

  /**
   * Which partitions of a {@link Commit} were accepted.
   *
   * @param rejected partitions the member does not own (any more)
   */
  public record CommitResult(List<TopicPartition> rejected) implements SkaldSerializable {}

  /**
   * Answer to {@link GetCommitted}.
   *
   * @param offsets every committed position
   */
  public record CommittedOffsets(List<CommittedOffset> offsets) implements SkaldSerializable {}

  /** Persisted events. */
  public sealed interface Event extends SkaldSerializable
      permits GenerationStarted, OffsetsCommitted {}

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
   * The persisted snapshot.
   *
   * @param generation the generation
   * @param offsets the committed positions
   */
  public record Snapshot(long generation, List<CommittedOffset> offsets)
      implements SkaldSerializable {}
}
