package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.saga.TestShop.Charge;
import io.skald.saga.TestShop.Charged;
import io.skald.saga.TestShop.Order;
import io.skald.saga.TestShop.Refund;
import io.skald.saga.TestShop.Release;
import io.skald.saga.TestShop.Reserve;
import io.skald.saga.TestShop.Reserved;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 20, child sagas: a step starts one child saga per line and continues when all (or a quorum)
 * completed; a child that fails makes the fan-out compensate the children that completed and the
 * parent turn back; a parent that fails later compensates its completed children.
 */
class ChildSagasTest {

  /** A basket: one line per child saga; {@code reserved} collects the children's reservations. */
  record Basket(String id, List<Order> lines, List<String> script, List<String> reserved) {
    Basket withReserved(List<Order> done) {
      List<String> ids = new ArrayList<>();
      done.forEach(o -> ids.add(o.reservation()));
      return new Basket(id, lines, script, ids);
    }
  }

  static final SagaDefinition<Order> RESERVE_LINE =
      SagaDefinition.named("reserve-line", Order.class)
          .step("reserve-stock")
          .invoke(TestShop.RESERVE, o -> new Reserve(o.id(), o.script()))
          .onReply(Reserved.class, (o, r) -> o.withReservation(r.reservationId()))
          .compensateWith(TestShop.RELEASE, o -> new Release(o.id()))
          .timeout(Duration.ofSeconds(10))
          .build();

  static SagaDefinition<Basket> basket(String name, int quorum) {
    var children =
        SagaDefinition.named(name, Basket.class)
            .startChildren("reserve-lines", RESERVE_LINE, Basket::lines)
            .onChildren(Basket::withReserved)
            .timeout(Duration.ofSeconds(20));
    if (quorum > 0) {
      children = children.quorum(quorum);
    }
    return children
        .step("charge-payment")
        .invoke(TestShop.CHARGE, b -> new Charge(b.id(), 10, b.script()))
        .onReply(Charged.class, (b, c) -> b)
        .compensateWith(TestShop.REFUND, b -> new Refund(b.id(), b.script()))
        .timeout(Duration.ofSeconds(10))
        .build();
  }

  private SkaldTestNode node;
  private TestShop shop;
  private Sagas sagas;

  @BeforeEach
  void start() {
    node = SkaldTestNode.start(SkaldTestNode.newDataDir(), false, "");
    sagas = Sagas.create(node.skald());
    shop = new TestShop();
    shop.startParticipants(sagas);
  }

  @AfterEach
  void stop() {
    node.close();
    node.deleteDataDir();
  }

  private static List<Order> lines(String basket, String... scripts) {
    List<Order> lines = new ArrayList<>();
    for (int i = 0; i < scripts.length; i++) {
      lines.add(
          scripts[i].isEmpty()
              ? new Order(basket + "-line-" + i, 1)
              : new Order(basket + "-line-" + i, 1, scripts[i]));
    }
    return lines;
  }

  private SagaView<?> awaitEnd(SagaRunner<?> runner, String id, SagaStatus status) {
    Await.until(
        node.skald().system(),
        Duration.ofSeconds(30),
        () ->
            assertEquals(
                status, runner.get(id).toCompletableFuture().join().orElseThrow().status(), id));
    return runner.get(id).toCompletableFuture().join().orElseThrow();
  }

  @Test
  void theParentContinuesWhenEveryChildCompleted() {
    SagaOrchestrator<Basket> baskets = sagas.orchestrator(basket("basket", 0));
    SagaOrchestrator<Order> lines = sagas.orchestrator(RESERVE_LINE); // registered by the parent
    baskets
        .start("b1", new Basket("b1", lines("b1", "", "", ""), List.of(), List.of()))
        .toCompletableFuture()
        .join();
    SagaView<?> done = awaitEnd(baskets, "b1", SagaStatus.COMPLETED);
    assertEquals(
        List.of("r-b1-line-0", "r-b1-line-1", "r-b1-line-2"), ((Basket) done.data()).reserved());
    for (int i = 0; i < 3; i++) {
      awaitEnd(lines, "b1:reserve-lines:" + i, SagaStatus.COMPLETED);
      assertEquals(1, shop.effects("b1-line-" + i, "reserve-stock:do"));
    }
  }

