package io.skald.framework.internal.log;

import io.skald.framework.admin.PartitionOffsets;
import io.skald.framework.internal.SkaldSerializable;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * INTERNAL API: the protocol of {@link PartitionEntity}: its commands, replies and persisted
 * events.
 */
public final class PartitionProtocol {
  private PartitionProtocol() {}

  /** Messages a partition accepts. */
  public sealed interface Command extends SkaldSerializable
      permits Append,
          Fetch,
          GetOffsets,
          OffsetForTimestamp,
          TruncateBefore,
          Flush,
          RetentionLoaded,
          ApplyTopicSettings,
          DeleteLog,
          GroupPosition,
          RetentionTick,
          JournalReply,
          Compact,
          CompactionReady {}

  /**
   * Appends encoded records (see {@link RecordFormat}).
   *
   * <p>An idempotent append names its producer and the sequence number of its first record (the
   * others follow consecutively). The partition writes it only if that sequence is beyond the last
   * one it wrote for the producer; otherwise it answers {@link Appended#duplicate()} without
   * writing, so a retried append is written once, also across restarts.
   *
   * @param count the number of records in the payload
   * @param payload the encoded records
   * @param producerId the idempotent producer, or null for a plain append
   * @param firstSequence the first record's sequence number (ignored without a producer id)
   * @param replyTo receives the base offset once the records are durable
   * @param traceContext the trace context of the producer's {@code publish} span for this append,
   *     stored once with it for its records without a context of their own (null when untraced)
   * @param inOrder the producer pipelines its appends: the first sequence must be the one after the
   *     last the partition wrote for it (0 for a producer it does not know), else the append is
   *     refused as {@link AppendFailed.Refusal#OUT_OF_ORDER_SEQUENCE} or {@link
   *     AppendFailed.Refusal#UNKNOWN_PRODUCER}, so an append lost on the way is never overtaken by
   *     the next one (false: any sequence beyond the last is written, for writers that keep one
   *     append in flight and number them across partitions)
   * @param metered charged to the topic's quota ({@link
   *     io.skald.framework.admin.TopicSpec#rateLimit()}): true for producers' appends; false for
   *     writers of records accepted before (delayed deliveries, committed transactions, dead-letter
   *     replays), which a quota must not refuse
   */
  public record Append(
      int count,
      byte[] payload,
      String producerId,
      long firstSequence,
      ActorRef<AppendResult> replyTo,
      Map<String, String> traceContext,
      boolean inOrder,
      boolean metered)
      implements Command {

    /**
     * An append without a trace context of its own.
     *
     * @param count the number of records in the payload
     * @param payload the encoded records
     * @param producerId the idempotent producer, or null for a plain append
     * @param firstSequence the first record's sequence number (ignored without a producer id)
     * @param replyTo receives the base offset once the records are durable
     */
    public Append(
        int count,
        byte[] payload,
        String producerId,
        long firstSequence,
        ActorRef<AppendResult> replyTo) {
      this(count, payload, producerId, firstSequence, replyTo, null, false, false);
    }

    /**
     * A plain, non-idempotent append.
     *
     * @param count the number of records
     * @param payload the encoded records
     * @param replyTo receives the result
     */
    public Append(int count, byte[] payload, ActorRef<AppendResult> replyTo) {
      this(count, payload, null, -1, replyTo);
    }

    long lastSequence() {
      return firstSequence + count - 1;
    }
  }

  /**
   * Reads records from an offset, waiting at the log end until some arrive.
   *
   * @param fetchId echoed in the result so the fetcher can drop stale answers
   * @param fromOffset the first offset wanted
   * @param maxRecords a soft bound on records (whole batches are returned)
   * @param maxBytes a soft bound on payload bytes (at least one batch is returned)
   * @param replyTo receives the result
   * @param filter the canonical expression of a {@link io.skald.framework.consumer.RecordFilter}
   *     (only matching records are returned), or null for every record
   */
  public record Fetch(
      long fetchId,
      long fromOffset,
      int maxRecords,
      int maxBytes,
      ActorRef<FetchResult> replyTo,
      String filter)
      implements Command {

    /**
     * An unfiltered fetch.
     *
     * @param fetchId echoed in the result
     * @param fromOffset the first offset wanted
     * @param maxRecords a soft bound on records
     * @param maxBytes a soft bound on payload bytes
     * @param replyTo receives the result
     */
    public Fetch(
        long fetchId,
        long fromOffset,
        int maxRecords,
        int maxBytes,
        ActorRef<FetchResult> replyTo) {
      this(fetchId, fromOffset, maxRecords, maxBytes, replyTo, null);
    }
  }

  /**
   * Asks for the log's bounds.
   *
   * @param replyTo receives them
   */
  public record GetOffsets(ActorRef<PartitionOffsets> replyTo) implements Command {}

