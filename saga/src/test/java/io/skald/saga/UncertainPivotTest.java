package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.saga.TestShop.Order;
import io.skald.saga.testkit.SagaScenario;
import io.skald.saga.testkit.SagaTestKit;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, behaviour 1: once the pivot's command was sent, the saga never turns back on a timeout,
 * an operator's compensate or a throwing reply handler; it retries the pivot with the same
 * idempotency key, or parks.
 */
class UncertainPivotTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  /** reserve (compensatable) → charge (pivot) → ship (retriable). */
  private static SagaDefinition<Order> withPivot(boolean throwingChargeHandler) {
    return SagaDefinition.named("pivot-orders", Order.class)
        .step("reserve-stock")
        .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
        .onReply(TestShop.Reserved.class, (o, r) -> o.withReservation(r.reservationId()))
        .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
        .timeout(TIMEOUT)
        .step("charge-payment")
        .invoke(TestShop.CHARGE, o -> new TestShop.Charge(o.id(), o.amount(), o.script()))
        .onReply(
            TestShop.Charged.class,
            (o, r) -> {
              if (throwingChargeHandler) {
                throw new IllegalStateException("bug in the charge handler");
              }
              return o.withPayment(r.paymentId());
            })
        .pivot()
        .timeout(TIMEOUT)
        .step("ship")
        .invoke(TestShop.SHIP, o -> new TestShop.Ship(o.id(), o.script()))
        .retriable()
        .timeout(TIMEOUT)
        .build();
  }

  private static SagaScenario<Order> atThePivot(SagaDefinition<Order> definition) {
    SagaScenario<Order> saga = SagaTestKit.of(definition).start(new Order("o1", 10));
    saga.expectCommandTo(TestShop.RESERVE).reply(new TestShop.Reserved("r-1"));
    saga.expectCommandTo(TestShop.CHARGE);
    return saga;
  }

  @Test
  void aPivotThatTimesOutParksWithItsOutcomeUnknownAndIsNeverCompensated() {
    SagaScenario<Order> saga = atThePivot(withPivot(false));
    saga.advance(TIMEOUT);
    // before the fix: the stock was released and the saga COMPENSATED with the charge in place
    saga.expectNoCommand().expectStatus(SagaStatus.PARKED);
    assertTrue(saga.view().reason().contains("pivot outcome unknown"), saga.view().reason());
    assertEquals(StepPhase.RUNNING, saga.view().steps().get(1).forward(), "not shown as failed");
    IllegalStateException refused =
        assertThrows(IllegalStateException.class, () -> saga.operator(OperatorAction.COMPENSATE));
    assertTrue(refused.getMessage().contains("the pivot 'charge-payment'"), refused.getMessage());
    // the operator retries: the pivot is sent again (the participant's ledger answers a resend of
    // the same key with its first outcome), and the saga goes on
    saga.operator(OperatorAction.RETRY);
    saga.expectCommandTo(TestShop.CHARGE).reply(new TestShop.Charged("p-1"));
    saga.expectCommandTo(TestShop.SHIP).reply(null);
    saga.expectStatus(SagaStatus.COMPLETED);
  }

  @Test
  void compensateIsRefusedOnceThePivotSucceededOrWhileItIsInFlight() {
    SagaScenario<Order> inFlight = atThePivot(withPivot(false));
    IllegalStateException whileSent =
        assertThrows(
            IllegalStateException.class, () -> inFlight.operator(OperatorAction.COMPENSATE));
    assertTrue(whileSent.getMessage().contains("is in flight"), whileSent.getMessage());

    SagaScenario<Order> passed = atThePivot(withPivot(false));
    passed.reply(new TestShop.Charged("p-1"));
    passed.expectCommandTo(TestShop.SHIP);
    IllegalStateException afterPivot =
        assertThrows(IllegalStateException.class, () -> passed.operator(OperatorAction.COMPENSATE));
    assertTrue(afterPivot.getMessage().contains("has succeeded"), afterPivot.getMessage());
    passed.reply(null).expectStatus(SagaStatus.COMPLETED);
  }

  @Test
  void aPivotWhoseReplyHandlerThrowsIsRecordedAsSucceededAndParks() {
    SagaScenario<Order> saga = atThePivot(withPivot(true));
    saga.reply(new TestShop.Charged("p-1"));
    saga.expectNoCommand().expectStatus(SagaStatus.PARKED);
    // before the fix: the pivot showed FAILED, and compensate released the stock of a paid order
    assertEquals(StepPhase.SUCCEEDED, saga.view().steps().get(1).forward());
    assertTrue(saga.view().reason().contains("succeeded but the handler"), saga.view().reason());
    assertThrows(IllegalStateException.class, () -> saga.operator(OperatorAction.COMPENSATE));
  }

  @Test
  void withoutAPivotTheLastCompensatableStepIsThePointOfNoReturn() {
    SagaDefinition<Order> noPivot = TestShop.threeSteps("no-pivot", TIMEOUT, 3);
    SagaScenario<Order> saga = SagaTestKit.of(noPivot).start(new Order("o2", 10));
    saga.expectCommandTo(TestShop.RESERVE).reply(new TestShop.Reserved("r-2"));
    saga.expectCommandTo(TestShop.CHARGE).reply(new TestShop.Charged("p-2"));
    saga.expectCommandTo(TestShop.SHIP); // the last compensatable step is in flight
    IllegalStateException refused =
        assertThrows(IllegalStateException.class, () -> saga.operator(OperatorAction.COMPENSATE));
    assertTrue(refused.getMessage().contains("step 'ship'"), refused.getMessage());
  }
}
