package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.saga.TestShop.Order;
import io.skald.saga.TestShop.Release;
import io.skald.saga.TestShop.Reserve;
import io.skald.saga.TestShop.Reserved;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 20, retention: finished instances are deleted from the journal after {@code
 * skald.saga.retention.instances}; the index keeps their summaries, which a paged query by status,
 * time and version reads without loading them all.
 */
class SagaRetentionTest {

  private static final int SAGAS = 10_000;

  private static SagaDefinition<Order> oneStep(String name) {
    return SagaDefinition.named(name, Order.class)
        .step("reserve-stock")
        .invoke(TestShop.RESERVE, o -> new Reserve(o.id(), o.script()))
        .onReply(Reserved.class, (o, r) -> o.withReservation(r.reservationId()))
        .compensateWith(TestShop.RELEASE, o -> new Release(o.id()))
        .timeout(Duration.ofSeconds(20))
        .build();
  }

  @Test
  void tenThousandFinishedSagasAreDeletedAfterRetentionAndTheJournalShrinks() throws Exception {
    Path dataDir = SkaldTestNode.newDataDir();
    // first run: retention off, 10,000 sagas complete
    SkaldTestNode first =
        SkaldTestNode.start(
            dataDir,
            false,
            String.join(
                "\n",
                "skald.saga.retention.instances = off",
                // one ledger bucket for the service, so its journal is one persistence id here
                "skald.saga.participant.ledger-buckets = 1",
                "skald.saga.participant.ledger-grace = 1s"));
    Instant began = Instant.now();
    List<String> sample = List.of("r-0", "r-1", "r-4999", "r-9998", "r-9999");
    long before;
    try {
      Sagas sagas = Sagas.create(first.skald());
      new TestShop().startParticipants(sagas);
      SagaOrchestrator<Order> orders = sagas.orchestrator(oneStep("retained"));
      Semaphore inFlight = new Semaphore(400);
      List<CompletableFuture<Boolean>> started = new ArrayList<>();
      for (int i = 0; i < SAGAS; i++) {
        inFlight.acquire();
        String id = "r-" + i;
        started.add(
            orders
                .start(id, new Order(id, 1))
                .toCompletableFuture()
                .whenComplete((ok, error) -> inFlight.release()));
      }
      CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).join();
      Await.until(
          first.skald().system(),
          Duration.ofSeconds(120),
          () -> assertEquals((long) SAGAS, completed(orders)));
      // the instances' journals hold their events
      for (String id : sample) {
        assertTrue(events(first, "skald-saga-retained|" + id) > 0, id);
      }
      // the participant's deduplication records: 20,000 written (a key and an end per saga),
      // forgotten a grace period after each saga ended, and deleted from its journal with each
      // snapshot (what is left: the events after the older of the two snapshots kept)
      // (the deletions follow each snapshot asynchronously, and the last sagas' end markers may
      // still be arriving)
      Await.until(
          first.skald().system(),
          Duration.ofSeconds(30),
          () -> {
            long ledger = events(first, "skald-saga-ledger|inventory~0");
            assertTrue(ledger < 3_500, "ledger events left: " + ledger);
          });
    } finally {
      first.close();
    }
    before = size(dataDir.resolve("journal"));

