package io.skald.framework.admin;

/**
 * The bounds and size of a partition's log.
 *
 * @param logStartOffset the first offset still readable
 * @param logEndOffset the offset the next record will get (the number of records ever written)
 * @param sizeBytes the record bytes (keys, values, headers, as stored) appended from the log start
 *     on, counted from the partition's nearest index entry at or before the log start, so it may
 *     count up to 64 KiB more; for a compacted topic, before compaction; without the journal's own
 *     overhead
 */
public record PartitionOffsets(long logStartOffset, long logEndOffset, long sizeBytes) {

  /**
   * Bounds without a size (0).
   *
   * @param logStartOffset the first offset still readable
   * @param logEndOffset the offset the next record will get
   */
  public PartitionOffsets(long logStartOffset, long logEndOffset) {
    this(logStartOffset, logEndOffset, 0);
  }

  /**
   * The same bounds without the size, to compare bounds alone.
   *
   * @return the bounds, size 0
   */
  public PartitionOffsets bounds() {
    return new PartitionOffsets(logStartOffset, logEndOffset);
  }
}
