package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.Codecs;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.saga.TestShop.Order;
import io.skald.saga.internal.SagaHeaders;
import io.skald.saga.internal.engine.FlowEvent;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One definition run both ways on one node: the outcomes must be the same. */
class ChoreographyTest {
  private static final SagaDefinition<Order> FLOW =
      TestShop.threeSteps("both-ways", Duration.ofMillis(700), 10);

  /** The three steps with a conditional charge: orders whose script says "no-charge" skip it. */
  private static final SagaDefinition<Order> CONDITIONAL =
      SagaDefinition.named("both-ways-conditional", Order.class)
          .step("reserve-stock")
          .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
          .onReply(TestShop.Reserved.class, (o, r) -> o.withReservation(r.reservationId()))
          .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
          .timeout(Duration.ofMillis(700))
          .step("charge-payment")
          .invoke(TestShop.CHARGE, o -> new TestShop.Charge(o.id(), o.amount(), o.script()))
          .onReply(TestShop.Charged.class, (o, r) -> o.withPayment(r.paymentId()))
          .compensateWith(TestShop.REFUND, o -> new TestShop.Refund(o.id(), o.script()))
          .timeout(Duration.ofMillis(700))
          .when(o -> !o.script().contains("no-charge"))
          .step("ship")
          .invoke(TestShop.SHIP, o -> new TestShop.Ship(o.id(), o.script()))
          .compensateWith(TestShop.CANCEL_SHIPMENT, o -> new TestShop.CancelShipment(o.id()))
          .timeout(Duration.ofMillis(700))
          .build();

  /** reserve, the charge as the pivot, then a retriable shipment. */
  private static final SagaDefinition<Order> PIVOTED =
      SagaDefinition.named("both-ways-pivot", Order.class)
          .step("reserve-stock")
          .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
          .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
          .timeout(Duration.ofMillis(700))
          .step("charge-payment")
          .invoke(TestShop.CHARGE, o -> new TestShop.Charge(o.id(), o.amount(), o.script()))
          .onReply(TestShop.Charged.class, (o, r) -> o.withPayment(r.paymentId()))
          .pivot()
          .timeout(Duration.ofMillis(700))
          .step("ship")
          .invoke(TestShop.SHIP, o -> new TestShop.Ship(o.id(), o.script()))
          .retriable()
          .retry(
              io.skald.framework.consumer.RetryPolicy.exponential(
                  Duration.ofMillis(20), Duration.ofMillis(50), 2.0))
          .timeout(Duration.ofMillis(700))
          .build();

  /** Three compensatable steps, the whole saga bounded to 800 ms: then it turns back. */
  private static final SagaDefinition<Order> BOUNDED =
      SagaDefinition.named("both-ways-bounded", Order.class)
          .step("reserve-stock")
          .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
          .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
          .step("charge-payment")
          .invoke(TestShop.CHARGE, o -> new TestShop.Charge(o.id(), o.amount(), o.script()))
          .compensateWith(TestShop.REFUND, o -> new TestShop.Refund(o.id(), o.script()))
          .timeout(Duration.ofSeconds(5))
          .step("ship")
          .invoke(TestShop.SHIP, o -> new TestShop.Ship(o.id(), o.script()))
          .compensateWith(TestShop.CANCEL_SHIPMENT, o -> new TestShop.CancelShipment(o.id()))
          .deadline(Duration.ofMillis(800), SagaDeadline.Action.COMPENSATE)
          .build();

  /** A charge retried once on a refusal before the saga turns back. */
  private static final SagaDefinition<Order> RETRIED =
      SagaDefinition.named("both-ways-retried", Order.class)
          .step("reserve-stock")
          .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
          .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
          .timeout(Duration.ofMillis(700))
          .step("charge-payment")
          .invoke(TestShop.CHARGE, o -> new TestShop.Charge(o.id(), o.amount(), o.script()))
          .onFailure(TestShop.Declined.class, FailureAction.RETRY)
          .retry(
              io.skald.framework.consumer.RetryPolicy.exponential(
                      Duration.ofMillis(20), Duration.ofMillis(20), 1.0)
                  .withMaxAttempts(2))
          .compensateWith(TestShop.REFUND, o -> new TestShop.Refund(o.id(), o.script()))
          .timeout(Duration.ofMillis(700))
          .build();

  record Notify(String orderId) {}

  /** Two endpoints of two services that share one command class. */
  static final Endpoint<Notify> NOTIFY_WAREHOUSE =
      Endpoint.of("warehouse.notify", "shop-warehouse-notices", Notify.class);

  static final Endpoint<Notify> NOTIFY_CUSTOMER =
      Endpoint.of("customer.notify", "shop-customer-notices", Notify.class);

