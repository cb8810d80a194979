package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.saga.TestShop.Order;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, behaviour 6, on a real node: the definition's code that throws parks the instance with
 * the cause in its view, in the reply path and after a refusal (the compensation's command cannot
 * be built), and the instance stays answerable (before: the reply was dropped as unreadable and the
 * step timed out, or the entity crashed and recovered into the same failure).
 */
class ThrowingUserCodeTest {

  @Test
  void throwingDefinitionCodeParksTheInstanceWithTheCause() {
    SagaDefinition<Order> definition =
        SagaDefinition.named("throwing-code", Order.class)
            .step("reserve-stock")
            .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
            .compensateWith(
                TestShop.RELEASE,
                o -> {
                  if (o.id().startsWith("bad-release")) {
                    throw new IllegalStateException("release builder bug");
                  }
                  return new TestShop.Release(o.id());
                })
            .step("charge-payment")
            .invoke(TestShop.CHARGE, o -> new TestShop.Charge(o.id(), o.amount(), o.script()))
            .compensateWith(TestShop.REFUND, o -> new TestShop.Refund(o.id(), o.script()))
            .when(
                o -> {
                  if (o.id().startsWith("bad-when")) {
                    throw new IllegalStateException("condition bug");
                  }
                  return true;
                })
            .build();
    SkaldTestNode node = SkaldTestNode.start();
    try {
      Sagas sagas = Sagas.create(node.skald());
      new TestShop().startParticipants(sagas);
      SagaOrchestrator<Order> orders = sagas.orchestrator(definition);
      orders.start("bad-when-1", new Order("bad-when-1", 10)).toCompletableFuture().join();
      orders
          .start(
              "bad-release-1",
              new Order("bad-release-1", 10, List.of("payments:decline"), null, null))
          .toCompletableFuture()
          .join();
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(20),
          () -> {
            SagaView<Order> when = orders.get("bad-when-1").toCompletableFuture().join().get();
            assertEquals(SagaStatus.PARKED, when.status(), when.history().toString());
            assertTrue(when.reason().contains("the condition threw"), when.reason());
            assertTrue(when.reason().contains("condition bug"), when.reason());
            SagaView<Order> release =
                orders.get("bad-release-1").toCompletableFuture().join().get();
            assertEquals(SagaStatus.PARKED, release.status(), release.history().toString());
            assertTrue(release.reason().contains("release builder bug"), release.reason());
            assertEquals(
                List.of("bad-release-1", "bad-when-1"),
                orders.list(SagaStatus.PARKED).toCompletableFuture().join().stream()
                    .sorted()
                    .toList());
          });
    } finally {
      node.close();
      node.deleteDataDir();
    }
  }
}
