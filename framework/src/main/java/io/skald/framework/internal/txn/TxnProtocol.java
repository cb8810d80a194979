package io.skald.framework.internal.txn;

import io.skald.framework.TopicPartition;
import io.skald.framework.internal.SkaldSerializable;
import io.skald.framework.internal.group.CommittedOffset;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * INTERNAL API: the protocol of {@link TransactionCoordinator}: its commands, replies, persisted
 * events and state.
 *
 * <p>A transaction's records are staged with its coordinator, not written to the partitions, until
 * the commit is decided: partitions only ever hold committed records, so a reader never waits for
 * an open transaction nor skips an aborted one. The decision ({@link CommitDecided}) is the one
 * persisted event that makes a transaction happen; the coordinator then appends each partition's
 * records as idempotent appends of the producer {@code txn:<transactional id>#<epoch>} with
 * sequence numbers fixed by the decision, so appending them again after a crash writes nothing
 * twice, and commits the offsets to the groups.
 */
public final class TxnProtocol {
  private TxnProtocol() {}

  /** Messages of a coordinator. */
  public sealed interface Command extends SkaldSerializable
      permits InitProducer, StageData, EndTxn, Tick, Checked, Written {}

  /**
   * A producer instance starts with this transactional id: the epoch is bumped, which fences every
   * older instance; a transaction the older one left open is aborted, one whose commit was decided
   * is completed first.
   *
   * @param replyTo receives the new epoch
   */
  public record InitProducer(ActorRef<InitResult> replyTo) implements Command {}

  /** The answer to {@link InitProducer}. */
  public sealed interface InitResult extends SkaldSerializable permits Initialized, Refused {}

  /**
   * The producer instance may run transactions.
   *
   * @param epoch its epoch
   * @param nextTxn the number its first transaction must take
   */
  public record Initialized(int epoch, long nextTxn) implements InitResult {}

  /**
   * Encoded records of one partition (see {@code RecordFormat}), at most one append's worth.
   *
   * @param topic the topic
   * @param partition the partition
   * @param count the number of records
   * @param records the encoded records
   */
  public record PartitionData(String topic, int partition, int count, byte[] records)
      implements SkaldSerializable {
    TopicPartition tp() {
      return new TopicPartition(topic, partition);
    }
  }

  /**
   * Offsets of one group a transaction commits, with the member that claims to own them.
   *
   * @param group the group
   * @param memberId the member
   * @param generation the newest generation the member was granted one of the partitions in
   * @param offsets the positions (the next offset to read)
   */
  public record GroupOffsets(
      String group, String memberId, long generation, List<CommittedOffset> offsets)
      implements SkaldSerializable {
    /** Copies. */
    public GroupOffsets {
      offsets = List.copyOf(offsets);
    }
  }

  /**
   * Stages records of an open transaction, before its end; persisted before the answer.
   *
   * @param epoch the producer's epoch
   * @param txn the transaction's number
   * @param chunk the chunk's number in the transaction, from 0: a chunk sent again after a timeout
   *     is staged once
   * @param data the records
   * @param replyTo receives the outcome
   */
  public record StageData(
      int epoch, long txn, int chunk, List<PartitionData> data, ActorRef<Reply> replyTo)
      implements Command {}

  /**
   * Ends a transaction: commit (with its last records and its offsets) or abort. Sent again after a
   * timeout, it is answered with the same outcome.
   *
   * @param epoch the producer's epoch
   * @param txn the transaction's number
   * @param commit commit, or abort
   * @param chunks how many {@link StageData} the producer had acknowledged for it
   * @param data the records not staged before
   * @param offsets the offsets to commit with it
   * @param replyTo receives the outcome
   */
  public record EndTxn(
      int epoch,
      long txn,
      boolean commit,
      int chunks,
      List<PartitionData> data,
      List<GroupOffsets> offsets,
      ActorRef<Reply> replyTo)
      implements Command {}

  /** Answers to {@link StageData} and {@link EndTxn}. */
  public sealed interface Reply extends SkaldSerializable
      permits Staged, Committed, Aborted, Refused {}

  /**
   * Records were staged.
   *
   * @param txn the transaction
   * @param chunks how many chunks it has staged now
   */
  public record Staged(long txn, int chunks) implements Reply {}

  /**
   * The offset of one append of a committed transaction.
   *
   * @param topic the topic
   * @param partition the partition
   * @param firstRecord the index of the append's first record among the transaction's records of
   *     that partition
   * @param baseOffset the append's first offset ({@code Appended.OFFSET_UNKNOWN} if the partition
   *     no longer remembered it when the append was repeated)
   * @param timestamp its append time
   */
  public record AppendOffset(
      String topic, int partition, int firstRecord, long baseOffset, long timestamp)
      implements SkaldSerializable {}

  /**
   * The transaction committed: its records are in their partitions, its offsets in their groups.
   *
   * @param txn the transaction
   * @param appends where its records were written, in order per partition
   */
  public record Committed(long txn, List<AppendOffset> appends) implements Reply {}

  /**
   * The transaction was aborted on the producer's request; nothing of it was written.
   *
   * @param txn the transaction
   */
  public record Aborted(long txn) implements Reply {}

  /**
   * The request was refused; when it ends or stages a transaction, that transaction is aborted and
   * nothing of it was written.
   *
   * @param refusal which rule refused it
   * @param detail what happened, for the exception message
   */
  public record Refused(Refusal refusal, String detail) implements Reply, InitResult {}

  /** Why a coordinator refuses. */
  public enum Refusal {
    /** A newer instance with the same transactional id started: this one may do nothing more. */
    PRODUCER_FENCED,
    /** The transaction was aborted before its end (its timeout, or a newer instance). */
    TRANSACTION_ABORTED,
    /** A member named for the offsets does not own their partitions (any more). */
    NOT_PARTITION_OWNER,
    /** The transaction's records exceed {@code skald.framework.transactions.max-bytes}. */
    TOO_LARGE,
    /** The request does not fit the transaction's state (a number out of sequence). */
    INVALID_STATE,
    /** A group's coordinator cannot check the owners now (it is moving): retry the transaction. */
    GROUP_UNAVAILABLE
  }

  /** The coordinator's periodic check of its transaction's timeout. */
  enum Tick implements Command {
    INSTANCE
  }

  /** The groups' answers to the ownership check before a commit is decided. */
  record Checked(EndTxn end, Refused refusal, Throwable error) implements Command {}

  /** The decided transaction is written: every partition appended, every group committed. */
  record Written(long txn, List<AppendOffset> appends) implements Command {}

  /** Persisted events. */
  public sealed interface Event extends SkaldSerializable
      permits EpochBumped, DataStaged, CommitDecided, TxnCompleted, TxnAborted {}

  /**
   * A producer instance started with a new epoch.
   *
   * @param epoch the epoch
   */
  public record EpochBumped(int epoch) implements Event {}

  /**
   * Records of an open transaction were staged.
   *
   * @param epoch the producer's epoch
   * @param txn the transaction
   * @param data the records
   * @param deadline when the transaction is aborted if it has not ended, epoch milliseconds
   */
  public record DataStaged(int epoch, long txn, List<PartitionData> data, long deadline)
      implements Event {
    /** Copies. */
    public DataStaged {
      data = List.copyOf(data);
    }
  }

  /**
   * The transaction commits: from here on it is written, whatever fails.
   *
   * @param epoch the producer's epoch
   * @param txn the transaction
   * @param data its records not staged before
   * @param offsets its offsets
   */
  public record CommitDecided(
      int epoch, long txn, List<PartitionData> data, List<GroupOffsets> offsets) implements Event {
    /** Copies. */
    public CommitDecided {
      data = List.copyOf(data);
      offsets = List.copyOf(offsets);
    }
  }

  /**
   * The decided transaction was written.
   *
   * @param txn the transaction
   * @param appends where its records were written
   */
  public record TxnCompleted(long txn, List<AppendOffset> appends) implements Event {
    /** Copies. */
    public TxnCompleted {
      appends = List.copyOf(appends);
    }
  }

  /**
   * The transaction was aborted; its staged records are dropped.
   *
   * @param txn the transaction
   * @param refusal why, or null when the producer aborted it
   * @param detail the reason, for a producer that asks again
   */
  public record TxnAborted(long txn, Refusal refusal, String detail) implements Event {}

  /**
   * One planned append of a decided transaction: its sequence numbers are part of the decision.
   *
   * @param data the records
   * @param firstSequence the sequence number of its first record for the producer's epoch
   */
  public record PlannedAppend(PartitionData data, long firstSequence)
      implements SkaldSerializable {}

  /**
   * A decided transaction being written.
   *
   * @param txn the transaction
   * @param epoch the epoch it was decided in
   * @param appends its appends, in order per partition
   * @param offsets its offsets
   */
  public record Decided(
      int epoch, long txn, List<PlannedAppend> appends, List<GroupOffsets> offsets)
      implements SkaldSerializable {
    /** Copies. */
    public Decided {
      appends = List.copyOf(appends);
      offsets = List.copyOf(offsets);
    }
  }

  /**
   * A coordinator's state, also its snapshot.
   *
   * @param epoch the current producer epoch (0: never initialized)
   * @param lastTxn the number of the last transaction that ended (-1: none)
   * @param lastOutcome how it ended: its appends if committed
   * @param lastRefusal why it was aborted (null if committed, or aborted by the producer)
   * @param lastDetail the abort's reason
   * @param lastAborted whether it was aborted
   * @param openTxn the transaction with staged records (-1: none)
   * @param staged its staged records
   * @param stagedChunks how many chunks were staged
   * @param deadline when it times out, epoch milliseconds
   * @param decided the decided transaction being written, or null
   * @param sequences the next sequence number per partition (by partition entity id) in this epoch
   */
  public record State(
      int epoch,
      long lastTxn,
      List<AppendOffset> lastOutcome,
      Refusal lastRefusal,
      String lastDetail,
      boolean lastAborted,
      long openTxn,
      List<PartitionData> staged,
      int stagedChunks,
      long deadline,
      Decided decided,
      Map<String, Long> sequences)
      implements SkaldSerializable {
    /** Copies. */
    public State {
      lastOutcome = List.copyOf(lastOutcome);
      staged = List.copyOf(staged);
      sequences = Map.copyOf(sequences);
    }

    static State empty() {
      return new State(0, -1, List.of(), null, null, false, -1, List.of(), 0, 0, null, Map.of());
    }

    long stagedBytes() {
      long bytes = 0;
      for (PartitionData d : staged) {
        bytes += d.records().length;
      }
      return bytes;
    }
  }
}
