package io.skald.framework.internal.log;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * INTERNAL API: the state of one partition's log. Mutable on purpose and confined to its {@link
 * PartitionEntity}: the index grows by one entry per {@code index-interval} events and copying it
 * on every event would cost O(n) per append. Snapshots get an immutable copy through the entity's
 * snapshot adapter.
 */
final class PartitionState {
  private long nextOffset;
  private long logStartOffset;
  private long lastTimestamp;
  private long lastSeqNr;
  private long totalBytes;
  private final SparseIndex index;
  private final TailCache cache;
  private final Map<String, PartitionSnapshot.ProducerEntry> producers = new HashMap<>();

  /**
   * The latest appends of each producer, newest last, so that a resend of one that is not the last
   * is answered with its real offset. In memory: rebuilt from the events after the snapshot (the
   * snapshot keeps the last append per producer).
   */
  private final Map<String, java.util.ArrayDeque<PartitionSnapshot.ProducerEntry>> recent =
      new HashMap<>();

  /**
   * The newest epoch written per producer (the id without its {@code #<epoch>} suffix): an in-order
   * append of an older epoch is fenced. Derived from {@link #producers}, which keeps only the
   * newest epoch's entry of each producer.
   */
  private final Map<String, Integer> epochs = new HashMap<>();

  /** How many appends per producer {@link #recent} keeps. */
  static final int RECENT_APPENDS = 64;

  private PartitionSnapshot.CompactionState compaction;

  PartitionState(int indexInterval, long cacheBytes) {
    this.index = new SparseIndex(indexInterval);
    this.cache = new TailCache(cacheBytes);
  }

  static PartitionState fromSnapshot(PartitionSnapshot s, int indexInterval, long cacheBytes) {
    PartitionState state = new PartitionState(indexInterval, cacheBytes);
    state.nextOffset = s.nextOffset();
    state.logStartOffset = s.logStartOffset();
    state.lastTimestamp = s.lastTimestamp();
    state.lastSeqNr = s.lastSeqNr();
    state.totalBytes = s.totalBytes();
    state.index.restore(s.indexOffsets(), s.indexSeqNrs(), s.indexTimestamps(), s.indexBytes());
    s.producers().forEach(state::putProducer);
    s.producers().forEach(state::remember);
    state.compaction = s.compaction();
    return state;
  }

  /**
   * The snapshot, without producers idle for longer than {@code producerRetentionMillis}: their
   * retries are long over, and dropping them bounds the state.
   */
  PartitionSnapshot toSnapshot(long producerRetentionMillis) {
    long horizon = lastTimestamp - producerRetentionMillis;
    producers.values().removeIf(p -> p.timestamp() < horizon);
    recent.keySet().retainAll(producers.keySet());
    epochs
        .keySet()
        .retainAll(
            producers.keySet().stream()
                .map(ProducerIds::base)
                .collect(java.util.stream.Collectors.toSet()));
    return new PartitionSnapshot(
        nextOffset,
        logStartOffset,
        lastTimestamp,
        lastSeqNr,
        index.offsets(),
        index.seqNrs(),
        index.timestamps(),
        List.copyOf(producers.values()),
        totalBytes,
        index.bytes(),
        compaction);
  }

  /** Applies a persisted batch. Every event of the partition passes here, in sequence order. */
  PartitionState apply(RecordBatch batch) {
    if (batch.compacted() != null) {
      return applyCompacted(batch);
    }
    if (batch.baseOffset() != nextOffset) {
      throw new IllegalStateException(
          "batch at offset " + batch.baseOffset() + " does not follow log end " + nextOffset);
    }
    lastSeqNr++;
    nextOffset = batch.endOffset();
    lastTimestamp = Math.max(lastTimestamp, batch.timestamp());
    index.add(batch.baseOffset(), lastSeqNr, batch.timestamp(), totalBytes);
    totalBytes += batch.payload().length;
    cache.add(batch);
    for (RecordBatch.ProducerSegment segment : batch.producers()) {
      PartitionSnapshot.ProducerEntry entry =
          new PartitionSnapshot.ProducerEntry(
              segment.producerId(),
              segment.firstSequence(),
              segment.lastSequence(),
              segment.baseOffset(),
              batch.timestamp());
      putProducer(entry);
      remember(entry);
    }
    return this;
  }