  /**
   * Advances the log start: records below {@code offset} are no longer readable (a fetch below it
   * gets {@link OffsetOutOfRange}).
   *
   * @param offset the new log start, at most the log end
   * @param replyTo receives the bounds after truncation
   */
  public record TruncateBefore(long offset, ActorRef<PartitionOffsets> replyTo)
      implements Command {}

  /**
   * Finds the first record appended at or after a time.
   *
   * @param timestamp the time, epoch milliseconds
   * @param replyTo receives the offset (the log end if no record is that recent)
   */
  public record OffsetForTimestamp(long timestamp, ActorRef<OffsetFound> replyTo)
      implements Command {}

  /**
   * Answer to {@link OffsetForTimestamp}.
   *
   * @param offset the offset
   */
  public record OffsetFound(long offset) implements SkaldSerializable {}

  /**
   * The topic's definition as the registry answered at start, or null for the defaults (no answer,
   * or the topic was deleted).
   */
  record RetentionLoaded(io.skald.framework.admin.TopicSpec spec, boolean topicDeleted)
      implements Command {}

  /**
   * Deletes the partition's data (journal events and snapshots) because its topic was deleted; from
   * now on appends and fetches are refused, and the partition stops once its data is gone.
   *
   * @param replyTo receives the outcome
   */
  public record DeleteLog(ActorRef<LogDeleted> replyTo) implements Command {}

  /**
   * Answer to {@link DeleteLog}.
   *
   * @param error why the data could not be deleted, or null once it is
   */
  public record LogDeleted(String error) implements SkaldSerializable {}

  /**
   * Applies a topic's altered settings (retention, backlog limit, compaction) at once; sent by the
   * admin after the registry stored them. Later lookups of the registry from this partition's start
   * are then ignored, so a stale lookup cannot undo the change.
   *
   * @param spec the topic's new definition
   * @param replyTo told once applied
   */
  public record ApplyTopicSettings(
      io.skald.framework.admin.TopicSpec spec, ActorRef<org.apache.pekko.Done> replyTo)
      implements Command {}

  /**
   * Compacts the partition now, whatever its compaction threshold; the partition's topic must be
   * compacted.
   *
   * @param replyTo receives the outcome once the compaction is durable
   */
  public record Compact(ActorRef<CompactionDone> replyTo) implements Command {}

  /** The outcome of a {@link Compact}. */
  public sealed interface CompactionDone extends SkaldSerializable {}

  /**
   * The partition was compacted.
   *
   * @param read the records the compaction read
   * @param kept the records it kept
   */
  public record Compacted(long read, long kept) implements CompactionDone {}

  /**
   * The partition was not compacted.
   *
   * @param reason why (the topic has no compaction policy, or the compaction's error)
   */
  public record CompactionFailed(String reason) implements CompactionDone {}

  record CompactionReady(PartitionCompactor.Result result, Throwable error) implements Command {}

  /**
   * A consumer group's committed position on this partition, reported periodically by the group's
   * coordinator while the group has members; used to enforce a backlog limit.
   *
   * @param group the group
   * @param offset its committed offset
   */
  public record GroupPosition(String group, long offset) implements Command {}

  enum RetentionTick implements Command {
    INSTANCE
  }

  record JournalReply(Object message) implements Command {}

  /** Self-message that writes the pending appends. */
  enum Flush implements Command {
    INSTANCE
  }

  /** The answer to an {@link Append}. */
  public sealed interface AppendResult extends SkaldSerializable permits Appended, AppendFailed {}

  /**
   * The records are durable.
   *
   * @param baseOffset the offset of the first record of the append, also for a duplicate (the
   *     partition remembers the latest appends of each producer), or {@link #OFFSET_UNKNOWN} for a
   *     duplicate older than that
   * @param timestamp the append time (-1 with {@link #OFFSET_UNKNOWN})
   * @param duplicate true if an idempotent append had been written before and was not written again
   * @param throttleMillis how long the producer should wait before its next append to this
   *     partition: the topic's {@code DELAY} quota is overdrawn by that much (0 when it is not)
   */
  public record Appended(long baseOffset, long timestamp, boolean duplicate, long throttleMillis)
      implements AppendResult {
    /** The base offset of a duplicate older than what the partition remembers. */
    public static final long OFFSET_UNKNOWN = -2;

    /**
     * An answer without throttling.
     *
     * @param baseOffset the offset of the first record of the append
     * @param timestamp the append time
     * @param duplicate true if it had been written before
     */
    public Appended(long baseOffset, long timestamp, boolean duplicate) {
      this(baseOffset, timestamp, duplicate, 0);
    }
  }