    // second run on the same data: retention 2 s, so every instance is past it
    SkaldTestNode node =
        SkaldTestNode.start(
            dataDir,
            false,
            String.join(
                "\n",
                "skald.saga.retention.instances = 2s",
                "skald.saga.retention.check-interval = 300ms",
                "skald.saga.retention.batch = 4000"));
    try {
      // Skald's meters are in a composite registry: a backend (here an in-memory one) reads them
      node.skald()
          .meterRegistry()
          .add(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
      Sagas sagas = Sagas.create(node.skald());
      new TestShop().startParticipants(sagas);
      SagaOrchestrator<Order> orders = sagas.orchestrator(oneStep("retained"));

      // past the retention, every finished instance's journal goes
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(90),
          () -> {
            for (String id : sample) {
              assertEquals(0, events(node, "skald-saga-retained|" + id), id);
            }
          });
      assertTrue(orders.get("r-0").toCompletableFuture().join().isEmpty());

      // the summaries stay: all 10,000, a page at a time, each marked deleted
      Set<String> listed = new HashSet<>();
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(60),
          () -> {
            listed.clear();
            SagaQuery query = SagaQuery.of(SagaStatus.COMPLETED).limit(1_000);
            int pages = 0;
            int items = 0;
            boolean allDeleted = true;
            while (query != null) {
              SagaPage page = orders.query(query).toCompletableFuture().join();
              pages++;
              items += page.items().size();
              for (SagaSummary s : page.items()) {
                listed.add(s.sagaId());
                allDeleted &= s.deleted();
                assertEquals(1, s.version());
                assertFalse(s.at().isBefore(began.minusSeconds(1)), s.toString());
              }
              query = page.hasNext() ? query.after(page.next()) : null;
            }
            assertEquals(SAGAS, listed.size());
            assertEquals(SAGAS, items, "each instance's end is summarized once");
            assertTrue(pages >= 10, "pages: " + pages);
            assertTrue(allDeleted);
          });
      // retention's work is visible as a metric (refreshed from the index every few seconds)
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(20),
          () ->
              assertEquals(
                  (double) SAGAS,
                  node.skald()
                      .meterRegistry()
                      .get("skald.saga.retention.deleted")
                      .tag("saga", "retained")
                      .gauge()
                      .value(),
                  "completed gauge "
                      + node.skald()
                          .meterRegistry()
                          .get("skald.saga.instances")
                          .tag("saga", "retained")
                          .tag("status", "COMPLETED")
                          .gauge()
                          .value()));
      // the counts stay exact
      assertEquals((long) SAGAS, completed(orders));
      // a time range before the run finds nothing; a version that never ran finds nothing
      assertTrue(
          orders
              .query(
                  SagaQuery.of(SagaStatus.COMPLETED)
                      .between(began.minusSeconds(3600), began.minusSeconds(60)))
              .toCompletableFuture()
              .join()
              .items()
              .isEmpty());
      assertTrue(
          orders
              .query(SagaQuery.of(SagaStatus.COMPLETED).ofVersion(7))
              .toCompletableFuture()
              .join()
              .items()
              .isEmpty());
      // a cursor of another query is a clear error, not a hang
      CompletionException bad =
          assertThrows(
              CompletionException.class,
              () ->
                  orders
                      .query(SagaQuery.of(SagaStatus.COMPLETED).after("nonsense"))
                      .toCompletableFuture()
                      .join());
      assertTrue(bad.getCause() instanceof IllegalArgumentException, bad.toString());

    } finally {
      node.close(); // the journal waits for its compactions as it closes
    }
    try {
      // and the journal on disk is smaller (both measured closed): the deleted range was compacted
      long after = size(dataDir.resolve("journal"));
      System.out.printf(
          "retention: journal %,d bytes with %,d finished sagas, %,d bytes after deletion%n",
          before, SAGAS, after);
      assertTrue(after < before, "journal " + before + " bytes, then " + after);
    } finally {
      SkaldTestNode.deleteRecursively(dataDir);
    }
  }

  @Test
  void runningInstancesAreQueriedByTimeAndAreNeverDeleted() {
    SkaldTestNode node =
        SkaldTestNode.start(
            SkaldTestNode.newDataDir(),
            false,
            String.join(
                "\n",
                "skald.saga.retention.instances = 1s",
                "skald.saga.retention.check-interval = 200ms"));
    try {
      Sagas sagas = Sagas.create(node.skald());
      // no participants: the instances wait for their first reply
      SagaOrchestrator<Order> orders = sagas.orchestrator(oneStep("waiting"));
      Instant began = Instant.now();
      for (int i = 0; i < 5; i++) {
        orders.start("w-" + i, new Order("w-" + i, 1)).toCompletableFuture().join();
      }
      List<String> ids = new ArrayList<>();
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(20),
          () -> {
            ids.clear();
            SagaQuery query = SagaQuery.of(SagaStatus.RUNNING).limit(2).between(began, null);
            while (query != null) {
              SagaPage page = orders.query(query).toCompletableFuture().join();
              page.items().forEach(s -> ids.add(s.sagaId()));
              query = page.hasNext() ? query.after(page.next()) : null;
            }
            assertEquals(5, ids.size(), ids.toString());
          });
      assertEquals(5, new HashSet<>(ids).size());
      // well past the retention, the running ones are all still there
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(20),
          () -> {
            for (int i = 0; i < 5; i++) {
              assertTrue(orders.get("w-" + i).toCompletableFuture().join().isPresent());
            }
            assertTrue(Instant.now().isAfter(began.plusSeconds(3)));
          });
      assertEquals(
          5,
          orders
              .query(SagaQuery.of(SagaStatus.RUNNING).between(null, Instant.now()))
              .toCompletableFuture()
              .join()
              .items()
              .size());
    } finally {
      node.close();
      node.deleteDataDir();
    }
  }

  @Test
  void summariesPastTheirOwnRetentionAreDeletedTooAndTheCountsStay() {
    SkaldTestNode node =
        SkaldTestNode.start(
            SkaldTestNode.newDataDir(),
            false,
            String.join(
                "\n",
                "skald.saga.retention.instances = 1s",
                "skald.saga.retention.summaries = 2s",
                "skald.saga.retention.check-interval = 200ms",
                "skald.saga.index-snapshot-every = 2"));
    try {
      Sagas sagas = Sagas.create(node.skald());
      new TestShop().startParticipants(sagas);
      SagaOrchestrator<Order> orders = sagas.orchestrator(oneStep("summarized"));
      for (int i = 0; i < 10; i++) {
        orders.start("old-" + i, new Order("old-" + i, 1)).toCompletableFuture().join();
      }
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(30),
          () -> assertEquals(10L, completed(orders)));
      assertTrue(summaries(orders).contains("old-0"), "listed while younger than its retention");
      String index = "skald-saga-index|summarized";
      long written = events(node, index);
      // later sagas keep the index writing (and snapshotting) while the old summaries age
      int[] next = {0};
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(30),
          () -> {
            String id = "new-" + next[0]++;
            orders.start(id, new Order(id, 1)).toCompletableFuture().join();
            Set<String> listed = summaries(orders);
            for (int i = 0; i < 10; i++) {
              assertFalse(listed.contains("old-" + i), "old-" + i + " still summarized");
            }
          });
      assertTrue(events(node, index) < written + next[0] * 2L, "the index's journal was cut");
      // the counts stay exact: the index counts what it no longer lists
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(10),
          () -> assertEquals(10L + next[0], completed(orders)));
    } finally {
      node.close();
      node.deleteDataDir();
    }
  }

  @Test
  void aChoreographysFinishedTrackersAreDeletedToo() {
    SkaldTestNode node =
        SkaldTestNode.start(
            SkaldTestNode.newDataDir(),
            false,
            String.join(
                "\n",
                "skald.saga.retention.instances = 1s",
                "skald.saga.retention.check-interval = 200ms"));
    try {
      Sagas sagas = Sagas.create(node.skald());
      SagaDefinition<Order> flow = TestShop.threeSteps("retained-flow", Duration.ofSeconds(5), 3);
      new TestShop().startParticipants(sagas, flow);
      SagaChoreography<Order> orders = sagas.choreography(flow);
      for (int i = 0; i < 3; i++) {
        orders.start("f-" + i, new Order("f-" + i, 10)).toCompletableFuture().join();
      }
      Await.until(
          node.skald().system(), Duration.ofSeconds(30), () -> assertEquals(3L, completed(orders)));
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(30),
          () -> {
            for (int i = 0; i < 3; i++) {
              assertEquals(0, events(node, "skald-flow-retained-flow|f-" + i), "f-" + i);
            }
          });
      assertTrue(orders.get("f-0").toCompletableFuture().join().isEmpty());
      Set<String> listed = new HashSet<>();
      SagaPage page = orders.query(SagaQuery.of(SagaStatus.COMPLETED)).toCompletableFuture().join();
      page.items()
          .forEach(
              summary -> {
                assertTrue(summary.deleted(), summary.toString());
                listed.add(summary.sagaId());
              });
      assertEquals(Set.of("f-0", "f-1", "f-2"), listed);
    } finally {
      node.close();
      node.deleteDataDir();
    }
  }

  private static Set<String> summaries(SagaOrchestrator<Order> orders) {
    Set<String> ids = new HashSet<>();
    SagaQuery query = SagaQuery.of(SagaStatus.COMPLETED).limit(1_000);
    while (query != null) {
      SagaPage page = orders.query(query).toCompletableFuture().join();
      page.items().forEach(s -> ids.add(s.sagaId()));
      query = page.hasNext() ? query.after(page.next()) : null;
    }
    return ids;
  }

  @Test
  void invalidRetentionSettingsAreRefusedNamingTheKey() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                io.skald.saga.internal.SagaRetention.from(
                    com.typesafe.config.ConfigFactory.parseString(
                            "skald.saga.retention.instances = soon")
                        .withFallback(com.typesafe.config.ConfigFactory.load())));
    assertTrue(e.getMessage().contains("skald.saga.retention.instances"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                io.skald.saga.internal.SagaRetention.from(
                    com.typesafe.config.ConfigFactory.parseString(
                            "skald.saga.retention { instances = 30d, summaries = 1d }")
                        .withFallback(com.typesafe.config.ConfigFactory.load())));
    assertTrue(e.getMessage().contains("summaries"), e.getMessage());
  }

  /** How many instances of a saga its index counts completed (also after retention). */
  private static long completed(SagaRunner<?> runner) {
    return runner.counts().toCompletableFuture().join().getOrDefault(SagaStatus.COMPLETED, 0L);
  }

  private static long events(SkaldTestNode node, String persistenceId) {
    return JournalEvents.count(node, persistenceId);
  }

  private static long size(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(Files::isRegularFile)
          .mapToLong(
              f -> {
                try {
                  return Files.size(f);
                } catch (IOException e) {
                  return 0; // removed by a compaction meanwhile
                }
              })
          .sum();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
