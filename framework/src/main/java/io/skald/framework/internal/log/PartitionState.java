package io.skald.framework.internal.log;

import java.util.ArrayList;
import java.util.Arrays;
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
    s.producers().forEach(p -> state.producers.put(p.producerId(), p));
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
      producers.put(
          segment.producerId(),
          new PartitionSnapshot.ProducerEntry(
              segment.producerId(),
              segment.firstSequence(),
              segment.lastSequence(),
              segment.baseOffset(),
              batch.timestamp()));
    }
    return this;
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
  PartitionState truncate(PartitionEntity.LogTruncated truncated) {
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

  /** One entry every {@code interval} events: base offset, sequence number, timestamp. */
  private static final class SparseIndex {
    private final int interval;
    private long[] offsets = new long[8];
    private long[] seqNrs = new long[8];
    private long[] timestamps = new long[8];
    private long[] bytesBefore = new long[8];
    private int size;

    SparseIndex(int interval) {
      this.interval = interval;
    }

    void add(long baseOffset, long seqNr, long timestamp, long bytes) {
      // An entry every `interval` events, and at least every 64 KiB, so a read from the journal
      // starts at most that far before the offset it wants, whatever the batch sizes.
      if (size > 0
          && seqNr - seqNrs[size - 1] < interval
          && bytes - bytesBefore[size - 1] < 65_536) {
        return;
      }
      if (size == offsets.length) {
        offsets = Arrays.copyOf(offsets, size * 2);
        seqNrs = Arrays.copyOf(seqNrs, size * 2);
        timestamps = Arrays.copyOf(timestamps, size * 2);
        bytesBefore = Arrays.copyOf(bytesBefore, size * 2);
      }
      offsets[size] = baseOffset;
      seqNrs[size] = seqNr;
      timestamps[size] = timestamp;
      bytesBefore[size] = bytes;
      size++;
    }

    /**
     * The base offset of the last indexed event stamped before {@code cutoff}: all before it is
     * older.
     */
    long startBefore(long cutoff) {
      long start = 0;
      for (int i = 0; i < size && timestamps[i] < cutoff; i++) {
        start = offsets[i];
      }
      return start;
    }

    /** The base offset of the first indexed event from which at most {@code maxBytes} remain. */
    long startKeeping(long totalBytes, long maxBytes) {
      for (int i = 0; i < size; i++) {
        if (totalBytes - bytesBefore[i] <= maxBytes) {
          return offsets[i];
        }
      }
      return size == 0 ? 0 : offsets[size - 1];
    }

    long seqNrBeforeTimestamp(long timestamp) {
      long seqNr = 1;
      for (int i = 0; i < size && timestamps[i] < timestamp; i++) {
        seqNr = seqNrs[i];
      }
      return seqNr;
    }

    long lastSeqNrBelow(long offset) {
      long seqNr = 0;
      for (int i = 0; i < size && offsets[i] <= offset; i++) {
        seqNr = seqNrs[i] - 1;
      }
      return seqNr;
    }

    long seqNrAtOrBefore(long offset) {
      int low = 0;
      int high = size - 1;
      int found = -1;
      while (low <= high) {
        int mid = (low + high) >>> 1;
        if (offsets[mid] <= offset) {
          found = mid;
          low = mid + 1;
        } else {
          high = mid - 1;
        }
      }
      return found < 0 ? 1L : seqNrs[found];
    }

    void restore(long[] o, long[] s, long[] t, long[] b) {
      offsets = Arrays.copyOf(o, Math.max(8, o.length));
      seqNrs = Arrays.copyOf(s, Math.max(8, s.length));
      timestamps = Arrays.copyOf(t, Math.max(8, t.length));
      bytesBefore = Arrays.copyOf(b, Math.max(8, b.length));
      size = o.length;
    }

    long[] offsets() {
      return Arrays.copyOf(offsets, size);
    }

    long[] seqNrs() {
      return Arrays.copyOf(seqNrs, size);
    }

    long[] timestamps() {
      return Arrays.copyOf(timestamps, size);
    }

    long[] bytes() {
      return Arrays.copyOf(bytesBefore, size);
    }
  }

  /**
   * The most recent batches, bounded by bytes; always keeps the newest batch if it has any room.
   */
  private static final class TailCache {
    private final long capacityBytes;
    private final ArrayList<RecordBatch> batches = new ArrayList<>();
    private int head;
    private long bytes;

    TailCache(long capacityBytes) {
      this.capacityBytes = capacityBytes;
    }

    void add(RecordBatch batch) {
      if (capacityBytes == 0) {
        return;
      }
      batches.add(batch);
      bytes += batch.payload().length;
      while (bytes > capacityBytes && batches.size() - head > 1) {
        bytes -= batches.get(head).payload().length;
        batches.set(head, null);
        head++;
      }
      if (head > 64 && head > batches.size() / 2) {
        batches.subList(0, head).clear();
        head = 0;
      }
    }

    List<RecordBatch> read(long from, int maxRecords, int maxBytes) {
      if (head >= batches.size() || from < batches.get(head).baseOffset()) {
        return null;
      }
      int low = head;
      int high = batches.size() - 1;
      int start = -1;
      while (low <= high) {
        int mid = (low + high) >>> 1;
        RecordBatch b = batches.get(mid);
        if (b.endOffset() <= from) {
          low = mid + 1;
        } else if (b.baseOffset() > from) {
          high = mid - 1;
        } else {
          start = mid;
          break;
        }
      }
      if (start < 0) {
        return List.of();
      }
      List<RecordBatch> out = new ArrayList<>();
      int records = 0;
      int size = 0;
      for (int i = start; i < batches.size(); i++) {
        RecordBatch b = batches.get(i);
        if (!out.isEmpty() && (records >= maxRecords || size + b.payload().length > maxBytes)) {
          break;
        }
        out.add(b);
        records += (int) (b.endOffset() - Math.max(from, b.baseOffset()));
        size += b.payload().length;
      }
      return out;
    }
  }
}
