package io.skald.framework.internal.log;

import java.util.Arrays;

/** One entry every {@code interval} events: base offset, sequence number, timestamp. */
final class SparseIndex {
  private final int interval;
  private long[] offsets = new long[8];
  private long[] seqNrs = new long[8];
  private long[] timestamps = new long[8];
  private long[] bytesBefore = new long[8];
  int size;

  SparseIndex(int interval) {
    this.interval = interval;
  }

  void add(long baseOffset, long seqNr, long timestamp, long bytes) {
    // An entry every `interval` events, and at least every 64 KiB, so a read from the journal
    // starts at most that far before the offset it wants, whatever the batch sizes.
    if (size > 0 && seqNr - seqNrs[size - 1] < interval && bytes - bytesBefore[size - 1] < 65_536) {
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

  /**
   * The base offset of the last indexed event from which at least {@code maxBytes} remain: a size
   * limit keeps somewhat more than the limit (up to an index interval), never less. The first
   * entry's offset when even the whole indexed log is under the limit (nothing to cut).
   */
  long startKeeping(long totalBytes, long maxBytes) {
    long start = size == 0 ? 0 : offsets[0];
    for (int i = 1; i < size && totalBytes - bytesBefore[i] >= maxBytes; i++) {
      start = offsets[i];
    }
    return start;
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
    int found = lastAtOrBefore(offset);
    return found < 0 ? 1L : seqNrs[found];
  }

  /** The position of the last entry whose base offset is at or before {@code offset}, or -1. */
  private int lastAtOrBefore(long offset) {
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
    return found;
  }

  /** The bytes appended before the last indexed event at or before {@code offset} (0 if none). */
  long bytesBeforeOffset(long offset) {
    int found = lastAtOrBefore(offset);
    return found < 0 ? 0 : bytesBefore[found];
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
