package io.skald.framework.internal;

import java.util.Objects;

/**
 * INTERNAL API: a run of consecutive records of one partition as the journal stores them: one
 * persisted event holds one batch. The records are in {@link RecordFormat} inside {@code payload};
 * the i-th record has offset {@code baseOffset + i}. All records of a batch share the partition's
 * append time.
 *
 * @param baseOffset the offset of the first record
 * @param timestamp the append time, epoch milliseconds
 * @param count the number of records, at least one
 * @param payload the encoded records
 */
public record RecordBatch(long baseOffset, long timestamp, int count, byte[] payload)
    implements PartitionEntity.Event {

  /** Validates the batch. */
  public RecordBatch {
    Objects.requireNonNull(payload, "payload");
    if (count < 1 || baseOffset < 0) {
      throw new IllegalArgumentException("invalid batch: base " + baseOffset + " count " + count);
    }
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
