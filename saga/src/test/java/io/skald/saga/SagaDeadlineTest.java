package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.consumer.RetryPolicy;
import io.skald.saga.TestShop.Order;
import io.skald.saga.testkit.SagaChecker;
import io.skald.saga.testkit.SagaScenario;
import io.skald.saga.testkit.SagaTestKit;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Saga deadlines under the test kit's virtual clock: the whole saga compensates or parks when it
 * runs out of time, once, and past its point of no return it parks; the checker explores a step
 * still in flight at the deadline.
 */
class SagaDeadlineTest {

  /** Reserve (1 s timeout, 3 attempts 500 ms apart), charge (the pivot), ship (retriable). */
  static SagaDefinition<Order> bounded(String name, SagaDeadline.Action action) {
    return reserveAndCharge(name)
        .step("ship")
        .invoke(TestShop.SHIP, o -> new TestShop.Ship(o.id(), o.script()))
        .retriable()
        .deadline(Duration.ofMillis(2_500), action)
        .build();
  }

  private static SagaDefinition.Steps<Order> reserveAndCharge(String name) {
    return SagaDefinition.named(name, Order.class)
        .step("reserve-stock")
        .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
        .onReply(TestShop.Reserved.class, (o, r) -> o.withReservation(r.reservationId()))
        .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
        .timeout(Duration.ofSeconds(1))
        .retry(
            RetryPolicy.exponential(Duration.ofMillis(500), Duration.ofMillis(500), 1.0)
                .withMaxAttempts(3))
        .step("charge-payment")
        .invoke(TestShop.CHARGE, o -> new TestShop.Charge(o.id(), o.amount(), o.script()))
        .onReply(TestShop.Charged.class, (o, r) -> o.withPayment(r.paymentId()))
        .timeout(Duration.ofSeconds(10))
        .pivot();
  }

  @Test
  void aDeadlineFiringDuringARetryCompensatesTheStepInFlightToo() {
    SagaScenario<Order> saga =
        SagaTestKit.of(bounded("bounded", SagaDeadline.Action.COMPENSATE))
            .start(new Order("d1", 10));
    assertNotNull(saga.view().deadline());
    saga.expectCommandTo(TestShop.RESERVE).expectNoCommand(); // unanswered
    saga.advance(Duration.ofMillis(1_500)); // timed out, retried after 500 ms
    saga.expectCommandTo(TestShop.RESERVE).expectNoCommand();
    saga.advance(Duration.ofMillis(1_000)); // 2.5 s: the saga's deadline, attempt 2 in flight
    // the reservation may have happened: it is released
    saga.expectCompensationTo(TestShop.RELEASE).reply(null);
    saga.expectStatus(SagaStatus.COMPENSATED).expectNoCommand();
    SagaView<Order> view = saga.view();
    assertTrue(view.deadlinePassed());
    assertTrue(view.history().stream().anyMatch(h -> h.what().equals("saga deadline passed")));
    assertTrue(
        saga.history().contains("compensating: the saga deadline of PT2.5S passed"),
        saga.history().toString());
    // a late reply of the abandoned attempt changes nothing
    assertEquals(false, saga.lateReply("reserve-stock", 2, new TestShop.Reserved("r-late")));
  }

  @Test
  void aParkingDeadlineParksOnTheRunningStepOnceAndAnOperatorGoesOn() {
    SagaScenario<Order> saga =
        SagaTestKit.of(bounded("bounded-park", SagaDeadline.Action.PARK))
            .start(new Order("d2", 10));
    saga.expectCommandTo(TestShop.RESERVE).reply(new TestShop.Reserved("r-2"));
    saga.expectCommandTo(TestShop.CHARGE).expectNoCommand();
    saga.advance(Duration.ofMillis(2_500));
    saga.expectStatus(SagaStatus.PARKED);
    assertEquals("the saga deadline of PT2.5S passed", saga.view().reason());
    // the operator retries: the charge goes out again, and the deadline does not fire twice
    saga.operator(OperatorAction.RETRY);
    saga.expectCommandTo(TestShop.CHARGE).reply(new TestShop.Charged("p-2"));
    saga.expectCommandTo(TestShop.SHIP);
    saga.advance(Duration.ofSeconds(5));
    saga.expectStatus(SagaStatus.RUNNING);
  }

  @Test
  void pastThePivotACompensatingDeadlineParksInstead() {
    SagaScenario<Order> saga =
        SagaTestKit.of(bounded("bounded-pivot", SagaDeadline.Action.COMPENSATE))
            .start(new Order("d3", 10));
    saga.expectCommandTo(TestShop.RESERVE).reply(new TestShop.Reserved("r-3"));
    saga.expectCommandTo(TestShop.CHARGE).expectNoCommand(); // the pivot is in flight
    saga.advance(Duration.ofMillis(2_500));
    saga.expectStatus(SagaStatus.PARKED);
    assertTrue(
        saga.view().reason().contains("the pivot 'charge-payment' is in flight"),
        saga.view().reason());
    saga.operator(OperatorAction.RETRY);
    saga.expectCommandTo(TestShop.CHARGE).reply(new TestShop.Charged("p-3"));
    saga.expectCommandTo(TestShop.SHIP).reply(null);
    saga.expectStatus(SagaStatus.COMPLETED);
    // a crash replays DeadlinePassed: the saga stays completed and sends nothing
    saga.crash().expectNoCommand().expectStatus(SagaStatus.COMPLETED);
  }

  @Test
  void theCheckerExploresAStepInFlightAtTheDeadline() {
    for (SagaDeadline.Action action : SagaDeadline.Action.values()) {
      SagaChecker.Report report =
          SagaTestKit.of(
                  reserveAndCharge("bounded-check")
                      .deadline(Duration.ofMillis(2_500), action)
                      .build())
              .checker()
              .succeedsWith(TestShop.RESERVE, c -> new TestShop.Reserved("r-" + c.orderId()))
              .failsWith(TestShop.RESERVE, c -> new TestShop.OutOfStock(c.orderId()))
              .succeedsWith(TestShop.CHARGE, c -> new TestShop.Charged("p-" + c.orderId()))
              .failsWith(TestShop.CHARGE, c -> new TestShop.Declined("no credit"))
              .check(new Order("o", 10));
      assertTrue(report.compensated() > 0 && report.completed() > 0, report.toString());
    }
  }

  @Test
  void aDeadlineIsCheckedWhenTheDefinitionIsBuiltAndDrawn() {
    InvalidSagaDefinitionException zero =
        assertThrows(
            InvalidSagaDefinitionException.class,
            () ->
                SagaDefinition.named("zero", Order.class)
                    .step("a")
                    .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
                    .deadline(Duration.ZERO, SagaDeadline.Action.PARK));
    assertTrue(zero.getMessage().contains("deadline must be positive"), zero.getMessage());
    InvalidSagaDefinitionException twice =
        assertThrows(
            InvalidSagaDefinitionException.class,
            () ->
                SagaDefinition.named("twice", Order.class)
                    .deadline(Duration.ofMinutes(1), SagaDeadline.Action.PARK)
                    .deadline(Duration.ofMinutes(2), SagaDeadline.Action.PARK));
    assertTrue(twice.getMessage().contains("twice"), twice.getMessage());
    String diagram = bounded("drawn", SagaDeadline.Action.COMPENSATE).toMermaid();
    assertTrue(diagram.contains("deadline{{\"saga deadline PT2.5S: compensate\"}}"), diagram);
    assertTrue(diagram.contains("deadline -. passed .-> compensated"), diagram);
    assertTrue(diagram.contains("deadline -. passed after the pivot .-> parked"), diagram);
  }
}
