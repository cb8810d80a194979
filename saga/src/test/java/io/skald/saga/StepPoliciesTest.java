package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.consumer.RetryPolicy;
import io.skald.framework.producer.ProducerSettings;
import io.skald.saga.TestShop.Order;
import io.skald.saga.internal.SagaHeaders;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Retriable steps, conditions, parallel steps, and duplicated replies, on a real node. */
class StepPoliciesTest {
  private static SkaldTestNode node;
  private static TestShop shop;
  private static SagaOrchestrator<Order> fulfil;
  private static SagaOrchestrator<Order> parallel;
  private static SagaOrchestrator<Order> bounded;

  @BeforeAll
  static void start() {
    node = SkaldTestNode.start();
    Skald skald = node.skald();
    Sagas sagas = Sagas.create(skald);
    shop = new TestShop();
    shop.startParticipants(sagas);
    fulfil =
        sagas.orchestrator(
            SagaDefinition.named("fulfil", Order.class)
                .step("reserve-stock")
                .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
                .onReply(TestShop.Reserved.class, (o, r) -> o.withReservation(r.reservationId()))
                .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
                .step("charge-payment")
                .invoke(TestShop.CHARGE, o -> new TestShop.Charge(o.id(), o.amount(), o.script()))
                .onReply(TestShop.Charged.class, (o, r) -> o.withPayment(r.paymentId()))
                .when(o -> o.amount() > 0)
                .pivot()
                .step("ship")
                .invoke(TestShop.SHIP, o -> new TestShop.Ship(o.id(), o.script()))
                .retriable()
                .retry(
                    RetryPolicy.exponential(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0)
                        .withMaxAttempts(Integer.MAX_VALUE))
                .build());
    bounded =
        sagas.orchestrator(
            SagaDefinition.named("bounded-order", Order.class)
                .step("reserve-stock")
                .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
                .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
                .step("charge-payment")
                .invoke(TestShop.CHARGE, o -> new TestShop.Charge(o.id(), o.amount(), o.script()))
                .compensateWith(TestShop.REFUND, o -> new TestShop.Refund(o.id(), o.script()))
                .timeout(Duration.ofMillis(300))
                .retry(
                    RetryPolicy.exponential(Duration.ofMillis(200), Duration.ofMillis(200), 1.0)
                        .withMaxAttempts(20))
                .step("ship")
                .invoke(TestShop.SHIP, o -> new TestShop.Ship(o.id(), o.script()))
                .compensateWith(TestShop.CANCEL_SHIPMENT, o -> new TestShop.CancelShipment(o.id()))
                .deadline(Duration.ofMillis(1_200), SagaDeadline.Action.COMPENSATE)
                .build());
    parallel =
        sagas.orchestrator(
            SagaDefinition.named("parallel-order", Order.class)
                .parallel("prepare")
                .branch("reserve-stock")
                .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
                .onReply(TestShop.Reserved.class, (o, r) -> o.withReservation(r.reservationId()))
                .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
                .branch("charge-payment")
                .invoke(TestShop.CHARGE, o -> new TestShop.Charge(o.id(), o.amount(), o.script()))
                .onReply(TestShop.Charged.class, (o, r) -> o.withPayment(r.paymentId()))
                .compensateWith(TestShop.REFUND, o -> new TestShop.Refund(o.id(), o.script()))
                .join()
                .step("ship")
                .invoke(TestShop.SHIP, o -> new TestShop.Ship(o.id(), o.script()))
                .compensateWith(TestShop.CANCEL_SHIPMENT, o -> new TestShop.CancelShipment(o.id()))
                .build());
  }

  @AfterAll
  static void stop() {
    node.close();
    node.deleteDataDir();
  }

  private static SagaView<Order> awaitStatus(
      SagaOrchestrator<Order> saga, String id, SagaStatus status) {
    Await.until(
        node.skald().system(),
        Duration.ofSeconds(20),
        () -> assertEquals(status, saga.get(id).toCompletableFuture().join().get().status()));
    return saga.get(id).toCompletableFuture().join().get();
  }

  @Test
  void aRetriableStepIsRetriedWithBackoffAndThenSucceeds() {
    fulfil.start("f-busy", new Order("f-busy", 10, "shipping:busy-2")).toCompletableFuture().join();
    SagaView<Order> view = awaitStatus(fulfil, "f-busy", SagaStatus.COMPLETED);
    List<String> attempts =
        view.history().stream()
            .filter(h -> "ship".equals(h.step()) && h.what().startsWith("attempt"))
            .map(SagaView.HistoryEntry::what)
            .toList();
    assertEquals(3, attempts.size(), attempts.toString());
    assertEquals("attempt 1", attempts.get(0));
    assertTrue(attempts.get(1).matches("attempt 2 after \\d+ ms"), attempts.toString());
    assertTrue(attempts.get(2).matches("attempt 3 after \\d+ ms"), attempts.toString());
    assertEquals(1, shop.effects("f-busy", "ship:do"));
  }

