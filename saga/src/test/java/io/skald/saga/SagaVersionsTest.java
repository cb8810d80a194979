package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.saga.TestShop.Order;
import io.skald.saga.testkit.SagaChecker;
import io.skald.saga.testkit.SagaScenario;
import io.skald.saga.testkit.SagaTestKit;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * A definition's second version deployed while instances of the first are in flight: both run side
 * by side and finish, each under its own steps; the first cannot be retired while it has instances;
 * an instance is migrated to the second version; a changed first version is refused.
 */
class SagaVersionsTest {

  /** A manager's approval. */
  record Approved(String manager) {}

  static SagaDefinition.Steps<Order> reserveAndWait(int version) {
    return SagaDefinition.named("versioned-orders", Order.class)
        .version(version)
        .step("reserve-stock")
        .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
        .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
        .awaitSignal("approval", Approved.class)
        .timeout(Duration.ofMinutes(5));
  }

  /** Version 1: reserve, wait for approval, charge. */
  static final SagaDefinition<Order> V1 =
      reserveAndWait(1)
          .step("charge-payment")
          .invoke(TestShop.CHARGE, o -> new TestShop.Charge(o.id(), o.amount(), o.script()))
          .pivot()
          .build();

  /** Version 2 ships before it charges: a step inserted where version 1's instances are past. */
  static final SagaDefinition<Order> V2 =
      reserveAndWait(2)
          .step("ship")
          .invoke(TestShop.SHIP, o -> new TestShop.Ship(o.id(), o.script()))
          .compensateWith(TestShop.CANCEL_SHIPMENT, o -> new TestShop.CancelShipment(o.id()))
          .step("charge-payment")
          .invoke(TestShop.CHARGE, o -> new TestShop.Charge(o.id(), o.amount(), o.script()))
          .pivot()
          .build();

  @Test
  void aSecondVersionRunsBesideTheFirstAndEachInstanceFinishesUnderItsOwn() {
    Path dir = SkaldTestNode.newDataDir();
    SkaldTestNode node = SkaldTestNode.start(dir, false, "");
    try {
      Sagas sagas = Sagas.create(node.skald());
      new TestShop().startParticipants(sagas);
      SagaOrchestrator<Order> before = sagas.orchestrator(V1);
      for (String id : List.of("v1-a", "v1-b")) {
        before.start(id, new Order(id, 10)).toCompletableFuture().join();
        awaitWaiting(node, before, id);
      }
      node.close();

      // the deploy: version 2 alone is refused while version 1 has instances in flight
      node = SkaldTestNode.start(dir, false, "");
      Sagas deployed = Sagas.create(node.skald());
      TestShop shop = new TestShop();
      shop.startParticipants(deployed);
      InvalidSagaDefinitionException retired =
          assertThrows(InvalidSagaDefinitionException.class, () -> deployed.orchestrator(V2));
      assertTrue(retired.getMessage().contains("run version(s) {1=2}"), retired.getMessage());
      // and a version 1 with other steps is refused while its instances are in flight
      SagaDefinition<Order> changedV1 =
          reserveAndWait(1)
              .step("charge-everything")
              .invoke(TestShop.CHARGE, o -> new TestShop.Charge(o.id(), o.amount(), o.script()))
              .pivot()
              .build();
      InvalidSagaDefinitionException changed =
          assertThrows(
              InvalidSagaDefinitionException.class,
              () -> deployed.orchestrator(List.of(changedV1, V2)));
      assertTrue(changed.getMessage().contains("'charge-payment'"), changed.getMessage());
      assertTrue(changed.getMessage().contains("new version"), changed.getMessage());

      SagaOrchestrator<Order> orders = deployed.orchestrator(List.of(V1, V2));
      assertEquals(List.of(1, 2), List.copyOf(orders.versions()));
      orders.start("v2-a", new Order("v2-a", 10)).toCompletableFuture().join();
      awaitWaiting(node, orders, "v2-a");
      assertEquals(2, orders.get("v2-a").toCompletableFuture().join().orElseThrow().version());
      assertEquals(1, orders.get("v1-a").toCompletableFuture().join().orElseThrow().version());
      SkaldTestNode running = node;
      Await.until(
          running.skald().system(),
          Duration.ofSeconds(10),
          () ->
              assertEquals(
                  Map.of(1, 2L, 2, 1L), orders.versionsInFlight().toCompletableFuture().join()));

      // an instance of version 1 moves to version 2: the ship step is after where it waits
      SagaView<Order> migrated = orders.migrate("v1-b", 2).toCompletableFuture().join();
      assertEquals(2, migrated.version());
      assertTrue(
          migrated.history().stream()
              .anyMatch(h -> h.what().equals("migrated from version 1 to 2")),
          migrated.history().toString());
      CompletionException unknown =
          assertThrows(
              CompletionException.class,
              () -> orders.migrate("v1-a", 9).toCompletableFuture().join());
      assertTrue(unknown.getCause() instanceof IllegalArgumentException);

      for (String id : List.of("v1-a", "v1-b", "v2-a")) {
        assertTrue(orders.signal(id, new Approved("maria")).toCompletableFuture().join());
      }
      for (String id : List.of("v1-a", "v1-b", "v2-a")) {
        Await.until(
            running.skald().system(),
            Duration.ofSeconds(20),
            () ->
                assertEquals(
                    SagaStatus.COMPLETED,
                    orders.get(id).toCompletableFuture().join().orElseThrow().status()));
      }
      // each ran its own version's steps
      assertFalse(steps(orders, "v1-a").contains("ship"), steps(orders, "v1-a").toString());
      assertEquals(0, shop.effects("v1-a", "ship:do"));
      assertTrue(steps(orders, "v1-b").contains("ship"), steps(orders, "v1-b").toString());
      assertEquals(1, shop.effects("v1-b", "ship:do"));
      assertTrue(steps(orders, "v2-a").contains("ship"));
      assertEquals(1, shop.effects("v2-a", "charge-payment:do"));
      Await.until(
          running.skald().system(),
          Duration.ofSeconds(10),
          () -> assertEquals(Map.of(), orders.versionsInFlight().toCompletableFuture().join()));
      node.close();

      // version 1 has no instance left: it may be retired
      node = SkaldTestNode.start(dir, false, "");
      Sagas retiring = Sagas.create(node.skald());
      assertEquals(List.of(2), List.copyOf(retiring.orchestrator(V2).versions()));
    } finally {
      node.close();
      SkaldTestNode.deleteRecursively(dir);
    }
  }

