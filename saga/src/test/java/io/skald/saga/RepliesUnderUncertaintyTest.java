package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.consumer.RetryPolicy;
import io.skald.saga.TestShop.Order;
import io.skald.saga.testkit.SagaScenario;
import io.skald.saga.testkit.SagaTestKit;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, behaviours 3 (replies correlate to attempts), 4 (nothing dropped while parked) and 6
 * (user code that throws never wedges an instance), run by the same rules the entity runs.
 */
class RepliesUnderUncertaintyTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  /** charge retried once on a refusal or a timeout. */
  private static SagaDefinition<Order> retriedCharge(int attempts) {
    return SagaDefinition.named("retried", Order.class)
        .step("charge-payment")
        .invoke(TestShop.CHARGE, o -> new TestShop.Charge(o.id(), o.amount(), o.script()))
        .onReply(TestShop.Charged.class, (o, r) -> o.withPayment(r.paymentId()))
        .onFailure(TestShop.Declined.class, FailureAction.RETRY)
        .compensateWith(TestShop.REFUND, o -> new TestShop.Refund(o.id(), o.script()))
        .timeout(TIMEOUT)
        .retry(
            RetryPolicy.exponential(Duration.ofMillis(100), Duration.ofMillis(100), 1.0)
                .withMaxAttempts(attempts))
        .build();
  }

  // ------------------------------------------------------------------ behaviour 3

  @Test
  void aLateRefusalOfAnEarlierAttemptIsNotTakenForTheRunningOne() {
    SagaScenario<Order> saga = SagaTestKit.of(retriedCharge(2)).start(new Order("o1", 10));
    saga.expectCommandTo(TestShop.CHARGE); // attempt 1
    saga.advance(TIMEOUT.plusMillis(100)); // times out, attempt 2 goes out
    saga.expectCommandTo(TestShop.CHARGE);
    // before the fix: attempt 1's refusal failed attempt 2 and the saga compensated (probe P3)
    assertFalse(saga.replyToAttempt(1, new TestShop.Declined("late")));
    saga.expectStatus(SagaStatus.RUNNING);
    saga.reply(new TestShop.Charged("p-1")).expectStatus(SagaStatus.COMPLETED);
    assertEquals("p-1", saga.data().payment());
  }

  @Test
  void aDuplicatedRefusalBurnsNoRetry() {
    SagaScenario<Order> saga = SagaTestKit.of(retriedCharge(2)).start(new Order("o2", 10));
    saga.expectCommandTo(TestShop.CHARGE).reply(new TestShop.Declined("once"));
    // before the fix: the duplicate was taken as attempt 2's refusal (probe P3b)
    saga.duplicateLastReply();
    saga.advance(Duration.ofMillis(100));
    saga.expectCommandTo(TestShop.CHARGE).reply(new TestShop.Charged("p-2"));
    saga.expectStatus(SagaStatus.COMPLETED);
  }

  @Test
  void aSuccessAfterTheStepWasSettledAsRefusedIsCompensated() {
    SagaDefinition<Order> shop = TestShop.threeSteps("refused-then-done", TIMEOUT, 3);
    SagaScenario<Order> saga = SagaTestKit.of(shop).start(new Order("o3", 10));
    saga.expectCommandTo(TestShop.RESERVE).reply(new TestShop.Reserved("r-3"));
    saga.expectCommandTo(TestShop.CHARGE).reply(new TestShop.Declined("no credit"));
    saga.expectCompensationTo(TestShop.RELEASE).reply(null);
    saga.expectStatus(SagaStatus.COMPENSATED);
    // the charge was resent (a crash before the refusal was handled) and executed: its success
    // arrives after the saga ended; before the fix it was ignored and the customer kept paying
    assertTrue(saga.lateReply("charge-payment", 1, new TestShop.Charged("p-3")));
    saga.expectCompensationTo(TestShop.REFUND).reply(null);
    saga.expectNoCommand().expectStatus(SagaStatus.COMPENSATED);
    assertEquals("p-3", saga.data().payment(), "the compensation sees the late reply's data");
  }

  @Test
  void aLateSuccessOfAnAbandonedStepGivesItsCompensationTheReplysData() {
    SagaDefinition<Order> shop = TestShop.threeSteps("abandoned", TIMEOUT, 3);
    SagaScenario<Order> saga = SagaTestKit.of(shop).start(new Order("o4", 10));
    saga.expectCommandTo(TestShop.RESERVE).reply(new TestShop.Reserved("r-4"));
    saga.expectCommandTo(TestShop.CHARGE).reply(new TestShop.Charged("p-4"));
    saga.expectCommandTo(TestShop.SHIP).reply(new TestShop.Refused("no carrier"));
    // ship refused: charge's compensation runs first; reserve's waits for it
    saga.expectCompensationTo(TestShop.REFUND);
    assertFalse(saga.lateReply("charge-payment", 1, new TestShop.Charged("p-4")), "a duplicate");
    saga.reply(null);
    saga.expectCompensationTo(TestShop.RELEASE).reply(null);
    saga.expectStatus(SagaStatus.COMPENSATED);
  }

  // ------------------------------------------------------------------ behaviour 4

  record Pack(String orderId) {}

  record Packed(String parcel) {}

  record Unpack(String orderId) {}

  static final Endpoint<Pack> PACK =
      Endpoint.of("warehouse.pack", "shop-packing", Pack.class).replies(Packed.class);
  static final Endpoint<Unpack> UNPACK =
      Endpoint.of("warehouse.unpack", "shop-packing", Unpack.class);

  /** pack (its reply handler throws) and reserve in parallel, then charge. */
  private static SagaDefinition<Order> packAndReserve() {
    return SagaDefinition.named("pack-and-reserve", Order.class)
        .parallel("prepare")
        .branch("pack")
        .invoke(PACK, o -> new Pack(o.id()))
        .onReply(
            Packed.class,
            (o, r) -> {
              throw new IllegalStateException("pack handler bug");
            })
        .compensateWith(UNPACK, o -> new Unpack(o.id()))
        .timeout(TIMEOUT)
        .compensationRetry(RetryPolicy.none())
        .branch("reserve")
        .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
        .onReply(TestShop.Reserved.class, (o, r) -> o.withReservation(r.reservationId()))
        .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
        .timeout(TIMEOUT)
        .compensationRetry(RetryPolicy.none())
        .join()
        .step("charge-payment")
        .invoke(
            TestShop.CHARGE,
            o -> {
              if (o.reservation() == null) {
                throw new IllegalStateException("charging without a reservation");
              }
              return new TestShop.Charge(o.id(), o.amount(), o.script());
            })
        .compensateWith(TestShop.REFUND, o -> new TestShop.Refund(o.id(), o.script()))
        .timeout(TIMEOUT)
        .build();
  }

  @Test
  void aSiblingCompensationsAcknowledgementWhileTheSagaIsParkedTakesEffectOnResume() {
    SagaScenario<Order> saga = SagaTestKit.of(packAndReserve()).start(new Order("o5", 10));
    saga.expectCommandTo(PACK);
    saga.expectCommandTo(TestShop.RESERVE).reply(new TestShop.Reserved("r-5"));
    saga.advance(TIMEOUT); // pack times out: both branches are compensated together
    saga.expectCompensationTo(UNPACK);
    saga.expectCompensationTo(TestShop.RELEASE);
    saga.advance(TIMEOUT); // unpack times out (no retries): parked; release is in flight
    saga.expectStatus(SagaStatus.PARKED);
    // before the fix: release's acknowledgement was dropped, and on resume release timed out
    // and parked the saga again (probe P9)
    assertTrue(saga.replyToAttempt(1, null), "held while parked, not dropped");
    saga.expectStatus(SagaStatus.PARKED);
    assertTrue(
        saga.history().contains("reserve: reply held while parked: compensation ack"),
        saga.history().toString());
    saga.operator(OperatorAction.RETRY);
    saga.expectCompensationTo(UNPACK).reply(null);
    saga.expectNoCommand().expectStatus(SagaStatus.COMPENSATED);
  }

  @Test
  void parallelBranchRepliesWhileParkedAreKeptAndTheirDeadlinesStartAgainOnResume() {
    SagaScenario<Order> saga = SagaTestKit.of(packAndReserve()).start(new Order("o6", 10));
    saga.expectCommandTo(PACK);
    saga.expectCommandTo(TestShop.RESERVE);
    // pack answers with a reply whose handler throws: parked, reserve still in flight
    saga.lateReply("pack", 1, new Packed("parcel-6"));
    saga.expectStatus(SagaStatus.PARKED);
    // before the fix: this success was dropped, and reserve timed out on resume (probe P4)
    assertTrue(saga.lateReply("reserve", 1, new TestShop.Reserved("r-6")));
    saga.advance(Duration.ofHours(3)); // a person takes a while; no timer runs while parked
    saga.expectNoCommand().expectStatus(SagaStatus.PARKED);
    saga.operator(OperatorAction.SKIP);
    saga.expectCommandTo(TestShop.CHARGE).reply(null);
    saga.expectStatus(SagaStatus.COMPLETED);
    assertEquals("r-6", saga.data().reservation());
  }

  @Test
  void aSiblingStillRunningWhenTheSagaResumesGetsAFreshDeadlineAndIsAskedAgain() {
    SagaScenario<Order> saga = SagaTestKit.of(packAndReserve()).start(new Order("o7", 10));
    saga.expectCommandTo(PACK);
    saga.expectCommandTo(TestShop.RESERVE);
    saga.lateReply("pack", 1, new Packed("parcel-7"));
    saga.advance(Duration.ofHours(3));
    saga.operator(OperatorAction.SKIP);
    // reserve's deadline passed while parked: it is sent again (same key and attempt) with a full
    // timeout, instead of timing out at once and compensating a saga whose steps all succeeded
    saga.expectCommandTo(TestShop.RESERVE).expectStatus(SagaStatus.RUNNING);
    saga.advance(TIMEOUT.minusMillis(1)).expectStatus(SagaStatus.RUNNING);
    saga.reply(new TestShop.Reserved("r-7"));
    saga.expectCommandTo(TestShop.CHARGE).reply(null);
    saga.expectStatus(SagaStatus.COMPLETED);
  }

  // ------------------------------------------------------------------ behaviour 6

  @Test
  void aConditionThatThrowsParksWithTheCauseAndARetryEvaluatesItAgain() {
    boolean[] broken = {true};
    SagaDefinition<Order> shop =
        SagaDefinition.named("throwing-when", Order.class)
            .step("reserve-stock")
            .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
            .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
            .step("charge-payment")
            .invoke(TestShop.CHARGE, o -> new TestShop.Charge(o.id(), o.amount(), o.script()))
            .compensateWith(TestShop.REFUND, o -> new TestShop.Refund(o.id(), o.script()))
            .when(
                o -> {
                  if (broken[0]) {
                    throw new IllegalStateException("condition bug");
                  }
                  return true;
                })
            .build();
    SagaScenario<Order> saga = SagaTestKit.of(shop).start(new Order("o8", 10));
    saga.expectCommandTo(TestShop.RESERVE).reply(new TestShop.Reserved("r-8"));
    saga.expectNoCommand().expectStatus(SagaStatus.PARKED);
    assertTrue(saga.view().reason().contains("the condition threw"), saga.view().reason());
    assertTrue(saga.view().reason().contains("condition bug"), saga.view().reason());
    assertEquals(StepPhase.PENDING, saga.view().steps().get(1).forward());
    broken[0] = false; // the fix is deployed
    saga.operator(OperatorAction.RETRY);
    saga.expectCommandTo(TestShop.CHARGE).reply(null);
    saga.expectStatus(SagaStatus.COMPLETED);
  }

  @Test
  void aFailureHandlerThatThrowsParksWithTheStepRecordedAsRefused() {
    SagaDefinition<Order> shop =
        SagaDefinition.named("throwing-failure-handler", Order.class)
            .step("reserve-stock")
            .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
            .onFailure(
                TestShop.OutOfStock.class,
                FailureAction.COMPENSATE,
                (o, f) -> {
                  throw new IllegalStateException("failure handler bug");
                })
            .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
            .build();
    SagaScenario<Order> saga = SagaTestKit.of(shop).start(new Order("o9", 10));
    saga.expectCommandTo(TestShop.RESERVE).reply(new TestShop.OutOfStock("o9"));
    saga.expectStatus(SagaStatus.PARKED);
    assertTrue(saga.view().reason().contains("failure handler bug"), saga.view().reason());
    assertEquals(StepPhase.FAILED, saga.view().steps().get(0).forward());
    saga.operator(OperatorAction.COMPENSATE); // refused: nothing to undo
    saga.expectNoCommand().expectStatus(SagaStatus.COMPENSATED);
  }

  @Test
  void aCommandBuilderThatThrowsParksInTheReplyAndTheDeadlinePaths() {
    // reply path: reserve's success starts charge, whose builder throws (no reservation)
    SagaScenario<Order> reply = SagaTestKit.of(packAndReserve()).start(new Order("o10", 10));
    reply.expectCommandTo(PACK);
    reply.expectCommandTo(TestShop.RESERVE);
    reply.lateReply("pack", 1, null);
    reply.lateReply("reserve", 1, null); // no Reserved: the data has no reservation
    reply.expectNoCommand().expectStatus(SagaStatus.PARKED);
    assertTrue(reply.view().reason().contains("building the command threw"), reply.view().reason());

    // deadline path: the compensation's builder throws after a timeout
    SagaDefinition<Order> shop =
        SagaDefinition.named("throwing-compensation", Order.class)
            .step("reserve-stock")
            .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
            .compensateWith(
                TestShop.RELEASE,
                o -> {
                  throw new IllegalStateException("release builder bug");
                })
            .timeout(TIMEOUT)
            .build();
    SagaScenario<Order> deadline = SagaTestKit.of(shop).start(new Order("o11", 10));
    deadline.expectCommandTo(TestShop.RESERVE);
    deadline.advance(TIMEOUT);
    deadline.expectNoCommand().expectStatus(SagaStatus.PARKED);
    assertTrue(deadline.view().reason().contains("release builder bug"), deadline.view().reason());
    assertTrue(deadline.view().reason().contains("(compensation)"), deadline.view().reason());
  }

  @Test
  void retryAfterAParkedCompensationDoesNotTakeAnEarlierAttemptsFailureForTheNewOne() {
    SagaDefinition<Order> shop = TestShop.threeSteps("retry-numbering", TIMEOUT, 2);
    SagaScenario<Order> saga = SagaTestKit.of(shop).start(new Order("o12", 10));
    saga.expectCommandTo(TestShop.RESERVE).reply(new TestShop.Reserved("r-12"));
    saga.expectCommandTo(TestShop.CHARGE).reply(new TestShop.Declined("no"));
    saga.expectCompensationTo(TestShop.RELEASE);
    saga.advance(TIMEOUT);
    saga.advance(Duration.ofSeconds(1));
    saga.expectCompensationTo(TestShop.RELEASE);
    saga.advance(TIMEOUT);
    saga.expectStatus(SagaStatus.PARKED); // two attempts timed out
    saga.operator(OperatorAction.RETRY);
    saga.expectCompensationTo(TestShop.RELEASE); // attempt 3, with a fresh budget of two
    saga.advance(TIMEOUT);
    saga.expectStatus(SagaStatus.COMPENSATING);
    saga.advance(Duration.ofSeconds(1));
    saga.expectCompensationTo(TestShop.RELEASE).reply(null);
    saga.expectStatus(SagaStatus.COMPENSATED);
  }

  @Test
  void anOperatorsRetryAtTheInstantTheStepParkedIsSentAgain() {
    // the review's test kit artefact: a retry at the same virtual instant as the first attempt
    // had the same attempt number and deadline, so the test kit did not send it again
    SagaScenario<Order> saga = SagaTestKit.of(packAndReserve()).start(new Order("o13", 10));
    saga.expectCommandTo(PACK);
    saga.expectCommandTo(TestShop.RESERVE);
    saga.lateReply("pack", 1, new Packed("parcel-13")); // the handler throws: parked at once
    saga.expectStatus(SagaStatus.PARKED);
    saga.operator(OperatorAction.RETRY);
    saga.expectCommandTo(PACK); // attempt 2, same key
  }
}
