package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.consumer.RetryPolicy;
import io.skald.saga.TestShop.Order;
import io.skald.saga.testkit.SagaChecker;
import io.skald.saga.testkit.SagaScenario;
import io.skald.saga.testkit.SagaTestKit;
import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.Test;

class SagaTestKitTest {
  private static final SagaDefinition<Order> ORDERS =
      TestShop.threeSteps("kit-orders", Duration.ofSeconds(5), 3);

  @Test
  void aScenarioPlaysTheParticipants() {
    // #saga-testing-scenario
    SagaScenario<Order> saga = SagaTestKit.of(ORDERS).start(new Order("o1", 10));

    TestShop.Reserve reserve = saga.expectCommand(TestShop.RESERVE); // the command, to inspect
    assertEquals("o1", reserve.orderId());
    saga.reply(new TestShop.Reserved("r-1")).duplicateLastReply(); // fails if the saga acts on it
    saga.expectCommandTo(TestShop.CHARGE).reply(new TestShop.Declined("no credit"));
    saga.expectCompensationTo(TestShop.RELEASE).reply(null); // null: a plain acknowledgement
    saga.expectNoCommand().expectStatus(SagaStatus.COMPENSATED);
    // #saga-testing-scenario
    assertEquals("r-1", saga.data().reservation());
  }

  @Test
  void virtualTimeTimesOutAndRetriesCompensations() {
    SagaScenario<Order> saga = SagaTestKit.of(ORDERS).start(new Order("o2", 10));
    saga.expectCommandTo(TestShop.RESERVE).reply(new TestShop.Reserved("r-2"));
    // #saga-testing-time
    saga.expectCommandTo(TestShop.CHARGE).expectNoCommand();
    saga.advance(Duration.ofSeconds(5)); // the charge times out: it may have happened,
    saga.expectCompensationTo(TestShop.REFUND) // so it is refunded first
        .reply(new TestShop.RefundFailed("down"));
    saga.advance(Duration.ofSeconds(1)); // the compensation retry's backoff
    saga.expectCompensationTo(TestShop.REFUND).reply(null);
    saga.expectCompensationTo(TestShop.RELEASE).reply(null);
    saga.expectStatus(SagaStatus.COMPENSATED);
    // #saga-testing-time
    // a crash replays the journal and changes nothing for a finished saga
    saga.crash().expectNoCommand().expectStatus(SagaStatus.COMPENSATED);
  }

  @Test
  void aCrashResendsTheRunningAttemptWithTheSameKey() {
    SagaScenario<Order> saga = SagaTestKit.of(ORDERS).start(new Order("o3", 10));
    saga.expectCommandTo(TestShop.RESERVE).crash();
    saga.expectCommandTo(TestShop.RESERVE).reply(new TestShop.Reserved("r-3"));
    saga.expectCommandTo(TestShop.CHARGE);
  }

  @Test
  void aScenarioSaysWhatTheSagaDidInstead() {
    SagaScenario<Order> saga = SagaTestKit.of(ORDERS).start(new Order("o4", 10));
    AssertionError error =
        assertThrows(AssertionError.class, () -> saga.expectCommand(TestShop.CHARGE));
    assertTrue(error.getMessage().contains("sent command inventory.reserve"), error.getMessage());
  }

  @Test
  void operatorActionsApplyAsTheRunnerAppliesThem() {
    SagaScenario<Order> saga = SagaTestKit.of(ORDERS).start(new Order("o5", 10));
    saga.expectCommandTo(TestShop.RESERVE).reply(new TestShop.Reserved("r-5"));
    saga.expectCommandTo(TestShop.CHARGE);
    // only a parked saga can be retried or skipped
    IllegalStateException refused =
        assertThrows(IllegalStateException.class, () -> saga.operator(OperatorAction.SKIP));
    assertTrue(refused.getMessage().contains("skip needs PARKED"), refused.getMessage());
    saga.operator(OperatorAction.COMPENSATE);
    // the unanswered charge may have happened: it is refunded before the stock is released
    saga.expectCompensationTo(TestShop.REFUND).reply(null);
    saga.expectCompensationTo(TestShop.RELEASE).reply(null);
    saga.expectStatus(SagaStatus.COMPENSATED);
    assertThrows(IllegalStateException.class, () -> saga.operator(OperatorAction.ABORT));
  }

