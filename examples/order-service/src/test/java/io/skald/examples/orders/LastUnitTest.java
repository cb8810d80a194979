package io.skald.examples.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skald.examples.orders.common.OrderLine;
import io.skald.examples.orders.inventory.Warehouse;
import io.skald.examples.orders.order.OrderEntity;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two orders compete for the last unit of a SKU. The first reserves it, then its payment is
 * declined. The second, placed while the unit is reserved, finds the SKU out of stock: it queues on
 * the SKU's semantic lock instead of being rejected, and gets the unit when the first order's saga
 * has compensated. Without the lock it would have been rejected for stock that came back.
 */
class LastUnitTest {

  @Test
  void theSecondOrderWaitsForTheLastUnitAndGetsItWhenTheFirstIsRejected() {
    SkaldTestNode node = SkaldTestNode.start();
    try {
      // every handler takes 300 ms, so the first order holds the unit while the second arrives
      Shop shop = Shop.start(node.skald(), new Shop.Options(Shop.Flow.ORCHESTRATION, 0.0, 300, 7));
      shop.addStock("lamp", 1).toCompletableFuture().join();
      shop.openCustomer("broke", 0).toCompletableFuture().join();
      shop.openCustomer("ada", 10_000).toCompletableFuture().join();
      List<OrderLine> lamp = List.of(new OrderLine("lamp", 1, 2_500));

      shop.placeOrder("o-broke", "broke", lamp).toCompletableFuture().join();
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(20),
          () -> assertEquals(1, stock(shop).reserved(), "the first order holds the last unit"));
      shop.placeOrder("o-ada", "ada", lamp).toCompletableFuture().join();

      Await.until(
          node.skald().system(),
          Duration.ofSeconds(30),
          () -> {
            assertEquals(OrderEntity.Status.REJECTED, status(shop, "o-broke"));
            assertEquals(OrderEntity.Status.CONFIRMED, status(shop, "o-ada"));
          });
      assertEquals(
          "insufficient credit", shop.order("o-broke").toCompletableFuture().join().reason());
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(20),
          () ->
              assertEquals(
                  new Warehouse.Stock(0, 0, 1),
                  stock(shop),
                  "sold once, to the order that waited"));
    } finally {
      node.close();
      node.deleteDataDir();
    }
  }

  private static Warehouse.Stock stock(Shop shop) {
    return shop.stock("lamp").toCompletableFuture().join().orElseThrow();
  }

  private static OrderEntity.Status status(Shop shop, String orderId) {
    return shop.order(orderId).toCompletableFuture().join().status();
  }
}
