package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.Skald;
import io.skald.saga.TestShop.Order;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OrchestrationTest {
  private static SkaldTestNode node;
  private static TestShop shop;
  private static SagaOrchestrator<Order> orders;

  @BeforeAll
  static void start() {
    node = SkaldTestNode.start();
    Skald skald = node.skald();
    Sagas sagas = Sagas.create(skald);
    shop = new TestShop();
    shop.startParticipants(sagas);
    orders = sagas.orchestrator(TestShop.threeSteps("orders", Duration.ofMillis(700), 10));
  }

  @AfterAll
  static void stop() {
    node.close();
    node.deleteDataDir();
  }

  private static SagaView<Order> awaitStatus(String id, SagaStatus status) {
    Await.until(
        node.skald().system(),
        Duration.ofSeconds(20),
        () -> assertEquals(status, orders.get(id).toCompletableFuture().join().get().status()));
    return orders.get(id).toCompletableFuture().join().get();
  }

  private static void start(Order order) {
    assertTrue(orders.start(order.id(), order).toCompletableFuture().join());
  }

  @Test
  void aThreeStepSagaCompletes() {
    start(new Order("o-ok", 30));
    SagaView<Order> view = awaitStatus("o-ok", SagaStatus.COMPLETED);
    assertEquals(List.of("reserve-stock", "charge-payment", "ship"), view.succeededSteps());
    assertEquals("r-o-ok", view.data().reservation());
    assertEquals("p-o-ok", view.data().payment());
    assertEquals(1, shop.effects("o-ok", "reserve-stock:do"));
    assertEquals(1, shop.effects("o-ok", "charge-payment:do"));
    assertEquals(1, shop.effects("o-ok", "ship:do"));
    assertEquals(List.of(), view.compensatedSteps());
    // starting the same id again does nothing
    assertEquals(false, orders.start("o-ok", new Order("o-ok", 99)).toCompletableFuture().join());
  }

  @Test
  void aFailureAtStepTwoCompensatesStepOneOnly() {
    start(new Order("o-declined", 30, "payments:decline"));
    SagaView<Order> view = awaitStatus("o-declined", SagaStatus.COMPENSATED);
    assertEquals(List.of("reserve-stock"), view.compensatedSteps());
    assertEquals(1, shop.effects("o-declined", "reserve-stock:undo"));
    assertEquals(0, shop.effects("o-declined", "charge-payment:do"));
    assertEquals(0, shop.effects("o-declined", "charge-payment:undo"));
    assertEquals(0, shop.effects("o-declined", "ship:do"));
    assertTrue(view.reason().contains("charge-payment"), view.reason());
  }

  @Test
  void aFailureAtStepThreeCompensatesTwoThenOne() {
    start(new Order("o-refused", 30, "shipping:refuse"));
    SagaView<Order> view = awaitStatus("o-refused", SagaStatus.COMPENSATED);
    assertEquals(List.of("charge-payment", "reserve-stock"), view.compensatedSteps());
    assertEquals(
        List.of("o-refused:charge-payment", "o-refused:reserve-stock"),
        shop.compensations.stream().filter(c -> c.startsWith("o-refused:")).toList());
    assertEquals(0, shop.effects("o-refused", "ship:undo"));
  }

  @Test
  void aTimedOutStepIsCompensatedAndItsLateReplyChangesNothing() {
    // payments answers after 1.5 s; the step times out after 0.7 s
    start(new Order("o-slow", 30, "payments:slow"));
    SagaView<Order> view = awaitStatus("o-slow", SagaStatus.COMPENSATED);
    assertTrue(view.reason().contains("timed out"), view.reason());
    // the timed-out charge may have happened (it did, late): it is refunded, then stock released
    assertEquals(List.of("charge-payment", "reserve-stock"), view.compensatedSteps());
    assertEquals(1, shop.effects("o-slow", "charge-payment:do"));
    assertEquals(1, shop.effects("o-slow", "charge-payment:undo"));
    assertEquals(0, shop.effects("o-slow", "ship:do"));
    int events = view.history().size();
    // the late reply (and anything else) arriving now does not move the saga
    Await.until(
        node.skald().system(),
        Duration.ofSeconds(10),
        () ->
            assertEquals(
                0,
                node
                    .skald()
                    .admin()
                    .lag("skald-saga.orders", "orders.replies")
                    .toCompletableFuture()
                    .join()
                    .stream()
                    .mapToLong(l -> l.lag())
                    .sum()));
    SagaView<Order> after = orders.get("o-slow").toCompletableFuture().join().get();
    assertEquals(SagaStatus.COMPENSATED, after.status());
    assertEquals(events, after.history().size());
  }

  @Test
  void aCompensationThatFailsThreeTimesIsRetriedUntilItSucceeds() {
    start(new Order("o-flaky-refund", 30, "shipping:refuse", "payments:refund-fails-3"));
    SagaView<Order> view = awaitStatus("o-flaky-refund", SagaStatus.COMPENSATED);
    assertEquals(List.of("charge-payment", "reserve-stock"), view.compensatedSteps());
    long refundAttempts =
        view.history().stream()
            .filter(
                h ->
                    "charge-payment".equals(h.step())
                        && h.what().startsWith("compensation attempt"))
            .count();
    assertEquals(4, refundAttempts);
    assertEquals(1, shop.effects("o-flaky-refund", "charge-payment:undo"));
  }

  @Test
  void aCompensationThatAlwaysFailsParksAndTheOperatorRetriesAfterTheFix() {
    shop.brokenRefunds.add("o-broken");
    start(new Order("o-broken", 30, "shipping:refuse"));
    SagaView<Order> parked = awaitStatus("o-broken", SagaStatus.PARKED);
    assertTrue(parked.reason().contains("compensation failed 10 times"), parked.reason());
    assertEquals(List.of(), parked.compensatedSteps());
    assertEquals(
        List.of("o-broken"),
        orders.list(SagaStatus.PARKED).toCompletableFuture().join().stream()
            .filter(id -> id.equals("o-broken"))
            .toList());
    // skip and retry need a parked saga; an unknown one refuses, and the stage fails with the
    // IllegalStateException itself (never a CompletionException around it)
    Throwable refused =
        orders.retry("o-ok-never-started").handle((view, e) -> e).toCompletableFuture().join();
    assertTrue(refused instanceof IllegalStateException, String.valueOf(refused));
    assertTrue(refused.getMessage().contains("unknown"), refused.getMessage());

    // the fix, then the operator's retry
    shop.brokenRefunds.remove("o-broken");
    orders.retry("o-broken").toCompletableFuture().join();
    SagaView<Order> view = awaitStatus("o-broken", SagaStatus.COMPENSATED);
    assertEquals(List.of("charge-payment", "reserve-stock"), view.compensatedSteps());
    assertEquals(1, shop.effects("o-broken", "charge-payment:undo"));
    assertTrue(
        view.history().stream().anyMatch(h -> h.what().equals("resumed by an operator: retry")));
  }
}
