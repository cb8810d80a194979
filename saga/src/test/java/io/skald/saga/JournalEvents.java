package io.skald.saga;

import io.skald.testkit.SkaldTestNode;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.Materializer;

/** Reads what the node's journal holds for a persistence id, through its read journal. */
final class JournalEvents {
  private JournalEvents() {}

  static long count(SkaldTestNode node, String persistenceId) {
    CurrentEventsByPersistenceIdQuery reads =
        PersistenceQuery.get(Adapter.toClassic(node.skald().system()))
            .getReadJournalFor(
                CurrentEventsByPersistenceIdQuery.class,
                node.skald()
                    .system()
                    .settings()
                    .config()
                    .getString("skald.framework.persistence.query-plugin-id"));
    return reads
        .currentEventsByPersistenceId(persistenceId, 0, Long.MAX_VALUE)
        .runFold(0L, (n, e) -> n + 1, Materializer.matFromSystem(node.skald().system()))
        .toCompletableFuture()
        .join();
  }
}
