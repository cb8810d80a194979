package io.skald.framework.internal.log;

import io.skald.framework.consumer.RecordFilter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * INTERNAL API: applies a subscription's {@link RecordFilter} to the batches a fetch read, on the
 * partition's side. A batch whose records all match is passed on as it is; one with some matching
 * records becomes a batch with the layout of a compacted one (the matching records' offsets and
 * append times, and the original batch's end, so the reader continues after the records that were
 * filtered out); one without any is dropped. The answer's {@code nextOffset} is the end of the last
 * batch examined, so a fetch whose records were all filtered out still moves its reader, and its
 * group's committed position, forward.
 */
final class FilteredFetch {
  /** Filters by expression: a partition serves the same few subscriptions again and again. */
  private static final Map<String, RecordFilter> PARSED =
      new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, RecordFilter> eldest) {
          return size() > 256;
        }
      };

  /** A filtered fetch examines more records than it asks for, as most of them may not match. */
  static final int SCAN_FACTOR = 16;

  private FilteredFetch() {}

  /**
   * The filter of an expression (parsed once per expression).
   *
   * @param expression a canonical filter expression
   * @return the filter
   */
  static RecordFilter filter(String expression) {
    synchronized (PARSED) {
      return PARSED.computeIfAbsent(expression, RecordFilter::parse);
    }
  }

  /**
   * How many records a fetch examines.
   *
   * @param fetch the fetch
   * @return its record bound, scaled up when it is filtered
   */
  static int scanRecords(PartitionProtocol.Fetch fetch) {
    return fetch.filter() == null
        ? fetch.maxRecords()
        : (int) Math.min(1 << 16, (long) fetch.maxRecords() * SCAN_FACTOR);
  }

  /**
   * The answer to a fetch from the batches it read.
   *
   * @param fetch the fetch
   * @param batches the batches read from its offset on, not empty
   * @param logStart the log start
   * @param logEnd the log end
   * @return the answer, with only the matching records when the fetch is filtered
   */
  static PartitionProtocol.Fetched answer(
      PartitionProtocol.Fetch fetch, List<RecordBatch> batches, long logStart, long logEnd) {
    long nextOffset = batches.get(batches.size() - 1).endOffset();
    if (fetch.filter() == null) {
      return new PartitionProtocol.Fetched(
          fetch.fetchId(), fetch.fromOffset(), batches, logStart, logEnd, nextOffset);
    }
    RecordFilter filter = filter(fetch.filter());
    List<RecordBatch> out = new ArrayList<>(batches.size());
    for (RecordBatch batch : batches) {
      RecordBatch kept = apply(filter, batch, fetch.fromOffset());
      if (kept != null) {
        out.add(kept);
      }
    }
    return new PartitionProtocol.Fetched(
        fetch.fetchId(), fetch.fromOffset(), List.copyOf(out), logStart, logEnd, nextOffset);
  }

  /** The matching records of a batch at or after {@code fromOffset}, or null if none. */
  static RecordBatch apply(RecordFilter filter, RecordBatch batch, long fromOffset) {
    if (batch.endOffset() <= fromOffset) {
      return null;
    }
    RecordFormat.Cursor cursor = RecordFormat.cursor(batch, fromOffset);
    List<RecordFormat.Decoded> matching = new ArrayList<>();
    int examined = 0;
    while (cursor.hasNext()) {
      RecordFormat.Decoded record = cursor.next();
      examined++;
      if (filter.matchesEncoded(record.key(), record.headers())) {
        matching.add(record);
      }
    }
    if (matching.isEmpty()) {
      return null;
    }
    if (matching.size() == batch.count() && examined == batch.count()) {
      return batch; // everything matches: the batch as stored, with its trace segments
    }
    RecordFormat.Writer writer = new RecordFormat.Writer(batch.payload().length);
    long[] offsets = new long[matching.size()];
    long[] timestamps = new long[matching.size()];
    for (int i = 0; i < matching.size(); i++) {
      RecordFormat.Decoded record = matching.get(i);
      // the decoded headers already carry the append's trace context
      writer.writeRecord(record.key(), record.value(), record.headers());
      offsets[i] = record.offset();
      timestamps[i] = record.timestamp();
    }
    return new RecordBatch(
        offsets[0],
        batch.timestamp(),
        offsets.length,
        writer.toByteArray(),
        List.of(),
        new RecordBatch.Compacted(batch.endOffset(), 0, 1, 0, offsets, timestamps));
  }
}
