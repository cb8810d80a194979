package io.skald.framework.internal.log;

import io.skald.framework.Stages;
import java.util.concurrent.atomic.AtomicLong;
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

  PartitionReader(
      CurrentEventsByPersistenceIdQuery reads,
      String persistenceId,
      ActorSystem<?> system,
      Logger log) {
    this.reads = reads;
    this.persistenceId = persistenceId;
    this.system = system;
    this.log = log;
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
    AtomicLong records = new AtomicLong();
    AtomicLong bytes = new AtomicLong();
    Stages.inline(
            batches(fromSeqNr, toSeqNr, compacted)
                .filter(batch -> batch.endOffset() > fetch.fromOffset())
                .takeWhile(
                    batch ->
                        records.get() == 0
                            || (records.get() < fetch.maxRecords() && bytes.get() < maxBytes))
                .map(
                    batch -> {
                      records.addAndGet(batch.count());
                      bytes.addAndGet(batch.payload().length);
                      return batch;
                    })
                .runWith(Sink.seq(), system))
        .whenComplete(
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
                fetch
                    .replyTo()
                    .tell(
                        new PartitionProtocol.Fetched(
                            fetch.fetchId(), fetch.fromOffset(), batches, logStart, logEnd));
              }
            });
  }

  /** Finds the first batch appended at or after the time; answers with its offset or the end. */
  void offsetForTimestamp(PartitionState state, PartitionProtocol.OffsetForTimestamp query) {
    long logStart = state.logStartOffset();
    long logEnd = state.nextOffset();
    Stages.inline(
            batches(state.seqNrBeforeTimestamp(query.timestamp()), state.lastSeqNr(), false)
                .filter(
                    batch -> batch.timestamp() >= query.timestamp() && batch.endOffset() > logStart)
                .take(1)
                .runWith(Sink.headOption(), system))
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