  /**
   * The append was refused and nothing of it was written.
   *
   * @param refusal which rule refused it
   * @param detail the values involved, for the caller's error message
   * @param retryAfterMillis with {@link Refusal#QUOTA_EXCEEDED}: when the quota would allow the
   *     append; 0 otherwise
   */
  public record AppendFailed(Refusal refusal, String detail, long retryAfterMillis)
      implements AppendResult {

    /**
     * A refusal without a retry time.
     *
     * @param refusal which rule refused it
     * @param detail the values involved
     */
    public AppendFailed(Refusal refusal, String detail) {
      this(refusal, detail, 0);
    }

    /** Why a partition refuses an append. */
    public enum Refusal {
      /** Empty, or larger than {@code skald.framework.max-batch-bytes}: a producer bug. */
      OUTSIDE_BATCH_LIMITS,
      /** The topic's {@code REJECT_NEW} backlog limit is reached. */
      BACKLOG_FULL,
      /**
       * The topic's {@code REFUSE} quota is exceeded: {@link #retryAfterMillis()} says when not.
       */
      QUOTA_EXCEEDED,
      /** The partition's topic was deleted. */
      TOPIC_DELETED,
      /** The journal's filesystem is below {@code skald.framework.disk.free-limit}. */
      DISK_FULL,
      /** A record is larger than its topic's limit (lowered since the producer read the topic). */
      RECORD_TOO_LARGE,
      /**
       * An in-order append skips sequence numbers: an earlier append of the producer has not
       * arrived (lost in a hand-off, or still on its way). The producer resends from it, in order.
       */
      OUT_OF_ORDER_SEQUENCE,
      /**
       * An in-order append of a producer this partition has no state for does not start at sequence
       * 0: its earlier appends were lost on the way, or the partition forgot the producer (idle
       * beyond {@code producer-state-retention}). The producer resends in order, or starts a new
       * epoch.
       */
      UNKNOWN_PRODUCER,
      /**
       * An in-order append of an older epoch of a producer whose newer epoch was written: the
       * producer abandoned it (its outcome was reported as unknown) and must not write it now.
       */
      PRODUCER_FENCED
    }

    /**
     * A one-line description for an exception message.
     *
     * @return the refusal and its detail
     */
    public String describe() {
      return refusal.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ": " + detail;
    }
  }

  /** The answer to a {@link Fetch}. */
  public sealed interface FetchResult extends SkaldSerializable
      permits Fetched, OffsetOutOfRange, PartitionDeleted {
    /**
     * The id of the fetch this answers.
     *
     * @return the fetch id
     */
    long fetchId();
  }

  /**
   * Records from the requested offset on; the first batch may start before it. A filtered fetch
   * gets only the matching records (in batches with the layout of compacted ones: their offsets
   * have gaps), maybe none, and {@code nextOffset} says where the scan stopped.
   *
   * @param fetchId the fetch id
   * @param fromOffset the requested offset
   * @param batches whole batches, in offset order; empty only for a filtered fetch
   * @param logStartOffset the first retained offset
   * @param logEndOffset the log end at the time of the answer
   * @param nextOffset where the fetcher continues: after the last record examined
   */
  public record Fetched(
      long fetchId,
      long fromOffset,
      List<RecordBatch> batches,
      long logStartOffset,
      long logEndOffset,
      long nextOffset)
      implements FetchResult {

    /**
     * An unfiltered answer: the fetcher continues after its last batch.
     *
     * @param fetchId the fetch id
     * @param fromOffset the requested offset
     * @param batches whole batches, in offset order, not empty
     * @param logStartOffset the first retained offset
     * @param logEndOffset the log end at the time of the answer
     */
    public Fetched(
        long fetchId,
        long fromOffset,
        List<RecordBatch> batches,
        long logStartOffset,
        long logEndOffset) {
      this(
          fetchId,
          fromOffset,
          batches,
          logStartOffset,
          logEndOffset,
          batches.get(batches.size() - 1).endOffset());
    }
  }

  /**
   * The partition's topic was deleted.
   *
   * @param fetchId the fetch id
   * @param topic the topic
   */
  public record PartitionDeleted(long fetchId, String topic) implements FetchResult {}

  /**
   * The requested offset is below the log start or beyond the log end.
   *
   * @param fetchId the fetch id
   * @param requested the requested offset
   * @param logStartOffset the first retained offset
   * @param logEndOffset the log end
   */
  public record OffsetOutOfRange(
      long fetchId, long requested, long logStartOffset, long logEndOffset)
      implements FetchResult {}

  /** Persisted events of a partition. */
  public sealed interface Event permits RecordBatch, LogTruncated {}

  /**
   * The log start advanced.
   *
   * @param logStartOffset the new first readable offset
   */
  public record LogTruncated(long logStartOffset) implements Event {}
}