  @Test
  void aSagaDeadlineFiringDuringARetryCompensates() {
    // the payment answers after 1.5 s: its attempts time out after 300 ms and are retried until
    // the saga's deadline, 1.2 s after the start, turns it back
    bounded.start("b-slow", new Order("b-slow", 10, "payments:slow")).toCompletableFuture().join();
    SagaView<Order> view = awaitStatus(bounded, "b-slow", SagaStatus.COMPENSATED);
    assertTrue(view.deadlinePassed());
    assertTrue(view.deadline() != null);
    assertTrue(
        view.history().stream().anyMatch(h -> h.what().equals("saga deadline passed")),
        view.history().toString());
    assertEquals("the saga deadline of PT1.2S passed", view.reason());
    assertTrue(
        view.history().stream()
            .anyMatch(h -> "charge-payment".equals(h.step()) && h.what().startsWith("attempt 2")),
        "the deadline fell during the retries: " + view.history());
    // the charge may have happened (it did, late): refunded; the reservation released
    assertEquals(List.of("charge-payment", "reserve-stock"), view.compensatedSteps());
    assertEquals(1, shop.effects("b-slow", "reserve-stock:undo"));
  }

  @Test
  void aStepWhoseConditionIsFalseIsSkipped() {
    fulfil.start("f-free", new Order("f-free", 0)).toCompletableFuture().join();
    SagaView<Order> view = awaitStatus(fulfil, "f-free", SagaStatus.COMPLETED);
    assertEquals(StepPhase.SKIPPED, view.steps().get(1).forward());
    assertEquals(0, shop.effects("f-free", "charge-payment:do"));
    assertEquals(1, shop.effects("f-free", "ship:do"));
  }

  @Test
  void parallelBranchesRunTogetherAndTheCompletedOnesAreCompensatedTogether() {
    parallel.start("p-ok", new Order("p-ok", 10)).toCompletableFuture().join();
    SagaView<Order> ok = awaitStatus(parallel, "p-ok", SagaStatus.COMPLETED);
    assertEquals("r-p-ok", ok.data().reservation());
    assertEquals("p-p-ok", ok.data().payment());

    parallel
        .start("p-refused", new Order("p-refused", 10, "shipping:refuse"))
        .toCompletableFuture()
        .join();
    SagaView<Order> refused = awaitStatus(parallel, "p-refused", SagaStatus.COMPENSATED);
    assertEquals(Set.of("reserve-stock", "charge-payment"), Set.copyOf(refused.compensatedSteps()));

    parallel
        .start("p-declined", new Order("p-declined", 10, "payments:decline"))
        .toCompletableFuture()
        .join();
    SagaView<Order> declined = awaitStatus(parallel, "p-declined", SagaStatus.COMPENSATED);
    // the refused branch did nothing; its sibling (done or still running) is undone
    assertEquals(List.of("reserve-stock"), declined.compensatedSteps());
    assertEquals(0, shop.effects("p-declined", "charge-payment:undo"));
    assertEquals(
        shop.effects("p-declined", "reserve-stock:do"),
        shop.effects("p-declined", "reserve-stock:undo"));
  }

  @Test
  void aDuplicatedReplyDoesNotChangeTheOutcome() {
    fulfil.start("f-dup", new Order("f-dup", 10)).toCompletableFuture().join();
    SagaView<Order> done = awaitStatus(fulfil, "f-dup", SagaStatus.COMPLETED);
    // a participant's reply to the first step, delivered again (and a stray one for the pivot)
    var producer = node.skald().producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    for (String step : List.of("reserve-stock", "charge-payment")) {
      boolean first = step.equals("reserve-stock");
      producer
          .send(
              "fulfil.replies",
              "f-dup",
              first ? "{\"reservationId\":\"other\"}" : "{\"paymentId\":\"other\"}",
              Map.of(
                  SagaHeaders.SAGA,
                  "fulfil",
                  SagaHeaders.ID,
                  "f-dup",
                  SagaHeaders.STEP,
                  step,
                  SagaHeaders.DIRECTION,
                  SagaHeaders.DO,
                  SagaHeaders.KEY,
                  SagaHeaders.key("fulfil", "f-dup", step, false),
                  SagaHeaders.TYPE,
                  (first ? TestShop.Reserved.class : TestShop.Charged.class).getName()))
          .toCompletableFuture()
          .join();
    }
    Await.until(
        node.skald().system(),
        Duration.ofSeconds(10),
        () ->
            assertEquals(
                0,
                node
                    .skald()
                    .admin()
                    .lag("skald-saga.fulfil", "fulfil.replies")
                    .toCompletableFuture()
                    .join()
                    .stream()
                    .mapToLong(l -> l.lag())
                    .sum()));
    SagaView<Order> after = fulfil.get("f-dup").toCompletableFuture().join().get();
    assertEquals(SagaStatus.COMPLETED, after.status());
    assertEquals("r-f-dup", after.data().reservation());
    assertEquals(done.history().size(), after.history().size());
  }
}