  private static final SagaDefinition<Order> NOTICES =
      SagaDefinition.named("both-ways-notices", Order.class)
          .step("tell-warehouse")
          .invoke(NOTIFY_WAREHOUSE, o -> new Notify(o.id()))
          .retriable()
          .step("tell-customer")
          .invoke(NOTIFY_CUSTOMER, o -> new Notify(o.id()))
          .retriable()
          .build();

  private static final Map<String, AtomicInteger> notices = new ConcurrentHashMap<>();
  private static final List<String> conditionalFlow = new CopyOnWriteArrayList<>();

  private static SkaldTestNode node;
  private static TestShop shop;
  private static SagaOrchestrator<Order> orchestrated;
  private static SagaChoreography<Order> choreographed;

  @BeforeAll
  static void start() {
    node = SkaldTestNode.start();
    Sagas sagas = Sagas.create(node.skald());
    shop = new TestShop();
    shop.startParticipants(sagas, FLOW, CONDITIONAL, PIVOTED, RETRIED, BOUNDED);
    orchestrated = sagas.orchestrator(FLOW);
    choreographed = sagas.choreography(FLOW);
    for (var service : List.of("warehouse-notifier", "customer-notifier")) {
      Endpoint<Notify> endpoint =
          service.startsWith("warehouse") ? NOTIFY_WAREHOUSE : NOTIFY_CUSTOMER;
      sagas
          .participant(service)
          .on(
              endpoint,
              (cmd, ctx) -> {
                notices
                    .computeIfAbsent(
                        service + ":" + ctx.step() + ":" + cmd.orderId(), k -> new AtomicInteger())
                    .incrementAndGet();
                return CompletableFuture.completedFuture(null);
              })
          .follow(NOTICES)
          .start();
    }
    node.skald()
        .subscribe(
            SubscriptionSpec.of("flow-watcher", Codecs.string(), Codecs.bytes())
                .withTopics(CONDITIONAL.name() + ".flow"),
            record -> {
              String kind = record.headers().get(FlowEvent.KIND);
              if (kind != null) {
                conditionalFlow.add(
                    record.key()
                        + " "
                        + kind
                        + " "
                        + record.headers().get(SagaHeaders.STEP)
                        + " "
                        + record.headers().get(FlowEvent.REASON));
              }
              return CompletableFuture.completedFuture(null);
            });
  }

  @AfterAll
  static void stop() {
    node.close();
    node.deleteDataDir();
  }

  private static SagaView<Order> awaitEnd(SagaRunner<Order> runner, String id) {
    Await.until(
        node.skald().system(),
        Duration.ofSeconds(30),
        () ->
            assertTrue(
                runner.get(id).toCompletableFuture().join().get().status().terminal(),
                id + " is " + runner.get(id).toCompletableFuture().join().get().status()));
    return runner.get(id).toCompletableFuture().join().get();
  }

  /** Scripts of the orders both flows run, and the outcome each must reach. */
  private static final Map<String, List<String>> SCRIPTS = new LinkedHashMap<>();

  static {
    SCRIPTS.put("ok", List.of());
    SCRIPTS.put("declined", List.of("payments:decline"));
    SCRIPTS.put("refused", List.of("shipping:refuse"));
    SCRIPTS.put("flaky-refund", List.of("shipping:refuse", "payments:refund-fails-3"));
    SCRIPTS.put("no-stock", List.of("inventory:out-of-stock"));
    SCRIPTS.put("slow", List.of("payments:slow"));
  }

  @Test
  void bothFlowsReachTheSameOutcomeForTheSameInput() {
    for (Map.Entry<String, List<String>> script : SCRIPTS.entrySet()) {
      String name = script.getKey();
      orchestrated
          .start("o-" + name, new Order("o-" + name, 10, script.getValue(), null, null))
          .toCompletableFuture()
          .join();
      choreographed
          .start("c-" + name, new Order("c-" + name, 10, script.getValue(), null, null))
          .toCompletableFuture()
          .join();
    }
    for (String name : SCRIPTS.keySet()) {
      SagaView<Order> o = awaitEnd(orchestrated, "o-" + name);
      SagaView<Order> c = awaitEnd(choreographed, "c-" + name);
      assertEquals(o.status(), c.status(), name);
      assertEquals(o.succeededSteps(), c.succeededSteps(), name);
      assertEquals(o.compensatedSteps(), c.compensatedSteps(), name);
      for (String effect :
          List.of(
              "reserve-stock:do",
              "reserve-stock:undo",
              "charge-payment:do",
              "charge-payment:undo",
              "ship:do",
              "ship:undo")) {
        assertEquals(
            shop.effects("o-" + name, effect),
            shop.effects("c-" + name, effect),
            name + " " + effect);
      }
    }
    // and the outcomes are the ones the scripts ask for
    assertEquals(SagaStatus.COMPLETED, awaitEnd(choreographed, "c-ok").status());
    assertEquals("p-c-ok", awaitEnd(choreographed, "c-ok").data().payment());
    assertEquals(
        List.of("reserve-stock"), awaitEnd(choreographed, "c-declined").compensatedSteps());
    assertEquals(
        List.of("charge-payment", "reserve-stock"),
        awaitEnd(choreographed, "c-refused").compensatedSteps());
    assertEquals(SagaStatus.COMPENSATED, awaitEnd(choreographed, "c-no-stock").status());
    assertEquals(List.of(), awaitEnd(choreographed, "c-no-stock").compensatedSteps());
    // the timed-out charge happened late: it is refunded and nothing is shipped
    assertEquals(1, shop.effects("c-slow", "charge-payment:undo"));
    assertEquals(0, shop.effects("c-slow", "ship:do"));
  }

