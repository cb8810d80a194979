package io.skald.examples.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.Skald;
import io.skald.saga.Endpoint;
import io.skald.saga.SagaDefinition;
import io.skald.saga.SagaOrchestrator;
import io.skald.saga.SagaStatus;
import io.skald.saga.SagaView;
import io.skald.saga.Sagas;
import io.skald.testkit.Await;
import io.skald.testkit.ClusterTestNode;
import io.skald.testkit.LocalCluster;
import io.skald.testkit.LocalPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A rolling deploy of a saga's second version on a two-node cluster (PostgreSQL journal): while one
 * node still runs only version 1 and the other runs both, instances start with the newest version
 * of the node that hosts them, and every one finishes under its own version's steps; then the old
 * node is rolled too, and new instances all run version 2.
 */
class RollingDeployTest {

  record Order(String id) {}

  record Reserve(String orderId) {}

  record Release(String orderId) {}

  record Check(String orderId) {}

  record Uncheck(String orderId) {}

  record Charge(String orderId) {}

  static final Endpoint<Reserve> RESERVE =
      Endpoint.of("rolling.reserve", "rolling-stock", Reserve.class);
  static final Endpoint<Release> RELEASE =
      Endpoint.of("rolling.release", "rolling-stock", Release.class);
  static final Endpoint<Check> CHECK = Endpoint.of("rolling.check", "rolling-checks", Check.class);
  static final Endpoint<Uncheck> UNCHECK =
      Endpoint.of("rolling.uncheck", "rolling-checks", Uncheck.class);
  static final Endpoint<Charge> CHARGE =
      Endpoint.of("rolling.charge", "rolling-payments", Charge.class);

  static final SagaDefinition<Order> V1 =
      SagaDefinition.named("rolling-orders", Order.class)
          .step("reserve")
          .invoke(RESERVE, o -> new Reserve(o.id()))
          .compensateWith(RELEASE, o -> new Release(o.id()))
          .step("charge")
          .invoke(CHARGE, o -> new Charge(o.id()))
          .pivot()
          .build();

  /** Version 2 checks each order between the reservation and the charge. */
  static final SagaDefinition<Order> V2 =
      SagaDefinition.named("rolling-orders", Order.class)
          .version(2)
          .step("reserve")
          .invoke(RESERVE, o -> new Reserve(o.id()))
          .compensateWith(RELEASE, o -> new Release(o.id()))
          .step("check")
          .invoke(CHECK, o -> new Check(o.id()))
          .compensateWith(UNCHECK, o -> new Uncheck(o.id()))
          .step("charge")
          .invoke(CHARGE, o -> new Charge(o.id()))
          .pivot()
          .build();

  private final Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();

  private int effects(String orderId, String what) {
    AtomicInteger n = effects.get(orderId + ":" + what);
    return n == null ? 0 : n.get();
  }

  private CompletableFuture<Object> count(String orderId, String what) {
    effects.computeIfAbsent(orderId + ":" + what, k -> new AtomicInteger()).incrementAndGet();
    return CompletableFuture.completedFuture(null);
  }

  /** The services of a node; {@code checks} only where the new version's code is deployed. */
  private SagaOrchestrator<Order> deploy(Skald node, boolean newVersion) {
    Sagas sagas = Sagas.create(node);
    sagas
        .participant("rolling-stock")
        .on(RESERVE, (cmd, ctx) -> count(cmd.orderId(), "reserve"))
        .on(RELEASE, (cmd, ctx) -> count(cmd.orderId(), "release"))
        .start();
    sagas
        .participant("rolling-payments")
        .on(CHARGE, (cmd, ctx) -> count(cmd.orderId(), "charge"))
        .start();
    if (newVersion) {
      sagas
          .participant("rolling-checks")
          .on(CHECK, (cmd, ctx) -> count(cmd.orderId(), "check"))
          .on(UNCHECK, (cmd, ctx) -> count(cmd.orderId(), "uncheck"))
          .start();
      return sagas.orchestrator(List.of(V1, V2));
    }
    return sagas.orchestrator(V1);
  }

  @Test
  void bothVersionsFinishDuringARollingDeployAndAfterIt() throws Exception {
    try (LocalPostgres postgres = LocalPostgres.start()) {
      List<Skald> nodes = new ArrayList<>();
      try {
        int port1 = ClusterTestNode.freePort();
        int port2 = ClusterTestNode.freePort();
        nodes.add(ClusterTestNode.start(port1, List.of(port1), postgres.jdbcUrl(), ""));
        nodes.add(ClusterTestNode.start(port2, List.of(port1), postgres.jdbcUrl(), ""));
        Await.until(
            nodes.get(0).system(),
            Duration.ofSeconds(30),
            () -> assertEquals(2, LocalCluster.upMembers(nodes.get(0))));
        SagaOrchestrator<Order> old = deploy(nodes.get(0), false);
        SagaOrchestrator<Order> upgraded = deploy(nodes.get(1), true);

        // during the roll: orders through both nodes
        List<String> during = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
          String id = "during-" + i;
          during.add(id);
          (i % 2 == 0 ? old : upgraded).start(id, new Order(id)).toCompletableFuture().join();
        }
        Set<Integer> versions = new TreeSet<>();
        for (String id : during) {
          SagaView<Order> view = awaitCompleted(nodes.get(1), upgraded, id);
          versions.add(view.version());
          assertEquals(1, effects(id, "reserve"), id);
          assertEquals(1, effects(id, "charge"), id);
          assertEquals(
              view.version() == 2 ? 1 : 0, effects(id, "check"), id + " v" + view.version());
        }
        assertEquals(
            Set.of(1, 2), versions, "each host started its orders with its newest version");

        // the old node is rolled
        nodes.remove(0).close();
        nodes.add(0, ClusterTestNode.start(port1, List.of(port2), postgres.jdbcUrl(), ""));
        Await.until(
            nodes.get(1).system(),
            Duration.ofSeconds(30),
            () -> assertEquals(2, LocalCluster.upMembers(nodes.get(1))));
        SagaOrchestrator<Order> rolled = deploy(nodes.get(0), true);
        for (int i = 0; i < 10; i++) {
          String id = "after-" + i;
          (i % 2 == 0 ? rolled : upgraded).start(id, new Order(id)).toCompletableFuture().join();
        }
        for (int i = 0; i < 10; i++) {
          String id = "after-" + i;
          SagaView<Order> view = awaitCompleted(nodes.get(0), rolled, id);
          assertEquals(2, view.version(), id);
          assertEquals(1, effects(id, "check"), id);
        }
        Await.until(
            nodes.get(0).system(),
            Duration.ofSeconds(20),
            () -> assertEquals(Map.of(), rolled.versionsInFlight().toCompletableFuture().join()));
        assertTrue(
            effects.keySet().stream().noneMatch(k -> k.endsWith(":release")), effects.toString());
      } finally {
        ClusterTestNode.closeAll(nodes);
      }
    }
  }

  private static SagaView<Order> awaitCompleted(
      Skald node, SagaOrchestrator<Order> saga, String id) {
    Await.until(
        node.system(),
        Duration.ofSeconds(30),
        () ->
            assertEquals(
                SagaStatus.COMPLETED,
                saga.get(id).toCompletableFuture().join().orElseThrow().status(),
                id));
    return saga.get(id).toCompletableFuture().join().orElseThrow();
  }
}
