package io.skald.framework.internal.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.skald.framework.internal.log.RecordBatch;
import io.skald.framework.internal.log.RecordFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class PendingRecordsTest {

  /** Records at offsets 10.. with these keys (null for an unkeyed one). */
  private static PendingRecords fetched(String... keys) {
    RecordFormat.Writer writer = new RecordFormat.Writer(256);
    for (String key : keys) {
      writer.writeRecord(
          key == null ? null : key.getBytes(StandardCharsets.UTF_8),
          "v".getBytes(StandardCharsets.UTF_8),
          Map.of());
    }
    PendingRecords pending = new PendingRecords();
    pending.restartAt(10);
    pending.addFetched(new RecordBatch(10, 1, keys.length, writer.toByteArray()));
    pending.refill(100);
    return pending;
  }

  /** A handler that completes within its call, noting the offsets it started. */
  private static Consumer<PendingRecords.InFlight> finishAtOnce(
      PendingRecords pending, List<Long> started) {
    return entry -> {
      started.add(entry.offset());
      pending.beginExecution(entry);
      pending.endExecution(entry);
      pending.finish(entry);
    };
  }

  @Test
  void recordsFinishedWithinTheirStartLeaveNothingBehind() {
    PendingRecords pending = fetched("a", "a", "b", null, null);
    List<Long> started = new ArrayList<>();
    pending.dispatch(4, false, Long.MAX_VALUE, finishAtOnce(pending, started));
    assertEquals(List.of(10L, 11L, 12L, 13L, 14L), started, "same keys one after the other");
    assertEquals(0, pending.executing());
    assertNull(pending.get(10));
    assertEquals(15, pending.committable(15));
  }

  @Test
  void anUnfinishedRecordHoldsBackLaterRecordsOfItsKeyOnly() {
    PendingRecords pending = fetched("a", "a", "b", "a", "c");
    List<Long> started = new ArrayList<>();
    List<PendingRecords.InFlight> running = new ArrayList<>();
    // 10 (a) stays running; 11 and 13 (a) must wait for it, 12 (b) and 14 (c) need not
    pending.dispatch(
        4,
        false,
        Long.MAX_VALUE,
        entry -> {
          started.add(entry.offset());
          pending.beginExecution(entry);
          if (entry.offset() == 10) {
            running.add(entry);
          } else {
            pending.endExecution(entry);
            pending.finish(entry);
          }
        });
    assertEquals(List.of(10L, 12L, 14L), started);
    assertNotNull(pending.get(10), "tracked by offset: its answer comes as a message");
    assertEquals(10, pending.committable(15), "the lowest unfinished record");
    assertEquals(2, pending.buffered());

    // once it finishes, its key is free and the others of its key start, in order
    pending.endExecution(running.get(0));
    pending.finish(running.get(0));
    pending.dispatch(4, false, Long.MAX_VALUE, finishAtOnce(pending, started));
    assertEquals(List.of(10L, 12L, 14L, 11L, 13L), started);
    assertNull(pending.get(10));
    assertEquals(15, pending.committable(15));
  }

  @Test
  void aRecordWaitingForARetryBlocksThePartitionWhenOrderingIsPartitionWide() {
    PendingRecords pending = fetched("a", "b");
    List<Long> started = new ArrayList<>();
    pending.dispatch(
        4,
        true,
        Long.MAX_VALUE,
        entry -> {
          started.add(entry.offset());
          pending.beginExecution(entry);
          pending.endExecution(entry); // failed: waits for its retry, not finished
        });
    assertEquals(List.of(10L), started, "b waits behind a's retry");
    assertEquals(10, pending.committable(12));
  }
}
