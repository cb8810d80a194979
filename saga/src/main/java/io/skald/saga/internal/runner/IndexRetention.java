package io.skald.saga.internal.runner;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Materializer;

/**
 * INTERNAL API: what a {@link SagaIndex}'s retention round reads of the index's own events: the
 * finished instances past the instances' retention, and how far the summaries are past theirs. Both
 * read in order and stop at the first event too young, so each event is read about once per
 * purpose. The streams touch nothing of the index's state: the index decides on their results.
 */
final class IndexRetention {
  private IndexRetention() {}

  /**
   * The finished instances named by events past the retention.
   *
   * @param due their ids (an id may repeat; one in flight again is filtered by the index)
   * @param upTo the last event read whose instances are all in {@code due}
   */
  record Due(List<String> due, long upTo) {}

  /**
   * Reads events from {@code from} to {@code to} while they are at most {@code cutoff} old, up to
   * about {@code batch} instances (whole events). Events written before times (at 0) are older than
   * any that follows, so they are due when a later one is.
   *
   * @param system the actor system
   * @param persistenceId the index's persistence id
   * @param from the first event
   * @param to the last event
   * @param cutoff the latest time due, epoch millis
   * @param batch the most instances
   * @return what is due
   */
  static CompletionStage<Due> readDue(
      ActorSystem<?> system, String persistenceId, long from, long to, long cutoff, int batch) {
    List<String> due = new ArrayList<>();
    long[] upTo = {0};
    List<SagaIndex.Updated> undated = new ArrayList<>();
    return IndexQueries.readJournal(system)
        .currentEventsByPersistenceId(persistenceId, from, to)
        .takeWhile(
            envelope ->
                due.size() < batch
                    && (!(envelope.event() instanceof SagaIndex.Updated u) || u.at() <= cutoff))
        .runForeach(
            envelope -> {
              if (!(envelope.event() instanceof SagaIndex.Updated updated)) {
                upTo[0] = envelope.sequenceNr();
                return;
              }
              if (updated.at() == 0) {
                undated.add(updated);
                return;
              }
              undated.forEach(earlier -> finished(earlier, due));
              undated.clear();
              finished(updated, due);
              upTo[0] = envelope.sequenceNr();
            },
            Materializer.matFromSystem(system))
        .thenApply(done -> new Due(due, upTo[0]));
  }

  private static void finished(SagaIndex.Updated updated, List<String> due) {
    for (int i = 0; i < updated.ids().size(); i++) {
      if (updated.statuses().get(i).terminal()) {
        due.add(updated.ids().get(i));
      }
    }
  }

  /**
   * The last event from {@code from} to {@code bound} older than {@code cutoff}, in order.
   *
   * @param system the actor system
   * @param persistenceId the index's persistence id
   * @param from the first event
   * @param bound the last event that may be deleted
   * @param cutoff the latest time that may be deleted, epoch millis
   * @return the last such event, or 0
   */
  static CompletionStage<Long> readSummaries(
      ActorSystem<?> system, String persistenceId, long from, long bound, long cutoff) {
    long[] upTo = {0};
    return IndexQueries.readJournal(system)
        .currentEventsByPersistenceId(persistenceId, from, bound)
        .takeWhile(e -> !(e.event() instanceof SagaIndex.Updated u) || u.at() <= cutoff)
        .runForeach(e -> upTo[0] = e.sequenceNr(), Materializer.matFromSystem(system))
        .thenApply(done -> upTo[0]);
  }
}
