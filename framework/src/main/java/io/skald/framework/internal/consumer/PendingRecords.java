package io.skald.framework.internal.consumer;

import io.skald.framework.internal.log.RecordBatch;
import io.skald.framework.internal.log.RecordFormat;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.function.Consumer;

/**
 * INTERNAL API: the records of one assigned partition between fetch and commit, for a {@link
 * PartitionWorker}: those fetched and not started (the window), and those started and not finished
 * (in the handler, waiting for a retry, or being dead-lettered). It enforces per-key order: a
 * record starts only when no earlier record of its key is unfinished, and it computes the
 * committable position, the lowest offset not finished.
 */
final class PendingRecords {
  private static final Object NULL_KEY = new Object();

  /** A record key in the busy-key set: its hash computed once, not at each of three lookups. */
  private static final class KeyId {
    final byte[] bytes;
    final int hash;

    KeyId(byte[] bytes) {
      this.bytes = bytes;
      this.hash = Arrays.hashCode(bytes);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof KeyId k && k.hash == hash && Arrays.equals(k.bytes, bytes);
    }
  }

  /** A started, unfinished record. */
  static final class InFlight {
    final RecordFormat.Decoded record;

    /** Its key in the busy-key set; computed only once the record stays unfinished. */
    Object keyId;

    /** In the in-flight map and its key busy: it did not finish within its start. */
    boolean tracked;

    int attempt = 1;
    boolean executing;
    boolean timerStarted;
    long startedNanos;
    Instant firstFailure;
    Throwable lastError;
    boolean finished;

    InFlight(RecordFormat.Decoded record, Object keyId) {
      this.record = record;
      this.keyId = keyId;
    }

    long offset() {
      return record.offset();
    }
  }

  private final ArrayDeque<RecordBatch> undecoded = new ArrayDeque<>();
  private long decodeOffset = -1;

  /** Where decoding of the first undecoded batch stopped (a window at a time, one pass). */
  private RecordFormat.Cursor cursor;

  /** Fetched, not started, in offset order (decoded in order; started ones leave it). */
  private final ArrayDeque<RecordFormat.Decoded> buffer = new ArrayDeque<>();

  /** Started, unfinished, by offset: at most parallelism plus those waiting for a retry. */
  private final HashMap<Long, InFlight> inFlight = new HashMap<>();

  private final Set<Object> busyKeys = new HashSet<>();
  private int executing;

  /** Starts over at {@code offset}: forgets everything not started (a reset or a seek). */
  void restartAt(long offset) {
    undecoded.clear();
    buffer.clear();
    cursor = null;
    decodeOffset = offset;
  }

  /** Keeps a fetched batch to decode from later. */
  void addFetched(RecordBatch batch) {
    undecoded.add(batch);
  }

  boolean hasUndecoded() {
    return !undecoded.isEmpty();
  }

  /** Decodes kept batches into the window until it holds {@code prefetch} records. */
  void refill(int prefetch) {
    int room = prefetch - buffer.size();
    while (room > 0 && !undecoded.isEmpty()) {
      RecordBatch batch = undecoded.peek();
      if (cursor == null || cursor.batch() != batch) {
        cursor = RecordFormat.cursor(batch, decodeOffset);
      }
      while (room > 0 && cursor.hasNext()) {
        RecordFormat.Decoded record = cursor.next();
        buffer.addLast(record);
        decodeOffset = record.offset() + 1;
        room--;
      }
      if (!cursor.hasNext()) {
        // A compacted batch has gaps up to its end: the next batch starts there.
        undecoded.poll();
        cursor = null;
        decodeOffset = Math.max(decodeOffset, batch.endOffset());
      }
    }
  }

  int buffered() {
    return buffer.size();
  }

  /** Records in the handler or in a dead-letter write. */
  int executing() {
    return executing;
  }

  InFlight get(long offset) {
    return inFlight.get(offset);
  }

  /**
   * Starts buffered records in offset order while fewer than {@code parallelism} execute: each
   * record whose key has no unfinished earlier record is moved to in-flight and passed to {@code
   * start}, which may finish it at once. Stops at the first record at or beyond {@code limit}, and
   * at once when {@code partitionBlocking} and a record waits for a retry.
   */
  void dispatch(int parallelism, boolean partitionBlocking, long limit, Consumer<InFlight> start) {
    Set<Object> blocked = null;
    Iterator<RecordFormat.Decoded> it = buffer.iterator();
    while (it.hasNext() && executing < parallelism) {
      if (partitionBlocking && inFlight.size() > executing) {
        return; // a record waits for its retry: the whole partition waits with it
      }
      RecordFormat.Decoded record = it.next();
      if (record.offset() >= limit) {
        return;
      }
      Object keyId = null;
      if (!busyKeys.isEmpty() || blocked != null) {
        keyId = keyIdOf(record);
        if (busyKeys.contains(keyId) || (blocked != null && blocked.contains(keyId))) {
          if (blocked == null) {
            blocked = new HashSet<>();
          }
          blocked.add(keyId); // later records of this key must not overtake this one
          continue;
        }
      }
      it.remove();
      InFlight entry = new InFlight(record, keyId);
      start.accept(entry);
      if (!entry.finished) {
        // still running (or waiting for a retry, or being dead-lettered): its key is busy. A
        // handler that completes within its call never touches the map or the set.
        if (entry.keyId == null) {
          entry.keyId = keyIdOf(record);
        }
        entry.tracked = true;
        busyKeys.add(entry.keyId);
        inFlight.put(record.offset(), entry);
      }
    }
  }

  private static Object keyIdOf(RecordFormat.Decoded record) {
    return record.key() == null ? NULL_KEY : new KeyId(record.key());
  }

  void beginExecution(InFlight entry) {
    entry.executing = true;
    executing++;
  }

  void endExecution(InFlight entry) {
    entry.executing = false;
    executing--;
  }

  /** The record is finished: acknowledged or dead-lettered. Its key is free again. */
  void finish(InFlight entry) {
    entry.finished = true;
    if (entry.tracked) {
      inFlight.remove(entry.offset());
      busyKeys.remove(entry.keyId);
    }
  }

  /** The lowest offset not finished: the next unfinished record, or {@code fetchOffset}. */
  long committable(long fetchOffset) {
    long position = undecoded.isEmpty() ? fetchOffset : decodeOffset;
    if (!buffer.isEmpty()) {
      position = Math.min(position, buffer.peekFirst().offset());
    }
    for (Long offset : inFlight.keySet()) {
      position = Math.min(position, offset);
    }
    return position;
  }
}