  @Test
  void aMigrationIsAllowedOnlyWhereTheInstancesPastFitsTheTargetVersion() {
    // waiting for approval: the ship step comes after, so the instance may move
    SagaScenario<Order> waiting = SagaTestKit.of(V1).start(new Order("m-1", 10));
    waiting.expectCommandTo(TestShop.RESERVE).reply(null);
    waiting.migrate(V2).crash(); // recovers under version 2
    assertEquals(2, waiting.view().version());
    assertTrue(
        waiting.history().contains("migrated from version 1 to 2"), waiting.history().toString());
    waiting.signal(new Approved("maria"));
    waiting.expectCommandTo(TestShop.SHIP).reply(null);
    waiting.expectCommandTo(TestShop.CHARGE).reply(new TestShop.Charged("p-1"));
    waiting.expectStatus(SagaStatus.COMPLETED);

    // past the approval, charging: version 2's ship step would run after the charge
    SagaScenario<Order> charging = SagaTestKit.of(V1).start(new Order("m-2", 10));
    charging.expectCommandTo(TestShop.RESERVE).reply(null);
    charging.signal(new Approved("maria"));
    charging.expectCommandTo(TestShop.CHARGE);
    IllegalStateException late =
        assertThrows(IllegalStateException.class, () -> charging.migrate(V2));
    assertTrue(
        late.getMessage().contains("'charge-payment' is in stage 4 of version 2 but stage 3"),
        late.getMessage());
    assertEquals(1, charging.view().version());

    // a step it reached changed its kind
    SagaDefinition<Order> v3 =
        SagaDefinition.named("versioned-orders", Order.class)
            .version(3)
            .step("reserve-stock")
            .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
            .pivot()
            .build();
    SagaScenario<Order> reserving = SagaTestKit.of(V1).start(new Order("m-3", 10));
    reserving.expectCommandTo(TestShop.RESERVE);
    IllegalStateException kind =
        assertThrows(IllegalStateException.class, () -> reserving.migrate(v3));
    assertTrue(
        kind.getMessage().contains("COMPENSATABLE in version 1 but PIVOT"), kind.getMessage());
    IllegalStateException same =
        assertThrows(IllegalStateException.class, () -> reserving.migrate(V1));
    assertTrue(same.getMessage().contains("runs version 1 already"), same.getMessage());

    assertTrue(V2.toMermaid().contains("%% versioned-orders version 2"), V2.toMermaid());
    assertFalse(V1.toMermaid().contains("%%"));
    InvalidSagaDefinitionException zero =
        assertThrows(
            InvalidSagaDefinitionException.class,
            () -> SagaDefinition.named("v0", Order.class).version(0));
    assertTrue(zero.getMessage().contains("below 1"), zero.getMessage());
  }

  @Test
  void theCheckerExploresAMigrationAfterEveryTransition() {
    SagaChecker.Report report =
        SagaTestKit.of(V1)
            .checker()
            .succeedsWith(TestShop.RESERVE, cmd -> new TestShop.Reserved("r-1"))
            .failsWith(TestShop.RESERVE, cmd -> new TestShop.OutOfStock(cmd.orderId()))
            .succeedsWith(TestShop.CHARGE, cmd -> new TestShop.Charged("p-1"))
            .failsWith(TestShop.CHARGE, cmd -> new TestShop.Declined("no"))
            .succeedsWith(TestShop.SHIP, cmd -> null)
            .failsWith(TestShop.SHIP, cmd -> new TestShop.Refused("no carrier"))
            .signals(Approved.class, o -> new Approved("maria"))
            .migratingTo(V2)
            .check(new Order("c-1", 10));
    assertTrue(report.scenarios() > 200, report.toString());
    assertTrue(report.completed() > 0 && report.compensated() > 0, report.toString());
  }

  private static List<String> steps(SagaOrchestrator<Order> orders, String id) {
    return orders.get(id).toCompletableFuture().join().orElseThrow().succeededSteps();
  }

  private static void awaitWaiting(SkaldTestNode node, SagaRunner<Order> saga, String id) {
    Await.until(
        node.skald().system(),
        Duration.ofSeconds(20),
        () ->
            assertTrue(
                saga.get(id).toCompletableFuture().join().orElseThrow().steps().stream()
                    .anyMatch(
                        s -> s.name().equals("approval") && s.forward() == StepPhase.RUNNING)));
  }
}
