package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.saga.TestShop.Order;
import io.skald.saga.testkit.SagaChecker;
import io.skald.saga.testkit.SagaScenario;
import io.skald.saga.testkit.SagaTestKit;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Wait steps under the test kit's virtual clock: a signal at the wait, before it (kept across a
 * crash), twice, refused, too late or never; a wait after the pivot parks and an operator's retry
 * waits again; the durable timer does not start over at a restart; the checker explores it all.
 */
class SagaSignalTest {

  /** A manager's approval. */
  record Approved(String manager) {}

  /** A manager's refusal. */
  record Rejected(String reason) {}

  /** The carrier's confirmation that the parcel arrived. */
  record Delivered(String where) {}

  /**
   * Reserve (compensatable), wait for approval (1 h, before the pivot), charge (pivot), ship
   * (retriable), wait for the delivery (1 day, after the pivot: it parks if nobody confirms).
   */
  static SagaDefinition<Order> approved(String name) {
    return SagaDefinition.named(name, Order.class)
        .step("reserve-stock")
        .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
        .onReply(TestShop.Reserved.class, (o, r) -> o.withReservation(r.reservationId()))
        .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
        .awaitSignal("approval", Approved.class)
        .onSignal((o, a) -> o.withReservation(o.reservation() + " approved by " + a.manager()))
        .refusedBy(Rejected.class)
        .timeout(Duration.ofHours(1))
        .step("charge-payment")
        .invoke(TestShop.CHARGE, o -> new TestShop.Charge(o.id(), o.amount(), o.script()))
        .onReply(TestShop.Charged.class, (o, r) -> o.withPayment(r.paymentId()))
        .pivot()
        .step("ship")
        .invoke(TestShop.SHIP, o -> new TestShop.Ship(o.id(), o.script()))
        .retriable()
        .awaitSignal("delivery", Delivered.class)
        .timeout(Duration.ofDays(1))
        .build();
  }

  private static SagaScenario<Order> reservedAndWaiting(String id) {
    SagaScenario<Order> saga = SagaTestKit.of(approved("approved")).start(new Order(id, 10));
    saga.expectCommandTo(TestShop.RESERVE).reply(new TestShop.Reserved("r-" + id));
    saga.expectNoCommand(); // waiting: nothing goes out
    return saga;
  }

  @Test
  void aSignalAtTheWaitIsTakenFoldedIntoTheDataAndTheSagaGoesOn() {
    SagaScenario<Order> saga = reservedAndWaiting("s1");
    assertEquals(SagaStatus.RUNNING, saga.status());
    assertTrue(saga.signal(new Approved("maria")));
    assertEquals("r-s1 approved by maria", saga.data().reservation());
    saga.expectCommandTo(TestShop.CHARGE).reply(new TestShop.Charged("p-1"));
    saga.expectCommandTo(TestShop.SHIP).reply(null);
    assertTrue(saga.signal(new Delivered("front door")));
    saga.expectStatus(SagaStatus.COMPLETED).expectNoCommand();
    assertTrue(
        saga.history().contains("approval: signal received: SagaSignalTest.Approved"),
        saga.history().toString());
    assertTrue(saga.history().contains("approval: succeeded: Approved"), saga.history().toString());
    assertFalse(
        saga.signal(new Approved("late")), "a signal for a saga that ended changes nothing");
  }

  @Test
  void aSignalBeforeTheWaitIsReachedIsKeptAcrossACrashAndTakenWhenTheWaitBegins() {
    SagaScenario<Order> saga = SagaTestKit.of(approved("approved")).start(new Order("s2", 10));
    saga.expectCommandTo(TestShop.RESERVE);
    assertTrue(saga.signal(new Approved("early bird")), "kept for its step");
    assertFalse(saga.signal(new Approved("twice")), "a second signal for the same wait");
    saga.crash(); // the kept signal is in the journal
    saga.expectCommandTo(TestShop.RESERVE).reply(new TestShop.Reserved("r-s2"));
    // the wait began and took the kept signal at once: the charge goes out
    saga.expectCommandTo(TestShop.CHARGE);
    assertEquals("r-s2 approved by early bird", saga.data().reservation());
  }

  @Test
  void aRefusalSignalTurnsTheSagaBack() {
    SagaScenario<Order> saga = reservedAndWaiting("s3");
    assertTrue(saga.signal(new Rejected("over budget")));
    saga.expectCompensationTo(TestShop.RELEASE).reply(null);
    saga.expectStatus(SagaStatus.COMPENSATED).expectNoCommand();
    assertFalse(saga.signal(new Approved("too late")));
  }

  @Test
  void noSignalInTimeTurnsTheSagaBackAndALateOneChangesNothing() {
    SagaScenario<Order> saga = reservedAndWaiting("s4");
    saga.advance(Duration.ofMinutes(59)).expectNoCommand();
    saga.advance(Duration.ofMinutes(1));
    saga.expectCompensationTo(TestShop.RELEASE).reply(null);
    saga.expectStatus(SagaStatus.COMPENSATED);
    assertTrue(
        saga.history().stream().anyMatch(h -> h.contains("received no Approved within PT1H")),
        saga.history().toString());
    assertFalse(saga.signal(new Approved("late")));
  }

