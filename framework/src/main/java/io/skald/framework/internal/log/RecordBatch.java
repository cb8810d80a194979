package io.skald.framework.internal.log;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * INTERNAL API: a run of consecutive records of one partition as the journal stores them: one
 * persisted event holds one batch. The records are in {@link RecordFormat} inside {@code payload};
 * the i-th record has offset {@code baseOffset + i}. All records of a batch share the partition's
 * append time. {@code producers} lists the idempotent appends inside the batch, so the partition's
 * deduplication state is rebuilt from the log itself on recovery.
 *
 * <p>A <b>compacted</b> batch (written by compaction, see {@link PartitionCompactor}) holds the
 * records that survived compaction: their offsets are no longer consecutive and their append times
 * differ, so {@code compacted} carries both per record, and the offset the batch ends at.
 *
 * <p>{@code traces} carries the trace context of appends a producer traced as a whole (one {@code
 * publish} span per producer batch, see {@link io.skald.framework.internal.tracing.SkaldTracing}):
 * stored once per append instead of once per record, and added to the headers of each of its
 * records that has no context of its own when the batch is decoded ({@link RecordFormat#decode}).
 *
 * @param baseOffset the offset of the first record
 * @param timestamp the append time, epoch milliseconds
 * @param count the number of records, at least one
 * @param payload the encoded records
 * @param producers the idempotent appends in this batch (empty for plain appends)
 * @param compacted the layout of a compacted batch, or null for an appended one
 * @param traces the trace contexts of appends traced as a whole, ascending (empty when none)
 */
public record RecordBatch(
    long baseOffset,
    long timestamp,
    int count,
    byte[] payload,
    List<ProducerSegment> producers,
    Compacted compacted,
    List<TraceSegment> traces)
    implements PartitionProtocol.Event {

  /**
   * The trace context of one append inside a batch, for its records without their own.
   *
   * @param baseOffset the offset of the append's first record
   * @param count the append's number of records
   * @param context the propagator's fields (W3C: {@code traceparent}, maybe {@code tracestate})
   */
  public record TraceSegment(long baseOffset, int count, Map<String, String> context) {
    /** Validates and copies. */
    public TraceSegment {
      context = Map.copyOf(context);
      if (count < 1 || context.isEmpty()) {
        throw new IllegalArgumentException("invalid trace segment at offset " + baseOffset);
      }
    }

    boolean covers(long offset) {
      return offset >= baseOffset && offset < baseOffset + count;
    }
  }

  /**
   * The layout of a compacted batch: one chunk of the records a compaction kept.
   *
   * @param endOffset the offset a reader continues at after this batch (the next chunk's first
   *     offset, or the compaction's end for the last chunk)
   * @param chunk the index of this chunk in its compaction, from 0
   * @param chunks the number of chunks of its compaction
   * @param deleteUpToSeqNr journal events up to this sequence number are superseded by the
   *     compaction
   * @param offsets each record's offset, ascending
   * @param timestamps each record's append time
   */
  public record Compacted(
      long endOffset,
      int chunk,
      int chunks,
      long deleteUpToSeqNr,
      long[] offsets,
      long[] timestamps) {}

  /**
   * An idempotent append inside a batch.
   *
   * @param producerId the producer
   * @param firstSequence the sequence number of its first record
   * @param lastSequence the sequence number of its last record
   * @param baseOffset the offset of its first record
   */
  public record ProducerSegment(
      String producerId, long firstSequence, long lastSequence, long baseOffset) {}

  /** Validates the batch. */
  public RecordBatch {
    Objects.requireNonNull(payload, "payload");
    producers = List.copyOf(producers);
    traces = List.copyOf(traces);
    if (compacted != null && !traces.isEmpty()) {
      // compaction writes the contexts into the records' headers
      throw new IllegalArgumentException("a compacted batch has no trace segments");
    }
    if (count < 1 || baseOffset < 0) {
      throw new IllegalArgumentException("invalid batch: base " + baseOffset + " count " + count);
    }
    if (compacted != null
        && (compacted.offsets().length != count
            || compacted.timestamps().length != count
            || compacted.offsets()[0] != baseOffset
            || compacted.endOffset() <= compacted.offsets()[count - 1])) {
      throw new IllegalArgumentException("invalid compacted batch at offset " + baseOffset);
    }
  }

  /**
   * A batch without trace segments.
   *
   * @param baseOffset the offset of the first record
   * @param timestamp the append time
   * @param count the number of records
   * @param payload the encoded records
   * @param producers the idempotent appends in this batch
   * @param compacted the layout of a compacted batch, or null
   */
  public RecordBatch(
      long baseOffset,
      long timestamp,
      int count,
      byte[] payload,
      List<ProducerSegment> producers,
      Compacted compacted) {
    this(baseOffset, timestamp, count, payload, producers, compacted, List.of());
  }

  /**
   * An appended batch.
   *
   * @param baseOffset the offset of the first record
   * @param timestamp the append time
   * @param count the number of records
   * @param payload the encoded records
   * @param producers the idempotent appends in this batch
   */
  public RecordBatch(
      long baseOffset, long timestamp, int count, byte[] payload, List<ProducerSegment> producers) {
    this(baseOffset, timestamp, count, payload, producers, null);
  }

  /**
   * A batch without idempotent appends.
   *
   * @param baseOffset the offset of the first record
   * @param timestamp the append time
   * @param count the number of records
   * @param payload the encoded records
   */
  public RecordBatch(long baseOffset, long timestamp, int count, byte[] payload) {
    this(baseOffset, timestamp, count, payload, List.of());
  }

  /**
   * The offset after the last record of this batch.
   *
   * @return {@code baseOffset + count}, or a compacted batch's end
   */
  public long endOffset() {
    return compacted == null ? baseOffset + count : compacted.endOffset();
  }

  /**
   * The offset of the last record of this batch.
   *
   * @return the last offset
   */
  public long lastOffset() {
    return compacted == null ? baseOffset + count - 1 : compacted.offsets()[count - 1];
  }
}
