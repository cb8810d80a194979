package io.skald.framework.internal.share;

import io.skald.framework.consumer.StartPosition;
import io.skald.framework.internal.SkaldSerializable;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * INTERNAL API: the messages of a {@link SharePartition} and its persisted events. Offsets travel
 * as {@code long[]}; deadlines are epoch milliseconds by the clock of the entity's node.
 */
public final class ShareProtocol {
  private ShareProtocol() {}

  /** Messages of a share-partition. */
  public sealed interface Command extends SkaldSerializable
      permits Acquire, Acknowledge, Release, Extend, Leave, SharePartition.Internal {}

  /**
   * A member wants records: answered at once when some are available, else when some arrive or
   * after {@code skald.framework.consumer.fetch-max-wait} with none (a long poll). A member has at
   * most one acquire waiting per partition: a newer one replaces it.
   *
   * @param memberId the member
   * @param requestId echoed in the answer
   * @param maxRecords at most this many, at least 1
   * @param visibilityMillis how long the records stay hidden from the other members
   * @param deliveryLimit deliveries after which an unacknowledged record is dead-lettered
   * @param startPosition where a share-partition without history starts
   * @param deadLetterTopic where records over the delivery limit go
   * @param priorityLevels the group's priority levels (1: none)
   * @param priorityAgingMillis how long a waiting record takes to rise one level
   * @param replyTo the member
   */
  public record Acquire(
      String memberId,
      long requestId,
      int maxRecords,
      long visibilityMillis,
      int deliveryLimit,
      StartPosition startPosition,
      String deadLetterTopic,
      int priorityLevels,
      long priorityAgingMillis,
      ActorRef<AcquireReply> replyTo)
      implements Command {}

  /** The answer to an {@link Acquire}. */
  public sealed interface AcquireReply extends SkaldSerializable permits Acquired, ShareDeleted {}

  /**
   * Records now locked for the member (maybe none, when the long poll ran out).
   *
   * @param requestId the acquire's id
   * @param records the records, in offset order
   * @param lockedUntil until when they are hidden from the other members
   * @param backlog records of the partition not yet acknowledged (log end - start)
   */
  public record Acquired(long requestId, List<Leased> records, long lockedUntil, long backlog)
      implements AcquireReply {
    /** Copies the list. */
    public Acquired {
      records = List.copyOf(records);
    }
  }

  /**
   * The partition's topic was deleted.
   *
   * @param requestId the acquire's id
   * @param topic the topic
   */
  public record ShareDeleted(long requestId, String topic) implements AcquireReply {}

  /**
   * One record handed to a member.
   *
   * @param offset its offset
   * @param timestamp its append time
   * @param key key bytes or null
   * @param value value bytes or null
   * @param headers its headers
   * @param deliveryCount how many times it was handed out, this time included
   */
  public record Leased(
      long offset,
      long timestamp,
      byte[] key,
      byte[] value,
      Map<String, String> headers,
      int deliveryCount)
      implements SkaldSerializable {}

  /**
   * Records handled: they are never handed out again. Always accepted (idempotent).
   *
   * @param memberId the member
   * @param requestId echoed in the answer
   * @param offsets the records
   * @param replyTo answered once durable
   */
  public record Acknowledge(
      String memberId, long requestId, long[] offsets, ActorRef<Settled> replyTo)
      implements Command {}

  /**
   * Records given back unhandled: handed out again after {@code delayMillis}. Refused for records
   * the member no longer holds.
   *
   * @param memberId the member
   * @param offsets the records
   * @param delayMillis how long they stay hidden, 0 for none
   * @param replyTo answered once durable, or null
   */
  public record Release(
      String memberId, long[] offsets, long delayMillis, ActorRef<Settled> replyTo)
      implements Command {}

  /**
   * Keeps records hidden longer. Refused for records whose lock is not the member's or has run out.
   *
   * @param memberId the member
   * @param offsets the records
   * @param visibilityMillis how long from now
   * @param replyTo answered once durable
   */
  public record Extend(
      String memberId, long[] offsets, long visibilityMillis, ActorRef<Settled> replyTo)
      implements Command {}

  /**
   * The outcome of an acknowledge, release or extend.
   *
   * @param requestId the request's id (0 when it had none)
   * @param accepted the offsets done
   * @param refused the offsets refused (the member does not hold them)
   * @param lockedUntil for an extend, the new end of the locks
   */
  public record Settled(long requestId, long[] accepted, long[] refused, long lockedUntil)
      implements SkaldSerializable {}

  /**
   * A member stops: its waiting acquire is dropped and every record it holds is released.
   *
   * @param memberId the member
   */
  public record Leave(String memberId) implements Command {}

  /** Persisted events of a share-partition. */
  public sealed interface Event extends SkaldSerializable
      permits ShareStarted,
          RecordsAcquired,
          RecordsAcknowledged,
          RecordsDeadLettered,
          RecordsReleased,
          LocksExtended,
          StartMoved {}

  /**
   * The share-partition was created and starts at an offset.
   *
   * @param startOffset its first offset
   */
  public record ShareStarted(long startOffset) implements Event {}

  /**
   * Records were handed to a member: each counts one more delivery.
   *
   * @param offsets the records
   * @param memberId the member
   * @param lockedUntil until when they are hidden
   */
  public record RecordsAcquired(long[] offsets, String memberId, long lockedUntil)
      implements Event {}

  /**
   * Records were handled.
   *
   * @param offsets the records
   * @param startOffset every record below is settled
   */
  public record RecordsAcknowledged(long[] offsets, long startOffset) implements Event {}

  /**
   * Records over the delivery limit were written to the dead-letter topic.
   *
   * @param offsets the records
   * @param startOffset every record below is settled
   */
  public record RecordsDeadLettered(long[] offsets, long startOffset) implements Event {}

  /**
   * Records were given back.
   *
   * @param offsets the records
   * @param availableAt when they may be handed out again (0: at once)
   */
  public record RecordsReleased(long[] offsets, long availableAt) implements Event {}

  /**
   * Locks were extended.
   *
   * @param offsets the records
   * @param memberId the member holding them
   * @param lockedUntil the new end
   */
  public record LocksExtended(long[] offsets, String memberId, long lockedUntil) implements Event {}

  /**
   * The records below an offset are gone from the partition (retention), or were skipped.
   *
   * @param startOffset the new start
   */
  public record StartMoved(long startOffset) implements Event {}

  /**
   * A snapshot of a share-partition.
   *
   * @param startOffset every record below is settled (-1: not started)
   * @param settled settled records at or above the start
   * @param held records with a delivery count, a lock or a delay
   */
  public record ShareSnapshot(long startOffset, long[] settled, List<Held> held)
      implements SkaldSerializable {
    /** Copies the list. */
    public ShareSnapshot {
      held = List.copyOf(held);
    }
  }

  /**
   * A record's delivery state in a snapshot.
   *
   * @param offset the record
   * @param deliveries how many times it was handed out
   * @param memberId the member holding its lock, or null
   * @param lockedUntil the lock's end, or 0
   * @param availableAt the end of its release delay, or 0
   */
  public record Held(
      long offset, int deliveries, String memberId, long lockedUntil, long availableAt)
      implements SkaldSerializable {}
}