  @Test
  void theWaitsTimerDoesNotStartOverAtARestart() {
    SagaScenario<Order> saga = reservedAndWaiting("s5");
    saga.advance(Duration.ofMinutes(50));
    saga.crash();
    saga.advance(Duration.ofMinutes(10).minusSeconds(1)).expectNoCommand();
    saga.advance(Duration.ofSeconds(1)); // an hour after the wait began, not after the restart
    saga.expectCompensationTo(TestShop.RELEASE);

    // a restart just before the timer gets a short grace, for a signal behind the restart
    SagaScenario<Order> late = reservedAndWaiting("s5b");
    late.advance(Duration.ofHours(1).minusSeconds(1));
    late.crash();
    late.advance(Duration.ofSeconds(4)).expectNoCommand();
    assertTrue(late.signal(new Approved("just in time")));
    late.expectCommandTo(TestShop.CHARGE);
  }

  @Test
  void aWaitAfterThePivotParksAndAnOperatorsRetryTakesTheSignalThatCameMeanwhile() {
    SagaScenario<Order> saga = reservedAndWaiting("s6");
    saga.signal(new Approved("maria"));
    saga.expectCommandTo(TestShop.CHARGE).reply(new TestShop.Charged("p-6"));
    saga.expectCommandTo(TestShop.SHIP).reply(null);
    saga.advance(Duration.ofDays(1));
    saga.expectStatus(SagaStatus.PARKED);
    assertTrue(saga.view().reason().contains("received no Delivered"), saga.view().reason());
    assertThrows(
        IllegalStateException.class,
        () -> saga.operator(OperatorAction.COMPENSATE),
        "past the pivot the saga cannot turn back");
    assertTrue(saga.signal(new Delivered("neighbour")), "kept while parked on its wait");
    saga.operator(OperatorAction.RETRY);
    saga.expectStatus(SagaStatus.COMPLETED).expectNoCommand();
  }

  @Test
  void anOperatorMayCompensateWhileTheSagaWaitsBeforeThePivot() {
    SagaScenario<Order> saga = reservedAndWaiting("s7");
    saga.operator(OperatorAction.COMPENSATE);
    saga.expectCompensationTo(TestShop.RELEASE).reply(null);
    saga.expectStatus(SagaStatus.COMPENSATED);
  }

  @Test
  void signalsOfUnknownTypesAndBadWaitsAreRefused() {
    SagaScenario<Order> saga = reservedAndWaiting("s8");
    IllegalArgumentException unknown =
        assertThrows(IllegalArgumentException.class, () -> saga.signal("not a signal"));
    assertTrue(
        unknown.getMessage().contains("no step that waits for a signal"), unknown.getMessage());

    InvalidSagaDefinitionException noTimeout =
        assertThrows(
            InvalidSagaDefinitionException.class,
            () ->
                SagaDefinition.named("untimed", Order.class)
                    .awaitSignal("approval", Approved.class)
                    .build());
    assertTrue(noTimeout.getMessage().contains("declares no timeout"), noTimeout.getMessage());

    InvalidSagaDefinitionException twice =
        assertThrows(
            InvalidSagaDefinitionException.class,
            () ->
                SagaDefinition.named("twice", Order.class)
                    .awaitSignal("first", Approved.class)
                    .timeout(Duration.ofMinutes(1))
                    .awaitSignal("second", Delivered.class)
                    .refusedBy(Approved.class)
                    .timeout(Duration.ofMinutes(1))
                    .build());
    assertTrue(
        twice.getMessage().contains("that step 'first' waits for already"), twice.getMessage());
  }

  @Test
  void theDiagramDrawsWaitsAndWhereTheyLead() {
    String mermaid = approved("drawn").toMermaid();
    assertTrue(mermaid.contains("s2[/\"approval: awaits Approved within PT1H\"/]"), mermaid);
    assertTrue(mermaid.contains("s2 -. refused or no signal .-> c1"), mermaid);
    assertTrue(mermaid.contains("s5[/\"delivery: awaits Delivered within PT24H\"/]"), mermaid);
    assertTrue(mermaid.contains("s5 -. no signal .-> parked"), mermaid);
    assertTrue(mermaid.contains("parked((parked))"), mermaid);
  }

  @Test
  void theCheckerExploresSignalsEarlyLateTwiceRefusedAndNever() {
    SagaChecker.Report report =
        SagaTestKit.of(approved("checked"))
            .checker()
            .succeedsWith(TestShop.RESERVE, cmd -> new TestShop.Reserved("r-1"))
            .failsWith(TestShop.RESERVE, cmd -> new TestShop.OutOfStock(cmd.orderId()))
            .succeedsWith(TestShop.CHARGE, cmd -> new TestShop.Charged("p-1"))
            .failsWith(TestShop.CHARGE, cmd -> new TestShop.Declined("no"))
            .signals(Approved.class, o -> new Approved("maria"))
            .refusesSignal(Rejected.class, o -> new Rejected("no"))
            .signals(Delivered.class, o -> new Delivered("door"))
            .check(new Order("c1", 10));
    assertTrue(report.scenarios() > 100, report.toString());
    assertTrue(report.completed() > 0 && report.compensated() > 0, report.toString());
  }

  @Test
  void theCheckerNeedsToKnowHowAWaitIsSignalled() {
    IllegalArgumentException missing =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SagaTestKit.of(approved("unsignalled"))
                    .checker()
                    .succeedsWith(TestShop.RESERVE, cmd -> new TestShop.Reserved("r-1"))
                    .check(new Order("c2", 10)));
    assertTrue(missing.getMessage().contains("signals(...)"), missing.getMessage());
  }
}