  /**
   * Keeps the producer's last append; an append of a newer epoch replaces the older epoch's state,
   * as a Kafka broker does when a producer's epoch is bumped.
   */
  private void putProducer(PartitionSnapshot.ProducerEntry entry) {
    String id = entry.producerId();
    String base = ProducerIds.base(id);
    int epoch = ProducerIds.epoch(id);
    Integer current = epochs.get(base);
    if (current != null && current > epoch) {
      return; // fenced appends are never written; kept from a log written before fencing
    }
    if (current != null && current < epoch) {
      String old = ProducerIds.withEpoch(base, current);
      producers.remove(old);
      recent.remove(old);
    }
    epochs.put(base, epoch);
    producers.put(id, entry);
  }

  /**
   * The newest epoch written by a producer.
   *
   * @param base the producer id without its epoch suffix
   * @return the epoch, or -1 if none is known
   */
  int producerEpoch(String base) {
    Integer epoch = epochs.get(base);
    return epoch == null ? -1 : epoch;
  }

  private void remember(PartitionSnapshot.ProducerEntry entry) {
    java.util.ArrayDeque<PartitionSnapshot.ProducerEntry> appends =
        recent.computeIfAbsent(entry.producerId(), k -> new java.util.ArrayDeque<>());
    appends.addLast(entry);
    if (appends.size() > RECENT_APPENDS) {
      appends.removeFirst();
    }
  }

  /**
   * Applies a chunk of a compaction. The chunks of one compaction are written together (one atomic
   * write), so a recovery never sees part of them; the first chunk replaces the previous
   * compaction.
   */
  private PartitionState applyCompacted(RecordBatch chunk) {
    lastSeqNr++;
    RecordBatch.Compacted c = chunk.compacted();
    long[] offsets;
    long[] seqNrs;
    long records;
    if (c.chunk() == 0 || compaction == null) {
      offsets = new long[c.chunks()];
      seqNrs = new long[c.chunks()];
      records = 0;
    } else {
      offsets = compaction.chunkOffsets();
      seqNrs = compaction.chunkSeqNrs();
      records = compaction.records();
    }
    offsets[c.chunk()] = chunk.baseOffset();
    seqNrs[c.chunk()] = lastSeqNr;
    compaction =
        new PartitionSnapshot.CompactionState(
            c.chunk() == c.chunks() - 1 ? c.endOffset() : chunk.endOffset(),
            c.deleteUpToSeqNr(),
            records + chunk.count(),
            offsets,
            seqNrs);
    return this;
  }

  /** Applies a truncation: offsets below the new start are no longer served. */
  PartitionState truncate(PartitionProtocol.LogTruncated truncated) {
    lastSeqNr++;
    logStartOffset = Math.max(logStartOffset, truncated.logStartOffset());
    if (compaction != null && logStartOffset >= compaction.end()) {
      // The log start passed every compacted record: the chunks are garbage, like the rest below.
      long[] seqNrs = compaction.chunkSeqNrs();
      compaction =
          new PartitionSnapshot.CompactionState(
              0,
              Math.max(compaction.deleteUpToSeqNr(), seqNrs[seqNrs.length - 1]),
              0,
              new long[0],
              new long[0]);
    }
    return this;
  }

  /** Offsets below this (and at or above the log start) are read from compaction chunks. */
  long compactedEnd() {
    return compaction == null ? 0 : compaction.end();
  }

  /** Records kept by the last compaction. */
  long compactedRecords() {
    return compaction == null ? 0 : compaction.records();
  }

  /** The compaction state, or null if never compacted. */
  PartitionSnapshot.CompactionState compaction() {
    return compaction;
  }

