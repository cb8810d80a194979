package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.saga.TestShop.Order;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One definition run both ways on one node: the outcomes must be the same. */
class ChoreographyTest {
  private static final SagaDefinition<Order> FLOW =
      TestShop.threeSteps("both-ways", Duration.ofMillis(700), 10);

  private static SkaldTestNode node;
  private static TestShop shop;
  private static SagaOrchestrator<Order> orchestrated;
  private static SagaChoreography<Order> choreographed;

  @BeforeAll
  static void start() {
    node = SkaldTestNode.start();
    Sagas sagas = Sagas.create(node.skald());
    shop = new TestShop();
    shop.startParticipants(sagas, FLOW);
    orchestrated = sagas.orchestrator(FLOW);
    choreographed = sagas.choreography(FLOW);
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
