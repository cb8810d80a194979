package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.consumer.RetryPolicy;
import io.skald.saga.TestShop.Order;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, behaviour 9: instances are bounded. An instance snapshots its state, its view keeps the
 * latest transitions only (saying how many it leaves out), and it recovers from its snapshot and
 * the events after it.
 */
class InstanceSnapshotTest {
  record Poll(String orderId) {}

  record Ready(String orderId) {}

  record NotReady(String why) {}

  static final Endpoint<Poll> POLL =
      Endpoint.of("warehouse.poll", "shop-polls", Poll.class)
          .replies(Ready.class)
          .failures(NotReady.class);

  private static final String CONFIG =
      "skald.saga.history-limit = 20\nskald.saga.snapshot-every = 10";

  private static final SagaDefinition<Order> POLLING =
      SagaDefinition.named("polling", Order.class)
          .step("wait-until-ready")
          .invoke(POLL, o -> new Poll(o.id()))
          .retriable()
          .retry(RetryPolicy.exponential(Duration.ofMillis(5), Duration.ofMillis(5), 1.0))
          .build();

  private static final Map<String, AtomicInteger> polls = new ConcurrentHashMap<>();

  private static SagaOrchestrator<Order> start(SkaldTestNode node) {
    Sagas sagas = Sagas.create(node.skald());
    sagas
        .participant("warehouse-polls")
        .on(
            POLL,
            (cmd, ctx) -> {
              int n =
                  polls.computeIfAbsent(cmd.orderId(), k -> new AtomicInteger()).incrementAndGet();
              return CompletableFuture.completedFuture(
                  n < 60 ? new NotReady("poll " + n) : new Ready(cmd.orderId()));
            })
        .start();
    return sagas.orchestrator(POLLING);
  }

  @Test
  void aLongRunningInstanceKeepsABoundedViewAndRecoversFromItsSnapshot() throws IOException {
    Path dir = SkaldTestNode.newDataDir();
    try {
      SagaView<Order> before;
      SkaldTestNode node = SkaldTestNode.start(dir, false, CONFIG);
      try {
        SagaOrchestrator<Order> orders = start(node);
        orders.start("poll-1", new Order("poll-1", 1)).toCompletableFuture().join();
        Await.until(
            node.skald().system(),
            Duration.ofSeconds(30),
            () ->
                assertEquals(
                    SagaStatus.COMPLETED,
                    orders.get("poll-1").toCompletableFuture().join().get().status()));
        before = orders.get("poll-1").toCompletableFuture().join().get();
      } finally {
        node.close();
      }
      // 60 attempts make 120 transitions and more; the view keeps the latest 20
      assertEquals(21, before.history().size(), before.history().toString());
      assertTrue(
          before
              .history()
              .get(0)
              .what()
              .endsWith("earlier transitions not shown (the journal has them)"),
          before.history().get(0).what());
      assertEquals("completed", before.history().get(20).what());
      try (Stream<Path> files = Files.walk(dir.resolve("snapshots"))) {
        assertTrue(
            files.anyMatch(f -> f.getFileName().toString().contains("skald-saga-polling")),
            "the instance wrote snapshots");
      }
      // recovery (snapshot, then the events after it) rebuilds the same view
      SkaldTestNode again = SkaldTestNode.start(dir, false, CONFIG);
      try {
        SagaView<Order> after =
            start(again).get("poll-1").toCompletableFuture().join().orElseThrow();
        assertEquals(before, after);
      } finally {
        again.close();
      }
    } finally {
      SkaldTestNode.deleteRecursively(dir);
    }
  }
}
