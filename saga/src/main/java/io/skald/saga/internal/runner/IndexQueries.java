package io.skald.saga.internal.runner;

import io.skald.saga.SagaStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * INTERNAL API: the summaries query of a {@link SagaIndex}: instances in flight from the index's
 * memory, finished ones read from the index's own events (from the time mark before the range, a
 * bounded number of events per page), so that no query holds more than its page.
 */
final class IndexQueries {
  private IndexQueries() {}

  /** The most index events one query page reads (a page may then hold fewer than its limit). */
  static final int MAX_SCAN = 2_000;

  /** A page of instances in flight, from memory (the index holds every one), by time then id. */
  static SagaIndex.Page inFlight(SagaIndex.State state, SagaIndex.Query query) {
    long afterAt = Long.MIN_VALUE;
    String afterId = "";
    if (query.after() != null) {
      String[] cursor = query.after().split(":", 3);
      if (cursor.length != 3 || !cursor[0].equals("m")) {
        return new SagaIndex.Page(List.of(), null, "not a cursor of this query: " + query.after());
      }
      try {
        afterAt = Long.parseLong(cursor[1]);
      } catch (NumberFormatException e) {
        return new SagaIndex.Page(List.of(), null, "not a cursor of this query: " + query.after());
      }
      afterId = cursor[2];
    }
    List<SagaIndex.Summary> matching = new ArrayList<>();
    for (Map.Entry<String, SagaStatus> e : state.statuses().entrySet()) {
      String id = e.getKey();
      long at = state.since().getOrDefault(id, 0L);
      int version = state.versions().getOrDefault(id, 1);
      if (e.getValue() == query.status()
          && (query.version() == 0 || version == query.version())
          && at >= query.from()
          && at <= query.to()
          && (at > afterAt || (at == afterAt && id.compareTo(afterId) > 0))) {
        matching.add(new SagaIndex.Summary(id, e.getValue(), version, at, false));
      }
    }
    matching.sort(
        java.util.Comparator.comparingLong(SagaIndex.Summary::at)
            .thenComparing(SagaIndex.Summary::sagaId));
    if (matching.size() <= query.limit()) {
      return new SagaIndex.Page(matching, null, null);
    }
    List<SagaIndex.Summary> page = List.copyOf(matching.subList(0, query.limit()));
    SagaIndex.Summary last = page.get(page.size() - 1);
    return new SagaIndex.Page(page, "m:" + last.at() + ":" + last.sagaId(), null);
  }

  /**
   * A page of finished instances, read from the index's own events (the summaries) from the mark
   * before the query's start, a bounded number of events per page: nothing but the page is held.
   */
  static void scan(
      ActorSystem<?> system, String persistenceId, SagaIndex.State state, SagaIndex.Query query) {
    long fromSeq;
    int fromPos = 0;
    if (query.after() != null) {
      String[] cursor = query.after().split(":");
      try {
        if (cursor.length != 3 || !cursor[0].equals("j")) {
          throw new NumberFormatException();
        }
        fromSeq = Math.max(1, Long.parseLong(cursor[1]));
        fromPos = Math.max(0, Integer.parseInt(cursor[2]));
      } catch (NumberFormatException e) {
        query
            .replyTo()
            .tell(
                new SagaIndex.Page(
                    List.of(), null, "not a cursor of this query: " + query.after()));
        return;
      }
    } else {
      Map.Entry<Long, Long> mark = state.marks().floorEntry(query.from());
      fromSeq = mark == null ? 1 : mark.getValue();
    }
    long swept = state.sweptUpTo();
    int startPos = fromPos;
    long startSeq = fromSeq;
    ScanPage page = new ScanPage(query.limit());
    readJournal(system)
        .currentEventsByPersistenceId(persistenceId, fromSeq, Long.MAX_VALUE)
        .take(MAX_SCAN)
        .takeWhile(envelope -> !page.done)
        .runForeach(
            envelope -> {
              long seq = envelope.sequenceNr();
              page.lastSeq = seq;
              page.scanned++;
              if (!(envelope.event() instanceof SagaIndex.Updated updated)) {
                return;
              }
              if (updated.at() > query.to()) {
                page.end();
                return;
              }
              int first = seq == startSeq ? startPos : 0;
              for (int i = first; i < updated.ids().size() && !page.done; i++) {
                SagaStatus status = updated.statuses().get(i);
                if (status == query.status()
                    && (query.version() == 0 || updated.version(i) == query.version())
                    && updated.at() >= query.from()) {
                  page.add(
                      new SagaIndex.Summary(
                          updated.ids().get(i),
                          status,
                          updated.version(i),
                          updated.at(),
                          seq <= swept),
                      "j:" + seq + ":" + (i + 1));
                }
              }
            },
            org.apache.pekko.stream.Materializer.matFromSystem(system))
        .whenComplete(
            (done, error) -> {
              if (error != null) {
                query
                    .replyTo()
                    .tell(
                        new SagaIndex.Page(List.of(), null, "reading the index failed: " + error));
              } else {
                query.replyTo().tell(page.result());
              }
            });
  }

  /** What a scan collected; touched only by the scan's stream. */
  private static final class ScanPage {
    private final int limit;
    private final List<SagaIndex.Summary> items = new ArrayList<>();
    private String cursor;
    private boolean done;
    private boolean ended;
    private long lastSeq;
    private int scanned;

    ScanPage(int limit) {
      this.limit = limit;
    }

    void add(SagaIndex.Summary summary, String next) {
      items.add(summary);
      if (items.size() == limit) {
        cursor = next;
        done = true;
      }
    }

    void end() {
      ended = true;
      done = true;
    }

    SagaIndex.Page result() {
      if (ended) {
        return new SagaIndex.Page(List.copyOf(items), null, null);
      }
      if (cursor != null) {
        return new SagaIndex.Page(List.copyOf(items), cursor, null);
      }
      // the scan stopped at its bound or at the journal's end: go on after the last event read
      return new SagaIndex.Page(
          List.copyOf(items), scanned < MAX_SCAN ? null : "j:" + (lastSeq + 1) + ":0", null);
    }
  }

  /**
   * The read journal of the index's own events (the summaries).
   *
   * @param system the actor system
   * @return the query plugin configured for Skald's journal
   */
  static org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery readJournal(
      ActorSystem<?> system) {
    return org.apache.pekko.persistence.query.PersistenceQuery.get(
            org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system))
        .getReadJournalFor(
            org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery.class,
            system.settings().config().getString("skald.framework.persistence.query-plugin-id"));
  }
}
