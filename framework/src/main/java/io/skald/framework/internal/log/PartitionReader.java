package io.skald.framework.internal.log;

import io.skald.framework.Stages;
import io.skald.framework.internal.journal.LeveldbDirectReads;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;

/**
 * INTERNAL API: the reads of a partition that go to the journal (offsets older than the tail cache,
 * and the search by time). Each runs as a stream outside the partition actor and answers the
 * requester directly; the partition passes in a snapshot of the bounds it needs.
 */
final class PartitionReader {
  private final CurrentEventsByPersistenceIdQuery reads;
  private final String persistenceId;
  private final ActorSystem<?> system;
  private final Logger log;
  private final org.apache.pekko.actor.ActorSystem classic;
  private final java.util.concurrent.Executor blocking;

  PartitionReader(
      CurrentEventsByPersistenceIdQuery reads,
      String persistenceId,
      ActorSystem<?> system,
      Logger log) {
    this.reads = reads;
    this.persistenceId = persistenceId;
    this.system = system;
    this.log = log;
    this.classic = org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system);
    this.blocking =
        system.dispatchers().lookup(org.apache.pekko.actor.typed.DispatcherSelector.blocking());
  }

  /** Appended batches, or compaction chunks, in a range of sequence numbers. */
  private Source<RecordBatch, ?> batches(long fromSeqNr, long toSeqNr, boolean compacted) {
    // Truncation events and compaction chunks share the journal with the appended batches.
    return reads
        .currentEventsByPersistenceId(persistenceId, fromSeqNr, toSeqNr)
        .filter(
            envelope ->
                envelope.event() instanceof RecordBatch batch
                    && (batch.compacted() != null) == compacted)
        .map(envelope -> (RecordBatch) envelope.event());
  }

  /**
   * The batches of a fetch: from its offset on, at least one, then while under its limits. Used by
   * one read at a time.
   */
  private static final class Window {
    final long fromOffset;
    final int maxRecords;
    final int maxBytes;
    long records;
    long bytes;

    Window(long fromOffset, int maxRecords, int maxBytes) {
      this.fromOffset = fromOffset;
      this.maxRecords = maxRecords;
      this.maxBytes = maxBytes;
    }

    boolean wanted(RecordBatch batch) {
      return batch.endOffset() > fromOffset;
    }

    boolean room(RecordBatch batch) {
      return records == 0 || (records < maxRecords && bytes < maxBytes);
    }

    RecordBatch take(RecordBatch batch) {
      records += batch.count();
      bytes += batch.payload().length;
      return batch;
    }

    /** For a direct read: 1 take it, 0 skip it, -1 stop (the window is full). */
    int offer(RecordBatch batch) {
      if (!wanted(batch)) {
        return 0;
      }
      if (!room(batch)) {
        return -1;
      }
      take(batch);
      return 1;
    }
  }

  /**
   * Receives the batches of a direct read: 1 to take one, 0 to skip it, -1 to stop before it, 2 to
   * take it and stop.
   */
  private interface BatchVisitor {
    int accept(RecordBatch batch);
  }

  /**
   * Batches (or compaction chunks) read straight from the embedded LevelDB journal on a blocking
   * thread, outside the journal actor and in parallel with other reads; with another journal (or
   * one closing), through the read journal's stream.
   */
  private CompletionStage<List<RecordBatch>> readBatches(
      long fromSeqNr,
      long toSeqNr,
      boolean compacted,
      BatchVisitor visitor,
      java.util.function.Supplier<CompletionStage<List<RecordBatch>>> generic) {
    Optional<LeveldbDirectReads> direct = LeveldbDirectReads.of(classic);
    if (direct.isEmpty()) {
      return Stages.inline(generic.get());
    }
    List<RecordBatch> out = new ArrayList<>();
    return CompletableFuture.supplyAsync(
            () ->
                direct
                    .get()
                    .read(
                        persistenceId,
                        fromSeqNr,
                        toSeqNr,
                        (seqNr, event) -> {
                          if (!(event instanceof RecordBatch batch)
                              || (batch.compacted() != null) != compacted) {
                            return true; // truncations, and the other kind of batch
                          }
                          int verdict = visitor.accept(batch);
                          if (verdict > 0) {
                            out.add(batch);
                          }
                          return verdict == 0 || verdict == 1;
                        }),
            blocking)
        .thenCompose(
            completed ->
                completed
                    ? CompletableFuture.completedFuture(List.copyOf(out))
                    : Stages.inline(generic.get()));
  }

  /**
   * Reads whole batches from the fetch's offset, up to its limits, and answers the fetcher. Below
   * the end of the last compaction the batches are its chunks.
   */
  void fetch(PartitionState state, PartitionProtocol.Fetch fetch, int maxBytes) {
    long logStart = state.logStartOffset();
    long logEnd = state.nextOffset();
    boolean compacted = fetch.fromOffset() < state.compactedEnd();
    long fromSeqNr =
        compacted
            ? state.chunkSeqNrFor(fetch.fromOffset())
            : state.seqNrAtOrBefore(fetch.fromOffset());
    long toSeqNr = compacted ? state.lastChunkSeqNr() : state.lastSeqNr();
    Window window = new Window(fetch.fromOffset(), FilteredFetch.scanRecords(fetch), maxBytes);
    CompletionStage<List<RecordBatch>> read =
        readBatches(
            fromSeqNr,
            toSeqNr,
            compacted,
            window::offer,
            () ->
                batches(fromSeqNr, toSeqNr, compacted)
                    .filter(window::wanted)
                    .takeWhile(window::room)
                    .map(window::take)
                    .runWith(Sink.seq(), system));
    read.whenComplete(
        (batches, error) -> {
          if (error != null) {
            log.warn(
                "reading {} from offset {} failed; the fetcher will retry",
                persistenceId,
                fetch.fromOffset(),
                error);
          } else if (!compacted
              && !batches.isEmpty()
              && batches.get(0).baseOffset() > fetch.fromOffset()) {
            // A compaction deleted the batches this read wanted while it ran: no answer, and
            // the fetcher's retry is served from the compaction's chunks.
            log.debug(
                "{}: offset {} was compacted during a read", persistenceId, fetch.fromOffset());
          } else if (!batches.isEmpty()) {
            fetch.replyTo().tell(FilteredFetch.answer(fetch, batches, logStart, logEnd));
          }
        });
  }

  /** Finds the first batch appended at or after the time; answers with its offset or the end. */
  void offsetForTimestamp(PartitionState state, PartitionProtocol.OffsetForTimestamp query) {
    long logStart = state.logStartOffset();
    long logEnd = state.nextOffset();
    long fromSeqNr = state.seqNrBeforeTimestamp(query.timestamp());
    long toSeqNr = state.lastSeqNr();
    java.util.function.Predicate<RecordBatch> matches =
        batch -> batch.timestamp() >= query.timestamp() && batch.endOffset() > logStart;
    readBatches(
            fromSeqNr,
            toSeqNr,
            false,
            batch -> matches.test(batch) ? 2 : 0,
            () ->
                batches(fromSeqNr, toSeqNr, false)
                    .filter(matches::test)
                    .take(1)
                    .runWith(Sink.seq(), system))
        .thenApply(batches -> batches.stream().findFirst())
        .whenComplete(
            (found, error) -> {
              if (error != null) {
                log.warn("{}: finding the offset for a time failed", persistenceId, error);
              } else {
                query
                    .replyTo()
                    .tell(
                        new PartitionProtocol.OffsetFound(
                            found.map(b -> Math.max(b.baseOffset(), logStart)).orElse(logEnd)));
              }
            });
  }
}
