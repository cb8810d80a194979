package io.skald.framework.internal;

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
 */
public record PartitionSnapshot(
    long nextOffset,
    long logStartOffset,
    long lastTimestamp,
    long lastSeqNr,
    long[] indexOffsets,
    long[] indexSeqNrs,
    long[] indexTimestamps) {}
