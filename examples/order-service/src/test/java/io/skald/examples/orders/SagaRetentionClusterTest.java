package io.skald.examples.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.Skald;
import io.skald.saga.Endpoint;
import io.skald.saga.SagaDefinition;
import io.skald.saga.SagaOrchestrator;
import io.skald.saga.SagaPage;
import io.skald.saga.SagaQuery;
import io.skald.saga.SagaStatus;
import io.skald.saga.SagaSummary;
import io.skald.saga.Sagas;
import io.skald.testkit.Await;
import io.skald.testkit.ClusterTestNode;
import io.skald.testkit.LocalCluster;
import io.skald.testkit.LocalPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.Materializer;
import org.junit.jupiter.api.Test;

/**
 * Child sagas and retention on a two-node cluster (PostgreSQL journal): parents started through
 * both nodes fan out to children hosted anywhere, all complete, and past the retention every
 * parent's and child's journal is deleted from the shared database while their summaries stay.
 */
class SagaRetentionClusterTest {

  record Basket(String id, List<Line> lines) {}

  record Line(String id) {}

  record Reserve(String lineId) {}

  record Release(String lineId) {}

  static final Endpoint<Reserve> RESERVE =
      Endpoint.of("retained.reserve", "retained-stock", Reserve.class);
  static final Endpoint<Release> RELEASE =
      Endpoint.of("retained.release", "retained-stock", Release.class);

  static final SagaDefinition<Line> LINE =
      SagaDefinition.named("retained-line", Line.class)
          .step("reserve")
          .invoke(RESERVE, l -> new Reserve(l.id()))
          .compensateWith(RELEASE, l -> new Release(l.id()))
          .build();

  static final SagaDefinition<Basket> BASKET =
      SagaDefinition.named("retained-basket", Basket.class)
          .startChildren("lines", LINE, Basket::lines)
          .timeout(Duration.ofSeconds(30))
          .build();

  private static Sagas deploy(Skald node) {
    Sagas sagas = Sagas.create(node);
    sagas
        .participant("retained-stock")
        .on(RESERVE, (cmd, ctx) -> CompletableFuture.completedFuture(null))
        .on(RELEASE, (cmd, ctx) -> CompletableFuture.completedFuture(null))
        .start();
    sagas.orchestrator(BASKET); // registers the child saga too
    return sagas;
  }

  @Test
  void parentsAndChildrenAreDeletedFromTheSharedJournalAndTheirSummariesStay() {
    try (LocalPostgres postgres = LocalPostgres.start()) {
      List<Skald> nodes =
          ClusterTestNode.startCluster(
              postgres.jdbcUrl(),
              2,
              String.join(
                  "\n",
                  "skald.saga.retention.instances = 2s",
                  "skald.saga.retention.check-interval = 300ms"));
      try {
        Await.until(
            nodes.get(0).system(),
            Duration.ofSeconds(30),
            () -> assertEquals(2, LocalCluster.upMembers(nodes.get(0))));
        List<Sagas> modules = List.of(deploy(nodes.get(0)), deploy(nodes.get(1)));
        List<SagaOrchestrator<Basket>> baskets =
            List.of(modules.get(0).orchestrator(BASKET), modules.get(1).orchestrator(BASKET));
        SagaOrchestrator<Line> lines = modules.get(1).orchestrator(LINE);
        for (int i = 0; i < 10; i++) {
          String id = "b" + i;
          baskets
              .get(i % 2)
              .start(id, new Basket(id, List.of(new Line(id + "-a"), new Line(id + "-b"))))
              .toCompletableFuture()
              .join();
        }
        SagaOrchestrator<Basket> any = baskets.get(0);
        Await.until(
            nodes.get(0).system(),
            Duration.ofSeconds(60),
            () -> {
              for (int i = 0; i < 10; i++) {
                String id = "b" + i;
                // past the retention the parent is gone (get asks its entity, which recovers from
                // the shared journal), and so are its two children
                assertTrue(any.get(id).toCompletableFuture().join().isEmpty(), id);
                for (int c = 0; c < 2; c++) {
                  String child = id + ":lines:" + c;
                  assertTrue(lines.get(child).toCompletableFuture().join().isEmpty(), child);
                  assertEquals(0, events(nodes.get(1), "skald-saga-retained-line|" + child));
                }
                assertEquals(0, events(nodes.get(1), "skald-saga-retained-basket|" + id));
              }
            });
        // what is left: a summary of each, on either node
        for (SagaOrchestrator<Basket> runner : baskets) {
          Set<String> ids = new HashSet<>();
          SagaPage page =
              runner.query(SagaQuery.of(SagaStatus.COMPLETED)).toCompletableFuture().join();
          for (SagaSummary s : page.items()) {
            assertTrue(s.deleted(), s.toString());
            ids.add(s.sagaId());
          }
          assertEquals(10, ids.size(), ids.toString());
        }
        List<String> children = new ArrayList<>();
        lines
            .query(SagaQuery.of(SagaStatus.COMPLETED))
            .toCompletableFuture()
            .join()
            .items()
            .forEach(s -> children.add(s.sagaId()));
        assertEquals(20, children.size(), children.toString());
      } finally {
        ClusterTestNode.closeAll(nodes);
      }
    }
  }

  private static long events(Skald node, String persistenceId) {
    CurrentEventsByPersistenceIdQuery reads =
        PersistenceQuery.get(Adapter.toClassic(node.system()))
            .getReadJournalFor(
                CurrentEventsByPersistenceIdQuery.class,
                node.system()
                    .settings()
                    .config()
                    .getString("skald.framework.persistence.query-plugin-id"));
    return reads
        .currentEventsByPersistenceId(persistenceId, 0, Long.MAX_VALUE)
        .runFold(0L, (n, e) -> n + 1, Materializer.matFromSystem(node.system()))
        .toCompletableFuture()
        .join();
  }
}
