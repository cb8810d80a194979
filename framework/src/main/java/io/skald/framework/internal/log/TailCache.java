package io.skald.framework.internal.log;

import java.util.ArrayList;
import java.util.List;

/** The most recent batches, bounded by bytes; always keeps the newest batch if it has any room. */
final class TailCache {
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
