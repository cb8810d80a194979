package io.skald.framework.internal.log;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * INTERNAL API: the compact binary layout of records inside a {@link RecordBatch} payload. Per
 * record: zig-zag varint key length (-1 for no key) and key bytes, zig-zag varint value length (-1
 * for a tombstone, a record without value) and value bytes, varint header count and per header
 * varint-prefixed UTF-8 name and value. The layout is self-delimiting, so payloads of several
 * appends concatenate into one batch without re-encoding. This is a persisted format: change it
 * only with a version bump in {@link SkaldSerializer}.
 */
public final class RecordFormat {
  private RecordFormat() {}

  /** A record read back from a payload. */
  public record Decoded(
      long offset, long timestamp, byte[] key, byte[] value, Map<String, String> headers) {}

  /** A growable output buffer. Not thread-safe. */
  public static final class Writer {
    private byte[] buffer;
    private int size;

    /**
     * Creates a writer.
     *
     * @param initialCapacity the initial buffer size in bytes
     */
    public Writer(int initialCapacity) {
      buffer = new byte[Math.max(16, initialCapacity)];
    }

    /**
     * The number of bytes written.
     *
     * @return the size
     */
    public int size() {
      return size;
    }

    /**
     * Copies out the written bytes.
     *
     * @return the bytes
     */
    public byte[] toByteArray() {
      return Arrays.copyOf(buffer, size);
    }

    /** Forgets what was written, keeping the buffer. */
    public void reset() {
      size = 0;
    }

    /**
     * Appends a record.
     *
     * @param key the key or null
     * @param value the value, or null for a tombstone
     * @param headers the headers
     */
    public void writeRecord(byte[] key, byte[] value, Map<String, String> headers) {
      ensure(encodedSize(key, value, headers));
      if (key == null) {
        writeVarint(zigzag(-1));
      } else {
        writeVarint(zigzag(key.length));
        writeRaw(key);
      }
      if (value == null) {
        writeVarint(zigzag(-1));
      } else {
        writeVarint(zigzag(value.length));
        writeRaw(value);
      }
      writeVarint(headers.size());
      for (Map.Entry<String, String> header : headers.entrySet()) {
        byte[] name = header.getKey().getBytes(StandardCharsets.UTF_8);
        byte[] val = header.getValue().getBytes(StandardCharsets.UTF_8);
        writeVarint(name.length);
        writeRaw(name);
        writeVarint(val.length);
        writeRaw(val);
      }
    }

    private void writeRaw(byte[] bytes) {
      System.arraycopy(bytes, 0, buffer, size, bytes.length);
      size += bytes.length;
    }

    private void writeVarint(int value) {
      while ((value & ~0x7F) != 0) {
        buffer[size++] = (byte) ((value & 0x7F) | 0x80);
        value >>>= 7;
      }
      buffer[size++] = (byte) value;
    }

