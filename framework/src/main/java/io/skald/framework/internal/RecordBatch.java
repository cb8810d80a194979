package io.skald.framework.internal;

import java.util.List;
import java.util.Objects;

/**
 * INTERNAL API: a run of consecutive records of one partition as the journal stores them: one
 * persisted event holds one batch. The records are in {@link RecordFormat} inside {@code payload};
 * the i-th record has offset {@code baseOffset + i}. All records of a batch share the partition's
 * append time. {@code producers} lists the idempotent appends inside the batch, so the partition's
 * deduplication state is rebuilt from the log itself on recovery.
 *
 * @param baseOffset the offset of the first record
 * @param timestamp the append time, epoch milliseconds
 * @param count the number of records, at least one
 * @param payload the encoded records
 * @param producers the idempotent appends in this batch (empty for plain appends)
 */
public record RecordBatch(
    long baseOffset, long timestamp, int count, byte[] payload, List<ProducerSegment> producers)
    implements PartitionEntity.Event {

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
    if (count < 1 || baseOffset < 0) {
      throw new IllegalArgumentException("invalid batch: base " + baseOffset + " count " + count);
    }
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
   * @return {@code baseOffset + count}
   */
  public long endOffset() {
    return baseOffset + count;
  }
}
