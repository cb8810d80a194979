package io.skald.framework.internal.log;

import java.util.List;

/**
 * INTERNAL API: the persisted snapshot of a partition, an immutable copy of {@link PartitionState}
 * without its tail cache. Serialized by {@link SkaldSerializer}.
 *
 * @param nextOffset the log end offset
 * @param logStartOffset the first retained offset
 * @param lastTimestamp the newest append time
 * @param lastSeqNr the sequence number of the newest event
 * @param indexOffsets base offsets of the indexed events
 * @param indexSeqNrs sequence numbers of the indexed events
 * @param indexTimestamps append times of the indexed events
 * @param producers the idempotent producers' last appends
 * @param totalBytes payload bytes of every batch ever appended
 * @param indexBytes payload bytes appended before each indexed event
 * @param compaction where the last compaction's records are, or null if the log was never compacted
 */
public record PartitionSnapshot(
    long nextOffset,
    long logStartOffset,
    long lastTimestamp,
    long lastSeqNr,
    long[] indexOffsets,
    long[] indexSeqNrs,
    long[] indexTimestamps,
    List<ProducerEntry> producers,
    long totalBytes,
    long[] indexBytes,
    CompactionState compaction) {

  /**
   * Where the records kept by the last compaction are.
   *
   * @param end offsets below it (and at or above the log start) are read from the chunks
   * @param deleteUpToSeqNr journal events superseded by it
   * @param records how many records it kept
   * @param chunkOffsets the first offset of each chunk
   * @param chunkSeqNrs the sequence number of each chunk's event
   */
  public record CompactionState(
      long end, long deleteUpToSeqNr, long records, long[] chunkOffsets, long[] chunkSeqNrs) {}

  /**
   * The last append of an idempotent producer.
   *
   * @param producerId the producer
   * @param firstSequence first sequence number of its last append
   * @param lastSequence last sequence number of its last append
   * @param baseOffset offset of the first record of its last append
   * @param timestamp when it was appended
   */
  public record ProducerEntry(
      String producerId, long firstSequence, long lastSequence, long baseOffset, long timestamp) {}

  /** Copies the producer list. */
  public PartitionSnapshot {
    producers = List.copyOf(producers);
  }
}
