package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.saga.internal.definition.Definitions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SagaDefinitionTest {
  record Order(String id, int amount) {}

  record Reserve(String id) {}

  record Release(String id) {}

  record Reserved(String reservation) {}

  record OutOfStock(String sku) {}

  record Charge(String id, int amount) {}

  record Charged() {}

  record Confirm(String id) {}

  record Notify(String id) {}

  record Refund(String id) {}

  static final Endpoint<Reserve> RESERVE =
      Endpoint.of("inventory.reserve", "inventory", Reserve.class)
          .replies(Reserved.class)
          .failures(OutOfStock.class);
  static final Endpoint<Release> RELEASE =
      Endpoint.of("inventory.release", "inventory", Release.class);
  static final Endpoint<Charge> CHARGE =
      Endpoint.of("payments.charge", "payments", Charge.class).replies(Charged.class);
  static final Endpoint<Confirm> CONFIRM = Endpoint.of("orders.confirm", "orders", Confirm.class);
  static final Endpoint<Refund> REFUND = Endpoint.of("payments.refund", "payments", Refund.class);
  static final Endpoint<Notify> NOTIFY = Endpoint.of("mail.notify", "mail", Notify.class);

  private static String rejection(Runnable build) {
    return assertThrows(InvalidSagaDefinitionException.class, build::run).getMessage();
  }

  @Test
  void buildRejectsACompensatableStepWithoutCompensation() {
    String message =
        rejection(
            () ->
                SagaDefinition.named("place-order", Order.class)
                    .step("reserve-stock")
                    .invoke(RESERVE, o -> new Reserve(o.id()))
                    .build());
    assertEquals(
        "saga 'place-order': step 'reserve-stock' changes remote state but declares no"
            + " compensation: add compensateWith(...), or mark it pivot() or retriable()",
        message);
  }

  @Test
  void buildRejectsDuplicateStepNames() {
    String message =
        rejection(
            () ->
                SagaDefinition.named("place-order", Order.class)
                    .step("reserve")
                    .invoke(RESERVE, o -> new Reserve(o.id()))
                    .compensateWith(RELEASE, o -> new Release(o.id()))
                    .step("reserve")
                    .invoke(CHARGE, o -> new Charge(o.id(), o.amount()))
                    .pivot()
                    .build());
    assertEquals("saga 'place-order': has two steps named 'reserve'", message);
  }

  @Test
  void buildRejectsANonRetriableStepAfterThePivot() {
    String message =
        rejection(
            () ->
                SagaDefinition.named("place-order", Order.class)
                    .step("charge")
                    .invoke(CHARGE, o -> new Charge(o.id(), o.amount()))
                    .pivot()
                    .step("reserve")
                    .invoke(RESERVE, o -> new Reserve(o.id()))
                    .compensateWith(RELEASE, o -> new Release(o.id()))
                    .build());
    assertEquals(
        "saga 'place-order': step 'reserve' comes after the pivot 'charge' and must be"
            + " retriable()",
        message);
  }

  @Test
  void buildRejectsAParallelStageMixingCompensatableAndRetriableBranchesInEitherOrder() {
    // issue 14, behaviour 7: before, the order compensatable-then-retriable was accepted
    for (boolean retriableFirst : new boolean[] {false, true}) {
      var stage = SagaDefinition.named("s", Order.class).parallel("both");
      var built =
          retriableFirst
              ? stage
                  .branch("confirm")
                  .invoke(CONFIRM, o -> new Confirm(o.id()))
                  .retriable()
                  .branch("reserve")
                  .invoke(RESERVE, o -> new Reserve(o.id()))
                  .compensateWith(RELEASE, o -> new Release(o.id()))
              : stage
                  .branch("reserve")
                  .invoke(RESERVE, o -> new Reserve(o.id()))
                  .compensateWith(RELEASE, o -> new Release(o.id()))
                  .branch("confirm")
                  .invoke(CONFIRM, o -> new Confirm(o.id()))
                  .retriable();
      String message = rejection(() -> built.join().build());
      assertTrue(
          message.contains(
              "parallel step 'both' mixes compensatable branches [reserve] with retriable"
                  + " branches [confirm]"),
          message);
    }
  }

  @Test
  void buildRejectsOtherBrokenRules() {
    assertTrue(
        rejection(
                () ->
                    SagaDefinition.named("s", Order.class)
                        .step("a")
                        .invoke(CHARGE, o -> new Charge(o.id(), 1))
                        .pivot()
                        .step("b")
                        .invoke(CONFIRM, o -> new Confirm(o.id()))
                        .pivot()
                        .build())
            .contains("step 'b' is a second pivot"));
    assertTrue(
        rejection(
                () ->
                    SagaDefinition.named("s", Order.class)
                        .step("a")
                        .invoke(RESERVE, o -> new Reserve(o.id()))
                        .onReply(Charged.class, (o, r) -> o)
                        .compensateWith(RELEASE, o -> new Release(o.id()))
                        .build())
            .contains("step 'a' handles reply Charged that endpoint 'inventory.reserve' does not"));
    assertTrue(
        rejection(
                () ->
                    SagaDefinition.named("s", Order.class)
                        .step("a")
                        .invoke(CONFIRM, o -> new Confirm(o.id()))
                        .retriable()
                        .compensateWith(RELEASE, o -> new Release(o.id()))
                        .build())
            .contains("step 'a' is retriable, which is never compensated"));
    assertTrue(
        rejection(
                () ->
                    SagaDefinition.named("s", Order.class)
                        .parallel("both")
                        .branch("only")
                        .invoke(RESERVE, o -> new Reserve(o.id()))
                        .compensateWith(RELEASE, o -> new Release(o.id()))
                        .join()
                        .build())
            .contains("parallel step 'both' needs at least two branches"));
    assertTrue(
        rejection(() -> SagaDefinition.named("bad name!", Order.class)).contains("bad name!"));
    assertTrue(
        rejection(
                () ->
                    SagaDefinition.named("s", Order.class)
                        .step("a")
                        .invoke(CHARGE, o -> new Charge(o.id(), 1))
                        .compensateWith(RELEASE, o -> new Release(o.id()))
                        .build())
            .contains("step 'a' sends its command to topic 'payments' but its compensation to"));
    assertTrue(
        rejection(
                () ->
                    SagaDefinition.named("s", Order.class)
                        .step("a")
                        .invoke(RESERVE, o -> new Reserve(o.id()))
                        .compensateWith(RELEASE, o -> new Release(o.id()))
                        .timeout(Duration.ZERO)
                        .build())
            .contains("step 'a' has a timeout that is not positive"));
  }

  static SagaDefinition<Order> fourSteps() {
    return SagaDefinition.named("place-order", Order.class)
        .step("reserve-stock")
        .invoke(RESERVE, o -> new Reserve(o.id()))
        .onReply(Reserved.class, (o, r) -> o)
        .onFailure(OutOfStock.class, FailureAction.COMPENSATE)
        .compensateWith(RELEASE, o -> new Release(o.id()))
        .timeout(Duration.ofSeconds(5))
        .step("hold-credit")
        .invoke(CHARGE, o -> new Charge(o.id(), o.amount()))
        .compensateWith(REFUND, o -> new Refund(o.id()))
        .step("charge-payment")
        .invoke(CHARGE, o -> new Charge(o.id(), o.amount()))
        .pivot()
        .step("confirm-order")
        .invoke(CONFIRM, o -> new Confirm(o.id()))
        .retriable()
        .build();
  }

  @Test
  void theMermaidOfAFourStepSagaIsExact() {
    assertEquals(
        String.join(
            "\n",
            "flowchart TD",
            "  start((start))",
            "  s1[\"reserve-stock: inventory.reserve\"]",
            "  s2[\"hold-credit: payments.charge\"]",
            "  s3[\"charge-payment: payments.charge (pivot)\"]",
            "  s4[\"confirm-order: orders.confirm (retriable)\"]",
            "  completed((completed))",
            "  start --> s1",
            "  s1 --> s2",
            "  s2 --> s3",
            "  s3 --> s4",
            "  s4 --> completed",
            "  c1[\"undo reserve-stock: inventory.release\"]",
            "  c2[\"undo hold-credit: payments.refund\"]",
            "  compensated((compensated))",
            "  s1 -. failed .-> compensated",
            "  s1 -. timed out .-> c1",
            "  c1 --> compensated",
            "  s2 -. failed .-> c1",
            "  s2 -. timed out .-> c2",
            "  c2 --> c1",
            "  s3 -. failed .-> c2",
            ""),
        fourSteps().toMermaid());
  }

  @Test
  void aValidDefinitionIsAValue() {
    SagaDefinition<Order> definition = fourSteps();
    assertEquals(
        List.of("reserve-stock", "hold-credit", "charge-payment", "confirm-order"),
        definition.stepNames());
    assertEquals("place-order.replies", definition.replyTopic());
    assertEquals(Order.class, definition.dataType());
    SagaDefinition<Order> parallel =
        SagaDefinition.named("p", Order.class)
            .parallel("prepare")
            .branch("reserve")
            .invoke(RESERVE, o -> new Reserve(o.id()))
            .compensateWith(RELEASE, o -> new Release(o.id()))
            .branch("notify")
            .invoke(NOTIFY, o -> new Notify(o.id()))
            .compensateWith(NOTIFY, o -> new Notify(o.id()))
            .join()
            .step("confirm")
            .invoke(CONFIRM, o -> new Confirm(o.id()))
            .pivot()
            .build();
    assertEquals(List.of("reserve", "notify", "confirm"), parallel.stepNames());
    assertTrue(Definitions.stages(parallel).get(0).parallel());
  }
}