    private void ensure(int extra) {
      if (size + extra > buffer.length) {
        buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + extra));
      }
    }
  }

  /**
   * The bytes a record takes in a payload, exactly as {@link Writer#writeRecord} lays it out.
   * Producers reserve their buffer and seal their batches by it, and record limits compare it, so
   * it must not overstate: a 66-byte {@code traceparent} header once counted as 208 bytes (three
   * per character), which filled producer buffers three times too fast.
   *
   * @param key the key or null
   * @param value the value or null
   * @param headers the headers
   * @return the size in bytes
   */
  public static int encodedSize(byte[] key, byte[] value, Map<String, String> headers) {
    int size =
        (key == null ? 1 : varintSize(zigzag(key.length)) + key.length)
            + (value == null ? 1 : varintSize(zigzag(value.length)) + value.length)
            + varintSize(headers.size());
    for (Map.Entry<String, String> header : headers.entrySet()) {
      int name = utf8Length(header.getKey());
      int val = utf8Length(header.getValue());
      size += varintSize(name) + name + varintSize(val) + val;
    }
    return size;
  }

  /** The UTF-8 length of a string, as {@code getBytes(UTF_8)} encodes it, without encoding it. */
  private static int utf8Length(String text) {
    int length = text.length();
    int bytes = length;
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      if (c >= 0x80) {
        if (c < 0x800) {
          bytes += 1;
        } else if (Character.isHighSurrogate(c)
            && i + 1 < length
            && Character.isLowSurrogate(text.charAt(i + 1))) {
          bytes += 2; // a pair: 4 bytes for 2 chars
          i++;
        } else {
          bytes += 2; // 3 bytes (a lone surrogate is encoded as '?', 1 byte: counted 3, over)
        }
      }
    }
    return bytes;
  }

  private static int varintSize(int value) {
    int size = 1;
    while ((value & ~0x7F) != 0) {
      size++;
      value >>>= 7;
    }
    return size;
  }

  /**
   * The size of the largest record of a payload, as laid out (not the bound of {@link
   * #encodedSize}); walks the record boundaries without copying.
   *
   * @param payload records as {@link Writer} lays them out
   * @param count how many records it holds
   * @return the largest record's size in bytes
   * @throws IllegalStateException if the payload is not {@code count} well-formed records
   */
  public static int largestRecord(byte[] payload, int count) {
    Reader reader = new Reader(payload);
    int largest = 0;
    for (int i = 0; i < count; i++) {
      int start = reader.position;
      reader.skipRecord();
      largest = Math.max(largest, reader.position - start);
    }
    if (reader.position != payload.length) {
      throw new IllegalStateException(
          "corrupt record payload: "
              + (payload.length - reader.position)
              + " bytes after the last record");
    }
    return largest;
  }

  /**
   * Decodes every record of a batch.
   *
   * @param batch the batch
   * @return its records, in offset order
   */
  public static List<Decoded> decode(RecordBatch batch) {
    return decode(batch, batch.baseOffset(), Integer.MAX_VALUE);
  }

  /**
   * Decodes at most {@code limit} records of a batch from {@code fromOffset} on. Records before it
   * are skipped by their lengths without being copied, so re-reading a large batch for a small
   * window costs little.
   *
   * @param batch the batch
   * @param fromOffset the first offset wanted
   * @param limit the most records to decode
   * @return the records, in offset order
   */
  public static List<Decoded> decode(RecordBatch batch, long fromOffset, int limit) {
    Cursor cursor = cursor(batch, fromOffset);
    List<Decoded> records = new ArrayList<>(Math.max(0, Math.min(limit, cursor.remaining())));
    for (int i = 0; i < limit && cursor.hasNext(); i++) {
      records.add(cursor.next());
    }
    return records;
  }

  /**
   * A cursor over a batch's records from {@code fromOffset} on: records before it are skipped once,
   * by their lengths, and each {@link Cursor#next()} continues where the last one stopped, so a
   * consumer that takes a large batch a window at a time decodes it in one pass.
   *
   * @param batch the batch
   * @param fromOffset the first offset wanted
   * @return the cursor
   */
  public static Cursor cursor(RecordBatch batch, long fromOffset) {
    return new Cursor(batch, fromOffset);
  }

  /** Reads a batch's records in offset order. Not thread-safe. */
  public static final class Cursor {
    private final RecordBatch batch;
    private final Reader reader;
    private final List<RecordBatch.TraceSegment> traces;
    private int index;
    private int segment;

    private Cursor(RecordBatch batch, long fromOffset) {
      this.batch = batch;
      this.reader = new Reader(batch.payload());
      this.traces = batch.traces();
      int skip;
      if (batch.compacted() != null) {
        skip = Arrays.binarySearch(batch.compacted().offsets(), fromOffset);
        skip = skip >= 0 ? skip : -skip - 1;
      } else {
        skip = (int) Math.max(0, Math.min(batch.count(), fromOffset - batch.baseOffset()));
      }
      for (int i = 0; i < skip; i++) {
        reader.skipRecord();
      }
      index = skip;
      checkEnd(batch, reader, index);
    }

    /**
     * The batch read.
     *
     * @return the batch
     */
    public RecordBatch batch() {
      return batch;
    }

    /**
     * Whether records remain.
     *
     * @return true if {@link #next()} has a record
     */
    public boolean hasNext() {
      return index < batch.count();
    }

    int remaining() {
      return batch.count() - index;
    }

    /**
     * The next record.
     *
     * @return the record, with its append's trace context if it has none of its own
     * @throws java.util.NoSuchElementException after the last record
     */
    public Decoded next() {
      if (!hasNext()) {
        throw new java.util.NoSuchElementException("batch at offset " + batch.baseOffset());
      }
      Decoded record;
      if (batch.compacted() != null) {
        record =
            reader.readRecord(
                batch.compacted().offsets()[index], batch.compacted().timestamps()[index]);
      } else {
        long offset = batch.baseOffset() + index;
        record = reader.readRecord(offset, batch.timestamp());
        while (segment < traces.size()
            && traces.get(segment).baseOffset() + traces.get(segment).count() <= offset) {
          segment++;
        }
        if (segment < traces.size() && traces.get(segment).covers(offset)) {
          record = withContext(record, traces.get(segment).context());
        }
      }
      index++;
      checkEnd(batch, reader, index);
      return record;
    }
  }

  /**
   * A record with its append's trace context added to its headers, unless it carries a context of
   * its own (sent in a traced operation). Records without headers share the context's map.
   */
  private static Decoded withContext(Decoded record, Map<String, String> context) {
    if (record.headers().isEmpty()) {
      return new Decoded(
          record.offset(), record.timestamp(), record.key(), record.value(), context);
    }
    for (String field : context.keySet()) {
      if (record.headers().containsKey(field)) {
        return record;
      }
    }
    Map<String, String> headers = new java.util.LinkedHashMap<>(record.headers());
    headers.putAll(context);
    return new Decoded(record.offset(), record.timestamp(), record.key(), record.value(), headers);
  }

  private static void checkEnd(RecordBatch batch, Reader reader, int read) {
    if (read == batch.count() && reader.position != batch.payload().length) {
      throw new IllegalStateException(
          "corrupt batch at offset "
              + batch.baseOffset()
              + ": trailing bytes after "
              + batch.count());
    }
  }

  private static int zigzag(int value) {
    return (value << 1) ^ (value >> 31);
  }

  private static int unzigzag(int value) {
    return (value >>> 1) ^ -(value & 1);
  }

  private static final class Reader {
    private final byte[] bytes;
    private int position;

    Reader(byte[] bytes) {
      this.bytes = bytes;
    }

    Decoded readRecord(long offset, long timestamp) {
      int keyLength = unzigzag(readVarint());
      byte[] key = keyLength < 0 ? null : readRaw(keyLength);
      int valueLength = unzigzag(readVarint());
      byte[] value = valueLength < 0 ? null : readRaw(valueLength);
      int headerCount = readVarint();
      Map<String, String> headers;
      if (headerCount == 0) {
        headers = Map.of();
      } else {
        String[] pairs = new String[headerCount * 2];
        for (int i = 0; i < pairs.length; i++) {
          pairs[i] = new String(readRaw(readVarint()), StandardCharsets.UTF_8);
        }
        java.util.LinkedHashMap<String, String> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
          map.put(pairs[i], pairs[i + 1]);
        }
        headers = map;
      }
      return new Decoded(offset, timestamp, key, value, headers);
    }

    void skipRecord() {
      int keyLength = unzigzag(readVarint());
      skip(Math.max(0, keyLength));
      skip(Math.max(0, unzigzag(readVarint())));
      int headerCount = readVarint();
      for (int i = 0; i < headerCount * 2; i++) {
        skip(readVarint());
      }
    }

    private void skip(int length) {
      if (length < 0 || position + length > bytes.length) {
        throw new IllegalStateException("corrupt record payload at byte " + position);
      }
      position += length;
    }

    private byte[] readRaw(int length) {
      if (length < 0 || position + length > bytes.length) {
        throw new IllegalStateException("corrupt record payload at byte " + position);
      }
      byte[] out = Arrays.copyOfRange(bytes, position, position + length);
      position += length;
      return out;
    }

    private int readVarint() {
      int value = 0;
      for (int shift = 0; shift < 35; shift += 7) {
        if (position >= bytes.length) {
          throw new IllegalStateException("corrupt record payload: truncated varint");
        }
        byte b = bytes[position++];
        value |= (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return value;
        }
      }
      throw new IllegalStateException("corrupt record payload: varint too long");
    }
  }
}