  /** Journal events up to this sequence number are superseded by a compaction or truncation. */
  long supersededUpTo() {
    return Math.max(
        lastSeqNrBelow(logStartOffset), compaction == null ? 0 : compaction.deleteUpToSeqNr());
  }

  /** The sequence number of the compaction chunk holding {@code offset}, or the first chunk's. */
  long chunkSeqNrFor(long offset) {
    long[] offsets = compaction.chunkOffsets();
    int i = java.util.Arrays.binarySearch(offsets, offset);
    i = i >= 0 ? i : Math.max(0, -i - 2);
    return compaction.chunkSeqNrs()[i];
  }

  /** The sequence number of the last compaction chunk. */
  long lastChunkSeqNr() {
    long[] seqNrs = compaction.chunkSeqNrs();
    return seqNrs[seqNrs.length - 1];
  }

  /**
   * The log start the retention policy asks for: never below the current one, never beyond the log
   * end. Age and size limits cut at indexed events (conservatively: kept records may exceed a limit
   * by up to an index interval); the count limit is exact.
   */
  /**
   * The payload bytes appended from the log start on (from the index entry at or before it).
   *
   * @return the bytes
   */
  long retainedBytes() {
    return logStartOffset >= nextOffset ? 0 : totalBytes - index.bytesBeforeOffset(logStartOffset);
  }

  long retentionStart(io.skald.framework.admin.Retention retention, long nowMillis) {
    long start = logStartOffset;
    if (retention.maxRecords() > 0) {
      start = Math.max(start, nextOffset - retention.maxRecords());
    }
    if (retention.maxAge() != null) {
      start = Math.max(start, index.startBefore(nowMillis - retention.maxAge().toMillis()));
    }
    if (retention.maxBytes() > 0) {
      start = Math.max(start, index.startKeeping(totalBytes, retention.maxBytes()));
    }
    return Math.min(start, nextOffset);
  }

  /** The sequence number of an event at or before the first one stamped at or after {@code ts}. */
  long seqNrBeforeTimestamp(long timestamp) {
    return index.seqNrBeforeTimestamp(timestamp);
  }

  /** The highest sequence number of an event whose records all lie below {@code offset}. */
  long lastSeqNrBelow(long offset) {
    return index.lastSeqNrBelow(offset);
  }

  /**
   * The persisted append of an idempotent producer that holds a sequence number, among its latest
   * {@link #RECENT_APPENDS}, or null.
   *
   * @param producerId the producer
   * @param sequence a sequence number
   * @return the append, or null if it is older than what is remembered
   */
  PartitionSnapshot.ProducerEntry producerAppend(String producerId, long sequence) {
    java.util.ArrayDeque<PartitionSnapshot.ProducerEntry> appends = recent.get(producerId);
    if (appends == null) {
      return null;
    }
    var newestFirst = appends.descendingIterator();
    while (newestFirst.hasNext()) {
      PartitionSnapshot.ProducerEntry e = newestFirst.next();
      if (e.firstSequence() <= sequence && sequence <= e.lastSequence()) {
        return e;
      }
    }
    return null;
  }

  /** The last persisted append of an idempotent producer, or null. */
  PartitionSnapshot.ProducerEntry producer(String producerId) {
    return producers.get(producerId);
  }

  long nextOffset() {
    return nextOffset;
  }

  long logStartOffset() {
    return logStartOffset;
  }

  long lastTimestamp() {
    return lastTimestamp;
  }

  long lastSeqNr() {
    return lastSeqNr;
  }

  /** Sequence number of an event at or before the one holding {@code offset}. */
  long seqNrAtOrBefore(long offset) {
    return index.seqNrAtOrBefore(offset);
  }

  /** Batches from the cache starting at {@code from}, or null if the cache does not reach back. */
  List<RecordBatch> readCached(long from, int maxRecords, int maxBytes) {
    return cache.read(from, maxRecords, maxBytes);
  }

  int indexEntries() {
    return index.size;
  }
}
