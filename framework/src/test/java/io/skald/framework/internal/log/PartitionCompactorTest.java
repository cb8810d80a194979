package io.skald.framework.internal.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A compaction over the previous one: the previous compaction's chunk (older offsets) is written
 * after the batches appended while it ran, so the journal holds newer values before older ones. The
 * newest value per key must win whatever the journal order.
 */
class PartitionCompactorTest {
  private static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create();
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A batch of keys k0..k(n-1), all with the given value, from {@code baseOffset}. */
  private static RecordBatch batch(long baseOffset, int keys, String value) {
    RecordFormat.Writer writer = new RecordFormat.Writer(keys);
    for (int k = 0; k < keys; k++) {
      writer.writeRecord(utf8("k" + k), utf8(value), Map.of());
    }
    return new RecordBatch(baseOffset, 1L, keys, writer.toByteArray());
  }

  @Test
  void theNewestValuePerKeyWinsWhenThePreviousChunksComeLastInTheJournal() throws Exception {
    // the previous compaction (cutoff 10, superseding seqNrs 1..2) kept v1 of 4 keys at offsets
    // 6..9 in a chunk written at seqNr 5, after the batches appended while it ran (seqNrs 3, 4)
    long[] keptOffsets = {6, 7, 8, 9};
    RecordFormat.Writer chunkWriter = new RecordFormat.Writer(4);
    for (int k = 0; k < 4; k++) {
      chunkWriter.writeRecord(utf8("k" + k), utf8("v1"), Map.of());
    }
    RecordBatch chunk =
        new RecordBatch(
            6,
            1L,
            4,
            chunkWriter.toByteArray(),
            List.of(),
            new RecordBatch.Compacted(10, 0, 1, 2, keptOffsets, new long[] {1, 1, 1, 1}));
    List<EventEnvelope> journal = new ArrayList<>();
    journal.add(envelope(3, batch(10, 4, "v2"))); // offsets 10..13
    journal.add(envelope(4, batch(14, 4, "v3"))); // offsets 14..17
    journal.add(envelope(5, chunk));
    CurrentEventsByPersistenceIdQuery reads = new Fixed(journal);
    PartitionSnapshot.CompactionState previous =
        new PartitionSnapshot.CompactionState(10, 2, 4, new long[] {6}, new long[] {5});
    PartitionCompactor.Plan plan =
        new PartitionCompactor.Plan(0, 18, 5, previous, Long.MIN_VALUE, 1 << 20);

    PartitionCompactor.Result result =
        PartitionCompactor.run(reads, "p", testKit.system(), 3, plan).toCompletableFuture().get();

    assertEquals(12, result.input());
    List<String> kept = new ArrayList<>();
    for (RecordBatch c : result.chunks()) {
      for (RecordFormat.Decoded r : RecordFormat.decode(c)) {
        kept.add(
            r.offset()
                + ":"
                + new String(r.key(), StandardCharsets.UTF_8)
                + "="
                + new String(r.value(), StandardCharsets.UTF_8));
      }
    }
    assertEquals(List.of("14:k0=v3", "15:k1=v3", "16:k2=v3", "17:k3=v3"), kept);
  }

  private static EventEnvelope envelope(long seqNr, RecordBatch batch) {
    return EventEnvelope.apply(Sequence.apply(seqNr), "p", seqNr, batch, 1L, scala.Option.empty());
  }

  /** A journal that replays a fixed list. */
  private record Fixed(List<EventEnvelope> events) implements CurrentEventsByPersistenceIdQuery {
    @Override
    public Source<EventEnvelope, NotUsed> currentEventsByPersistenceId(
        String persistenceId, long fromSequenceNr, long toSequenceNr) {
      return Source.from(events)
          .filter(e -> e.sequenceNr() >= fromSequenceNr && e.sequenceNr() <= toSequenceNr);
    }
  }
}