  /** An order split over warehouses: each part a child saga with children of its own. */
  record Split(String id, List<Basket> parts, List<String> script) {}

  @Test
  void childrenWithChildrenCompleteCompensateAndAreReleasedLevelByLevel() {
    SagaDefinition<Basket> part =
        SagaDefinition.named("basket-part", Basket.class)
            .startChildren("reserve-lines", RESERVE_LINE, Basket::lines)
            .timeout(Duration.ofSeconds(20))
            .build();
    SagaOrchestrator<Split> splits =
        sagas.orchestrator(
            SagaDefinition.named("split-order", Split.class)
                .startChildren("split", part, Split::parts)
                .timeout(Duration.ofSeconds(20))
                .step("charge-payment")
                .invoke(TestShop.CHARGE, o -> new Charge(o.id(), 10, o.script()))
                .compensateWith(TestShop.REFUND, o -> new Refund(o.id(), o.script()))
                .timeout(Duration.ofSeconds(10))
                .build());
    SagaOrchestrator<Basket> parts = sagas.orchestrator(part);
    SagaOrchestrator<Order> lines = sagas.orchestrator(RESERVE_LINE);
    // two parts of two lines each: the part ids are <order>:split:<i>, their lines' ids
    // <order>:split:<i>:reserve-lines:<j>
    for (String order : List.of("g1", "g2")) {
      List<Basket> two = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        two.add(
            new Basket(order + "-p" + i, lines(order + "-p" + i, "", ""), List.of(), List.of()));
      }
      splits
          .start(
              order,
              new Split(order, two, order.equals("g2") ? List.of("payments:decline") : List.of()))
          .toCompletableFuture()
          .join();
    }
    awaitEnd(splits, "g1", SagaStatus.COMPLETED);
    awaitEnd(splits, "g2", SagaStatus.COMPENSATED);
    for (int i = 0; i < 2; i++) {
      awaitEnd(parts, "g1:split:" + i, SagaStatus.COMPLETED);
      awaitEnd(parts, "g2:split:" + i, SagaStatus.COMPENSATED);
      for (int j = 0; j < 2; j++) {
        awaitEnd(lines, "g1:split:" + i + ":reserve-lines:" + j, SagaStatus.COMPLETED);
        awaitEnd(lines, "g2:split:" + i + ":reserve-lines:" + j, SagaStatus.COMPENSATED);
        assertEquals(1, shop.effects("g2-p" + i + "-line-" + j, "reserve-stock:undo"));
        assertEquals(0, shop.effects("g1-p" + i + "-line-" + j, "reserve-stock:undo"));
      }
    }
    // the top parent ended for good: its fan-out and, through the parts it completed, theirs go
    Await.until(
        node.skald().system(),
        Duration.ofSeconds(15),
        () -> {
          for (String order : List.of("g1", "g2")) {
            assertEquals(
                0, JournalEvents.count(node, "skald-saga-fan-out|split-order:split:" + order));
            for (int i = 0; i < 2; i++) {
              assertEquals(
                  0,
                  JournalEvents.count(
                      node,
                      "skald-saga-fan-out|basket-part:reserve-lines:" + order + ":split:" + i),
                  order + " part " + i);
            }
          }
        });
  }

  record Approved(String by) {}

  @Test
  void childrenThatWaitKeepTheParentWaitingAndItsFanOutIsDeletedWhenItEnds() {
    SagaDefinition<Order> approveLine =
        SagaDefinition.named("approve-line", Order.class)
            .awaitSignal("approval", Approved.class)
            .timeout(Duration.ofSeconds(30))
            .build();
    SagaOrchestrator<Basket> baskets =
        sagas.orchestrator(
            SagaDefinition.named("approved-basket", Basket.class)
                .startChildren("approve-lines", approveLine, Basket::lines)
                .timeout(Duration.ofSeconds(30))
                .build());
    SagaOrchestrator<Order> approvals = sagas.orchestrator(approveLine);
    baskets
        .start("a1", new Basket("a1", lines("a1", "", ""), List.of(), List.of()))
        .toCompletableFuture()
        .join();
    String fanOut = "skald-saga-fan-out|approved-basket:approve-lines:a1";
    Await.until(
        node.skald().system(),
        Duration.ofSeconds(10),
        () -> {
          awaitEnd(approvals, "a1:approve-lines:1", SagaStatus.RUNNING);
          assertTrue(JournalEvents.count(node, fanOut) > 0);
        });
    assertEquals(
        SagaStatus.RUNNING, baskets.get("a1").toCompletableFuture().join().orElseThrow().status());
    for (int i = 0; i < 2; i++) {
      assertTrue(
          approvals
              .signal("a1:approve-lines:" + i, new Approved("m"))
              .toCompletableFuture()
              .join());
    }
    awaitEnd(baskets, "a1", SagaStatus.COMPLETED);
    // the parent ended for good: nothing asks its fan-out again, which deleted its journal
    Await.until(
        node.skald().system(),
        Duration.ofSeconds(10),
        () -> assertEquals(0, JournalEvents.count(node, fanOut)));
  }

  @Test
  void aChildFailingMakesTheCompletedOnesCompensateAndTheParentTurnBack() {
    SagaOrchestrator<Basket> baskets = sagas.orchestrator(basket("basket", 0));
    SagaOrchestrator<Order> lines = sagas.orchestrator(RESERVE_LINE);
    baskets
        .start(
            "b2",
            new Basket("b2", lines("b2", "", "inventory:out-of-stock", ""), List.of(), List.of()))
        .toCompletableFuture()
        .join();
    SagaView<?> view = awaitEnd(baskets, "b2", SagaStatus.COMPENSATED);
    assertTrue(view.reason().contains("reserve-lines"), view.reason());
    for (int i = 0; i < 3; i++) {
      awaitEnd(lines, "b2:reserve-lines:" + i, SagaStatus.COMPENSATED);
    }
    // the two that completed were undone; the refused one had nothing to undo
    assertEquals(1, shop.effects("b2-line-0", "reserve-stock:undo"));
    assertEquals(1, shop.effects("b2-line-2", "reserve-stock:undo"));
    assertEquals(0, shop.effects("b2-line-1", "reserve-stock:do"));
    assertEquals(0, shop.effects("b2", "charge-payment:do"), "the parent never got further");
  }

  @Test
  void aParentFailingLaterCompensatesItsCompletedChildren() {
    SagaOrchestrator<Basket> baskets = sagas.orchestrator(basket("basket", 0));
    SagaOrchestrator<Order> lines = sagas.orchestrator(RESERVE_LINE);
    baskets
        .start("b3", new Basket("b3", lines("b3", "", ""), List.of("payments:decline"), List.of()))
        .toCompletableFuture()
        .join();
    awaitEnd(baskets, "b3", SagaStatus.COMPENSATED);
    for (int i = 0; i < 2; i++) {
      awaitEnd(lines, "b3:reserve-lines:" + i, SagaStatus.COMPENSATED);
      assertEquals(1, shop.effects("b3-line-" + i, "reserve-stock:do"));
      assertEquals(1, shop.effects("b3-line-" + i, "reserve-stock:undo"));
    }
  }

  @Test
  void aQuorumLetsTheParentContinueDespiteAFailedChild() {
    SagaOrchestrator<Basket> baskets = sagas.orchestrator(basket("quorum-basket", 2));
    SagaOrchestrator<Order> lines = sagas.orchestrator(RESERVE_LINE);
    baskets
        .start(
            "b4",
            new Basket("b4", lines("b4", "", "inventory:out-of-stock", ""), List.of(), List.of()))
        .toCompletableFuture()
        .join();
    SagaView<?> done = awaitEnd(baskets, "b4", SagaStatus.COMPLETED);
    assertEquals(List.of("r-b4-line-0", "r-b4-line-2"), ((Basket) done.data()).reserved());
    awaitEnd(lines, "b4:reserve-lines:1", SagaStatus.COMPENSATED);
    // no children: the step completes at once
    baskets
        .start("b5", new Basket("b5", List.of(), List.of(), List.of()))
        .toCompletableFuture()
        .join();
    awaitEnd(baskets, "b5", SagaStatus.COMPLETED);
  }

  @Test
  void aRestartInTheMiddleOfAFanOutLosesNothing() {
    SagaOrchestrator<Basket> baskets = sagas.orchestrator(basket("basket", 0));
    baskets
        .start("b6", new Basket("b6", lines("b6", "", "", "", ""), List.of(), List.of()))
        .toCompletableFuture()
        .join();
    java.nio.file.Path dir = node.dataDir();
    node.close(); // at once: the fan-out has begun, or not, some children have started, or not
    node = SkaldTestNode.start(dir, false, "");
    sagas = Sagas.create(node.skald());
    shop = new TestShop();
    shop.startParticipants(sagas);
    baskets = sagas.orchestrator(basket("basket", 0));
    SagaOrchestrator<Order> lines = sagas.orchestrator(RESERVE_LINE);
    SagaView<?> done = awaitEnd(baskets, "b6", SagaStatus.COMPLETED);
    assertEquals(4, ((Basket) done.data()).reserved().size(), done.toString());
    for (int i = 0; i < 4; i++) {
      awaitEnd(lines, "b6:reserve-lines:" + i, SagaStatus.COMPLETED);
    }
  }

  @Test
  void theCheckerExploresAChildSagaStepAndTheRendererDrawsIt() {
    SagaDefinition<Basket> definition = basket("checked-basket", 0);
    io.skald.saga.testkit.SagaChecker.Report report =
        io.skald.saga.testkit.SagaTestKit.of(definition)
            .checker()
            .succeedsWith(TestShop.CHARGE, cmd -> new Charged("p-1"))
            .failsWith(TestShop.CHARGE, cmd -> new TestShop.Declined("no"))
            .check(new Basket("c1", lines("c1", "", ""), List.of(), List.of()));
    // the fan-out's outcomes (all completed, quorum out of reach, lost, late, duplicated
    // verdicts, its compensation failing) are explored as any participant's
    assertTrue(report.scenarios() > 20, report.toString());
    assertTrue(report.completed() > 0 && report.compensated() > 0, report.toString());
    // and the children's own definition is checked as any saga
    assertTrue(
        io.skald.saga.testkit.SagaTestKit.of(RESERVE_LINE)
                .checker()
                .succeedsWith(TestShop.RESERVE, cmd -> new Reserved("r-1"))
                .failsWith(TestShop.RESERVE, cmd -> new TestShop.OutOfStock(cmd.orderId()))
                .check(new Order("l1", 1))
                .scenarios()
            > 5);

    String mermaid = definition.toMermaid();
    assertTrue(
        mermaid.contains(
            "s1[[\"reserve-lines: starts reserve-line per element, all within PT20S\"]]"),
        mermaid);
    assertTrue(mermaid.contains("s1 -. quorum out of reach .-> compensated"), mermaid);
    assertTrue(
        mermaid.contains("c1[\"undo reserve-lines: compensate completed reserve-line\"]"), mermaid);
    assertTrue(
        basket("drawn-quorum", 2).toMermaid().contains("quorum 2 within PT20S"),
        basket("drawn-quorum", 2).toMermaid());
  }
}