  private static SagaChecker<Order> shopChecker(SagaDefinition<Order> definition) {
    return SagaTestKit.of(definition)
        .checker()
        .succeedsWith(TestShop.RESERVE, c -> new TestShop.Reserved("r-" + c.orderId()))
        .failsWith(TestShop.RESERVE, c -> new TestShop.OutOfStock(c.orderId()))
        .succeedsWith(TestShop.CHARGE, c -> new TestShop.Charged("p-" + c.orderId()))
        .failsWith(TestShop.CHARGE, c -> new TestShop.Declined("no credit"))
        .failsWith(TestShop.SHIP, c -> new TestShop.Refused("no carrier"));
  }

  @Test
  void theCheckerRunsEveryFailurePointOfASequentialSaga() {
    // #saga-testing-checker
    SagaChecker.Report report =
        SagaTestKit.of(ORDERS)
            .checker()
            .succeedsWith(TestShop.RESERVE, c -> new TestShop.Reserved("r-" + c.orderId()))
            .failsWith(TestShop.RESERVE, c -> new TestShop.OutOfStock(c.orderId()))
            .succeedsWith(TestShop.CHARGE, c -> new TestShop.Charged("p-" + c.orderId()))
            .failsWith(TestShop.CHARGE, c -> new TestShop.Declined("no credit"))
            .failsWith(TestShop.SHIP, c -> new TestShop.Refused("no carrier"))
            .check(new Order("o", 10));
    // #saga-testing-checker
    // 7 base scenarios (happy, 3 refusals, 3 silences), each with and without duplicates, each
    // without a crash and with one after every transition
    assertEquals(new SagaChecker.Report(410, 34, 336, 40), report);
  }

  @Test
  void theCheckerRunsAParallelSagaWithAPivotAndARetriableStep() {
    SagaDefinition<Order> definition =
        SagaDefinition.named("kit-parallel", Order.class)
            .parallel("prepare")
            .branch("reserve-stock")
            .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
            .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
            .branch("charge-payment")
            .invoke(TestShop.CHARGE, o -> new TestShop.Charge(o.id(), o.amount(), o.script()))
            .compensateWith(TestShop.REFUND, o -> new TestShop.Refund(o.id(), o.script()))
            .join()
            .step("ship")
            .invoke(TestShop.SHIP, o -> new TestShop.Ship(o.id(), o.script()))
            .pivot()
            .step("cancel-nothing")
            .invoke(TestShop.CANCEL_SHIPMENT, o -> new TestShop.CancelShipment(o.id()))
            .retriable()
            .retry(RetryPolicy.exponential(Duration.ofMillis(10), Duration.ofMillis(100), 2.0))
            .build();
    SagaChecker.Report report = shopChecker(definition).check(new Order("o", 10));
    assertTrue(report.scenarios() > 50, report.toString());
  }

  @Test
  void theCheckerCatchesASagaThatDoesNotEndCleanly() {
    SagaDefinition<Order> broken =
        SagaDefinition.named("kit-broken", Order.class)
            .step("reserve-stock")
            .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
            .onReply(
                TestShop.Reserved.class,
                (o, r) -> {
                  throw new IllegalStateException("bug in the reply handler");
                })
            .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
            .build();
    AssertionError error =
        assertThrows(AssertionError.class, () -> shopChecker(broken).check(new Order("o", 1)));
    assertTrue(
        error.getMessage().startsWith("happy path: parks again after every operator action"),
        error.getMessage());
    assertTrue(error.getMessage().contains("bug in the reply handler"), error.getMessage());
  }

  record RefundPayment(String paymentId) {}

  static final Endpoint<RefundPayment> REFUND_PAYMENT =
      Endpoint.of("payments.refund-payment", "shop-payments", RefundPayment.class);

