package io.skald.examples.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.examples.orders.common.OrderLine;
import io.skald.examples.orders.order.OrderEntity;
import io.skald.examples.orders.saga.PlaceOrder;
import io.skald.framework.Skald;
import io.skald.saga.SagaStatus;
import io.skald.saga.SagaView;
import io.skald.saga.internal.runner.SagaInstance;
import io.skald.testkit.Await;
import io.skald.testkit.ClusterTestNode;
import io.skald.testkit.LocalPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.Address;
import org.junit.jupiter.api.Test;

/**
 * The place-order saga on a two-node cluster with a shared PostgreSQL journal: both nodes run the
 * three services and the saga, orders are placed on both, saga instances live on both, and every
 * order ends with the shop's invariants intact.
 */
class TwoNodeOrderSagaTest {

  @Test
  void theOrderSagaCompletesAcrossTwoNodes() throws Exception {
    try (LocalPostgres postgres = LocalPostgres.start()) {
      int port1 = ClusterTestNode.freePort();
      List<Skald> nodes = new ArrayList<>();
      try {
        nodes.add(ClusterTestNode.start(port1, List.of(port1), postgres.jdbcUrl(), ""));
        nodes.add(
            ClusterTestNode.start(
                ClusterTestNode.freePort(), List.of(port1), postgres.jdbcUrl(), ""));
        Shop.Options options = new Shop.Options(Shop.Flow.ORCHESTRATION, 0.0, 0, 7);
        Shop shop1 = Shop.start(nodes.get(0), options);
        Shop shop2 = Shop.start(nodes.get(1), options);

        // The demo places its orders through node 1 and checks the invariants when all ended.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Demo.Result result =
            Demo.run(
                shop1,
                new Demo.Settings(60, 4, 7, false),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                false);
        String report = out.toString(StandardCharsets.UTF_8);
        assertEquals(List.of(), result.violations(), report);
        assertEquals(60, result.outcomes().size(), report);
        assertTrue(result.outcomes().containsValue("CONFIRMED"), report);

        // An order placed through node 2 ends too, and node 1 sees its saga and its order.
        shop2
            .placeOrder(
                "order-from-node-2", "customer-001", List.of(new OrderLine("sku-01", 1, 500)))
            .toCompletableFuture()
            .join();
        Await.until(
            nodes.get(0).system(),
            Duration.ofSeconds(30),
            () -> {
              Optional<SagaView<PlaceOrder.Data>> saga =
                  shop1.placeOrder().get("order-from-node-2").toCompletableFuture().join();
              assertTrue(saga.isPresent());
              assertTrue(
                  saga.get().status() == SagaStatus.COMPLETED
                      || saga.get().status() == SagaStatus.COMPENSATED,
                  saga.get().toString());
            });
        OrderEntity.Status status =
            shop1.order("order-from-node-2").toCompletableFuture().join().status();
        assertTrue(
            status == OrderEntity.Status.CONFIRMED || status == OrderEntity.Status.REJECTED,
            "order status " + status);

        // The saga instances were spread over both nodes by sharding.
        Map<Address, Integer> shards =
            ClusterTestNode.shardsByNode(nodes.get(0), SagaInstance.typeKey("place-order"));
        assertEquals(2, shards.size(), "saga shards per node: " + shards);
        shards.forEach((address, count) -> assertTrue(count > 0, address + " hosts no saga shard"));
      } finally {
        ClusterTestNode.closeAll(nodes);
      }
    }
  }
}