  /** Issue 14, behaviour 5: a step whose condition is false does not stall the choreography. */
  @Test
  void aSkippedStepDoesNotStallTheChoreographyAndBothFlowsAgree() {
    Sagas sagas = Sagas.create(node.skald());
    SagaOrchestrator<Order> o = sagas.orchestrator(CONDITIONAL);
    SagaChoreography<Order> c = sagas.choreography(CONDITIONAL);
    Map<String, List<String>> scripts = new LinkedHashMap<>();
    scripts.put("skip", List.of("no-charge"));
    scripts.put("skip-refused", List.of("no-charge", "shipping:refuse"));
    scripts.put("charged", List.of());
    scripts.put("skip-no-stock", List.of("no-charge", "inventory:out-of-stock"));
    scripts.put("slow-charge", List.of("payments:slow")); // answers after the 700 ms timeout
    scripts.put("declined", List.of("payments:decline"));
    for (Map.Entry<String, List<String>> script : scripts.entrySet()) {
      String name = script.getKey();
      o.start("ko-" + name, new Order("ko-" + name, 10, script.getValue(), null, null))
          .toCompletableFuture()
          .join();
      c.start("kc-" + name, new Order("kc-" + name, 10, script.getValue(), null, null))
          .toCompletableFuture()
          .join();
    }
    for (String name : scripts.keySet()) {
      SagaView<Order> ov = awaitEnd(o, "ko-" + name);
      SagaView<Order> cv = awaitEnd(c, "kc-" + name);
      assertEquals(ov.status(), cv.status(), name);
      assertEquals(ov.succeededSteps(), cv.succeededSteps(), name);
      assertEquals(ov.compensatedSteps(), cv.compensatedSteps(), name);
    }
    // before the fix: ship was never triggered and timed out, and the saga compensated
    SagaView<Order> skipped = awaitEnd(c, "kc-skip");
    assertEquals(SagaStatus.COMPLETED, skipped.status(), skipped.history().toString());
    assertEquals(List.of("reserve-stock", "ship"), skipped.succeededSteps());
    assertEquals(0, shop.effects("kc-skip", "charge-payment:do"));
    assertEquals(List.of("reserve-stock"), awaitEnd(c, "kc-skip-refused").compensatedSteps());
    // the compensation across the skipped step is asked for by a compensate event, not by a
    // made-up refusal of a step that did not fail
    Await.until(
        node.skald().system(),
        Duration.ofSeconds(10),
        () ->
            assertTrue(
                conditionalFlow.contains("kc-skip-refused compensate reserve-stock null"),
                conditionalFlow.toString()));
    for (String event : conditionalFlow) {
      // only real refusals are "failed" events: before, the tracker wrote "failed ... compensate"
      assertTrue(!event.contains(" failed ") || !event.endsWith(" compensate"), event);
    }
  }