  @Test
  void theCheckerFindsACompensationThatNeedsALostRepliesData() {
    // #saga-testing-lost-reply
    SagaDefinition<Order> refundByPayment =
        SagaDefinition.named("kit-refund-by-payment", Order.class)
            .step("reserve-stock")
            .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
            .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
            .step("charge-payment")
            .invoke(TestShop.CHARGE, o -> new TestShop.Charge(o.id(), o.amount(), o.script()))
            .onReply(TestShop.Charged.class, (o, r) -> o.withPayment(r.paymentId()))
            // wrong: the payment id comes from the reply, which may never arrive
            .compensateWith(REFUND_PAYMENT, o -> new RefundPayment(o.payment()))
            .build();
    AssertionError error =
        assertThrows(
            AssertionError.class,
            () ->
                SagaTestKit.of(refundByPayment)
                    .checker()
                    .succeedsWith(TestShop.CHARGE, c -> new TestShop.Charged("p-" + c.orderId()))
                    .succeedsWith(
                        REFUND_PAYMENT,
                        c -> {
                          Objects.requireNonNull(c.paymentId(), "no payment to refund");
                          return null; // acknowledged
                        })
                    .check(new Order("o", 10)));
    // #saga-testing-lost-reply
    assertTrue(
        error
            .getMessage()
            .startsWith(
                "charge-payment never executed, never answered: the participant of"
                    + " payments.refund-payment"
                    + " cannot handle the compensation RefundPayment[paymentId=null]"),
        error.getMessage());
  }

  @Test
  void aRefusalMarkedRetryIsRetriedInsteadOfCompensated() {
    SagaDefinition<Order> definition =
        SagaDefinition.named("kit-retry", Order.class)
            .step("reserve-stock")
            .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
            .onFailure(TestShop.OutOfStock.class, FailureAction.RETRY)
            .retry(
                RetryPolicy.exponential(Duration.ofSeconds(1), Duration.ofSeconds(4), 2.0)
                    .withMaxAttempts(3))
            .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
            .build();
    SagaScenario<Order> saga = SagaTestKit.of(definition).start(new Order("o5", 1));
    saga.expectCommandTo(TestShop.RESERVE).reply(new TestShop.OutOfStock("o5"));
    saga.expectNoCommand().advance(Duration.ofSeconds(1));
    saga.expectCommandTo(TestShop.RESERVE).reply(new TestShop.OutOfStock("o5"));
    saga.expectNoCommand().advance(Duration.ofSeconds(2));
    saga.expectCommandTo(TestShop.RESERVE).reply(new TestShop.Reserved("r-5"));
    saga.expectStatus(SagaStatus.COMPLETED);
    String diagram = definition.toMermaid(saga.view());
    assertTrue(diagram.endsWith("  class s1 done\n"), diagram);
  }

  @Test
  void aFailureHandlerFoldsTheRefusalIntoTheData() {
    SagaDefinition<Order> definition =
        SagaDefinition.named("kit-why", Order.class)
            .step("reserve-stock")
            .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
            .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
            .step("charge-payment")
            .invoke(TestShop.CHARGE, o -> new TestShop.Charge(o.id(), o.amount(), o.script()))
            .onFailure(
                TestShop.Declined.class,
                FailureAction.COMPENSATE,
                (o, declined) -> o.withPayment("declined: " + declined.reason()))
            .compensateWith(TestShop.REFUND, o -> new TestShop.Refund(o.id(), o.script()))
            .build();
    SagaScenario<Order> saga = SagaTestKit.of(definition).start(new Order("o6", 1));
    saga.expectCommandTo(TestShop.RESERVE).reply(new TestShop.Reserved("r-6"));
    saga.expectCommandTo(TestShop.CHARGE).reply(new TestShop.Declined("no credit"));
    TestShop.Release release = saga.expectCompensation(TestShop.RELEASE);
    assertEquals("o6", release.orderId());
    assertEquals("declined: no credit", saga.data().payment());
  }
}
