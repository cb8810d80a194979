package io.skald.framework.internal.log;

import io.skald.framework.Stages;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Source;

/**
 * INTERNAL API: computes a compaction of one partition outside the partition actor.
 *
 * <p>The input is every record from the log start up to {@code cutoff} (the log end when the
 * compaction started): the chunks of the previous compaction plus the appended batches after it.
 * Two passes over the journal: the first finds each key's latest offset, the second keeps the
 * records that are their key's latest, except tombstones older than the tombstone horizon. Only the
 * kept records are held in memory. The result is a list of compacted {@link RecordBatch} chunks
 * that the partition persists in one atomic write; journal events up to the plan's {@code toSeqNr}
 * are then superseded and deleted once a snapshot covers the new state.
 */
final class PartitionCompactor {
  private PartitionCompactor() {}

  /**
   * What to compact.
   *
   * @param logStart the first readable offset
   * @param cutoff the offset the compaction ends at (the log end when it started)
   * @param toSeqNr the sequence number of the last event below the cutoff
   * @param compaction the previous compaction, or null
   * @param tombstoneHorizon tombstones appended at or before this time (epoch millis) are removed
   * @param maxChunkBytes the payload size of a chunk
   */
  record Plan(
      long logStart,
      long cutoff,
      long toSeqNr,
      PartitionSnapshot.CompactionState compaction,
      long tombstoneHorizon,
      int maxChunkBytes) {}

  /**
   * The outcome.
   *
   * @param chunks the compacted batches to persist, empty if nothing is kept
   * @param cutoff the plan's cutoff
   * @param input the records read
   */
  record Result(List<RecordBatch> chunks, long cutoff, long input) {
    long kept() {
      return chunks.stream().mapToLong(RecordBatch::count).sum();
    }
  }

  static CompletionStage<Result> run(
      CurrentEventsByPersistenceIdQuery reads,
      String persistenceId,
      ActorSystem<?> system,
      long fromSeqNr,
      Plan plan) {
    return Stages.inline(
            records(reads, persistenceId, fromSeqNr, plan)
                .runFold(
                    new HashMap<ByteBuffer, Long>(),
                    (latest, record) -> {
                      // The highest offset wins, not the last one read: the previous compaction's
                      // chunks (older offsets) are written after the batches appended while it ran,
                      // so they come later in the journal than newer values of the same keys.
                      latest.merge(ByteBuffer.wrap(record.key()), record.offset(), Math::max);
                      return latest;
                    },
                    system))
        .thenCompose(
            latest ->
                Stages.inline(
                        records(reads, persistenceId, fromSeqNr, plan)
                            .runFold(
                                new Kept(),
                                (kept, record) ->
                                    kept.offer(record, latest, plan.tombstoneHorizon()),
                                system))
                    .thenApply(kept -> kept.result(plan)));
  }

  /** The live records below the cutoff, keyless ones dropped (a compacted topic refuses them). */
  private static Source<RecordFormat.Decoded, ?> records(
      CurrentEventsByPersistenceIdQuery reads, String persistenceId, long fromSeqNr, Plan plan) {
    return reads
        .currentEventsByPersistenceId(persistenceId, fromSeqNr, plan.toSeqNr())
        .filter(envelope -> isInput(envelope, plan))
        .mapConcat(envelope -> RecordFormat.decode((RecordBatch) envelope.event()))
        .filter(record -> record.offset() >= plan.logStart() && record.key() != null);
  }

  private static boolean isInput(EventEnvelope envelope, Plan plan) {
    if (!(envelope.event() instanceof RecordBatch batch)) {
      return false;
    }
    PartitionSnapshot.CompactionState previous = plan.compaction();
    boolean hasPrevious = previous != null && previous.chunkSeqNrs().length > 0;
    if (batch.compacted() != null) {
      // Only the previous compaction's chunks: older ones may linger until their deletion.
      long[] seqNrs = hasPrevious ? previous.chunkSeqNrs() : new long[0];
      return hasPrevious
          && envelope.sequenceNr() >= seqNrs[0]
          && envelope.sequenceNr() <= seqNrs[seqNrs.length - 1];
    }
    long compactedEnd = hasPrevious ? previous.end() : 0;
    return batch.baseOffset() >= compactedEnd && batch.endOffset() > plan.logStart();
  }

  /** The records kept so far, and how many were read. */
  private static final class Kept {
    private final List<RecordFormat.Decoded> records = new ArrayList<>();
    private long input;

    Kept offer(RecordFormat.Decoded record, Map<ByteBuffer, Long> latest, long tombstoneHorizon) {
      input++;
      boolean newest = latest.get(ByteBuffer.wrap(record.key())) == record.offset();
      boolean expiredTombstone = record.value() == null && record.timestamp() <= tombstoneHorizon;
      if (newest && !expiredTombstone) {
        records.add(record);
      }
      return this;
    }

    Result result(Plan plan) {
      // Chunks of the previous compaction come after the batches appended while it ran.
      records.sort(Comparator.comparingLong(RecordFormat.Decoded::offset));
      return new Result(chunk(records, plan), plan.cutoff(), input);
    }
  }

  private static List<RecordBatch> chunk(List<RecordFormat.Decoded> kept, Plan plan) {
    List<List<RecordFormat.Decoded>> groups = new ArrayList<>();
    List<byte[]> payloads = new ArrayList<>();
    RecordFormat.Writer writer = new RecordFormat.Writer(Math.min(plan.maxChunkBytes(), 1 << 16));
    List<RecordFormat.Decoded> group = new ArrayList<>();
    for (RecordFormat.Decoded record : kept) {
      int size = RecordFormat.encodedSize(record.key(), record.value(), record.headers());
      if (!group.isEmpty() && writer.size() + size > plan.maxChunkBytes()) {
        groups.add(group);
        payloads.add(writer.toByteArray());
        group = new ArrayList<>();
        writer.reset();
      }
      writer.writeRecord(record.key(), record.value(), record.headers());
      group.add(record);
    }
    if (!group.isEmpty()) {
      groups.add(group);
      payloads.add(writer.toByteArray());
    }
    List<RecordBatch> chunks = new ArrayList<>(groups.size());
    for (int i = 0; i < groups.size(); i++) {
      List<RecordFormat.Decoded> records = groups.get(i);
      long[] offsets = new long[records.size()];
      long[] timestamps = new long[records.size()];
      long newest = 0;
      for (int r = 0; r < offsets.length; r++) {
        offsets[r] = records.get(r).offset();
        timestamps[r] = records.get(r).timestamp();
        newest = Math.max(newest, timestamps[r]);
      }
      long end = i + 1 < groups.size() ? groups.get(i + 1).get(0).offset() : plan.cutoff();
      chunks.add(
          new RecordBatch(
              offsets[0],
              newest,
              offsets.length,
              payloads.get(i),
              List.of(),
              new RecordBatch.Compacted(
                  end, i, groups.size(), plan.toSeqNr(), offsets, timestamps)));
    }
    return chunks;
  }
}