  /** Issue 14, behaviour 5: a pivot and a retriable step, and a refusal retried, both ways. */
  @Test
  void aPivotARetriableStepAndARetriedRefusalEndTheSameBothWays() {
    Sagas sagas = Sagas.create(node.skald());
    Map<SagaDefinition<Order>, Map<String, List<String>>> runs = new LinkedHashMap<>();
    runs.put(
        PIVOTED,
        Map.of(
            "ok", List.of(),
            "declined", List.of("payments:decline"),
            "no-stock", List.of("inventory:out-of-stock"),
            "busy", List.of("shipping:busy-2")));
    runs.put(RETRIED, Map.of("ok", List.of(), "declined", List.of("payments:decline")));
    for (var run : runs.entrySet()) {
      SagaOrchestrator<Order> o = sagas.orchestrator(run.getKey());
      SagaChoreography<Order> c = sagas.choreography(run.getKey());
      String prefix = run.getKey().name() + "-";
      for (var script : run.getValue().entrySet()) {
        String name = prefix + script.getKey();
        o.start("o-" + name, new Order("o-" + name, 10, script.getValue(), null, null))
            .toCompletableFuture()
            .join();
        c.start("c-" + name, new Order("c-" + name, 10, script.getValue(), null, null))
            .toCompletableFuture()
            .join();
      }
      for (String script : run.getValue().keySet()) {
        String name = prefix + script;
        SagaView<Order> ov = awaitEnd(o, "o-" + name);
        SagaView<Order> cv = awaitEnd(c, "c-" + name);
        assertEquals(ov.status(), cv.status(), name);
        assertEquals(ov.succeededSteps(), cv.succeededSteps(), name);
        assertEquals(ov.compensatedSteps(), cv.compensatedSteps(), name);
        for (String effect :
            List.of("reserve-stock:do", "reserve-stock:undo", "charge-payment:do", "ship:do")) {
          assertEquals(
              shop.effects("o-" + name, effect), shop.effects("c-" + name, effect), name + effect);
        }
      }
    }
    assertEquals(
        SagaStatus.COMPLETED,
        awaitEnd(sagas.choreography(PIVOTED), "c-both-ways-pivot-busy").status());
    assertEquals(
        List.of("reserve-stock"),
        awaitEnd(sagas.choreography(RETRIED), "c-both-ways-retried-declined").compensatedSteps());
  }

  @Test
  void aSagaDeadlineTurnsBothFlowsBackAlike() {
    // the payment answers after 1.5 s, past the saga's 800 ms deadline
    Sagas sagas = Sagas.create(node.skald());
    SagaOrchestrator<Order> o = sagas.orchestrator(BOUNDED);
    SagaChoreography<Order> c = sagas.choreography(BOUNDED);
    for (SagaRunner<Order> runner : List.<SagaRunner<Order>>of(o, c)) {
      String id = (runner == o ? "o" : "c") + "-bounded-slow";
      runner
          .start(id, new Order(id, 10, List.of("payments:slow"), null, null))
          .toCompletableFuture()
          .join();
    }
    SagaView<Order> ov = awaitEnd(o, "o-bounded-slow");
    SagaView<Order> cv = awaitEnd(c, "c-bounded-slow");
    for (SagaView<Order> view : List.of(ov, cv)) {
      assertEquals(SagaStatus.COMPENSATED, view.status(), view.history().toString());
      assertTrue(view.deadlinePassed(), view.history().toString());
      assertEquals(List.of("charge-payment", "reserve-stock"), view.compensatedSteps());
    }
    for (String effect : List.of("reserve-stock:undo", "charge-payment:undo", "ship:do")) {
      assertEquals(
          shop.effects("o-bounded-slow", effect), shop.effects("c-bounded-slow", effect), effect);
    }
  }

  /** Issue 14, behaviour 10: participants are routed by endpoint, not by command class. */
  @Test
  void twoEndpointsSharingACommandClassEachReachOnlyTheirService() {
    Sagas sagas = Sagas.create(node.skald());
    SagaOrchestrator<Order> o = sagas.orchestrator(NOTICES);
    SagaChoreography<Order> c = sagas.choreography(NOTICES);
    o.start("n-o", new Order("n-o", 1)).toCompletableFuture().join();
    c.start("n-c", new Order("n-c", 1)).toCompletableFuture().join();
    for (String id : List.of("n-o", "n-c")) {
      SagaView<Order> view = awaitEnd(id.equals("n-o") ? o : c, id);
      assertEquals(SagaStatus.COMPLETED, view.status(), view.history().toString());
      // before the fix: in the choreography both services ran their handler for tell-warehouse
      assertEquals(
          Map.of(
              "warehouse-notifier:tell-warehouse:" + id, 1,
              "customer-notifier:tell-customer:" + id, 1),
          notices.entrySet().stream()
              .filter(e -> e.getKey().endsWith(":" + id))
              .collect(
                  java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get())),
          id);
    }
  }

  @Test
  void aParallelSagaNeedsAnOrchestrator() {
    SagaDefinition<Order> parallel =
        SagaDefinition.named("fan-out", Order.class)
            .parallel("prepare")
            .branch("a")
            .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
            .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
            .branch("b")
            .invoke(TestShop.CHARGE, o -> new TestShop.Charge(o.id(), 1, o.script()))
            .compensateWith(TestShop.REFUND, o -> new TestShop.Refund(o.id(), o.script()))
            .join()
            .build();
    InvalidSagaDefinitionException e =
        assertThrows(
            InvalidSagaDefinitionException.class,
            () -> Sagas.create(node.skald()).choreography(parallel));
    assertTrue(e.getMessage().contains("parallel step 'prepare' cannot run as a choreography"));
  }
}
