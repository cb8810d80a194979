package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.Skald;
import io.skald.saga.TestShop.Order;
import io.skald.saga.internal.runner.DefinitionCatalog;
import io.skald.saga.internal.runner.SagaIndex;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A definition deployed while instances of the previous one are in flight: instances replay their
 * steps by name under whatever is registered, so a change that renames, removes or inserts a step
 * before the last is refused at registration, naming the step, while one that appends steps is
 * accepted; with nothing in flight any change is.
 */
class DefinitionChangeTest {

  private static SagaDefinition.Steps<Order> reserveAndCharge(String name, String charge) {
    return reserveAndCharge(name, "reserve-stock", charge);
  }

  private static SagaDefinition.Steps<Order> reserveAndCharge(
      String name, String reserve, String charge) {
    return SagaDefinition.named(name, Order.class)
        .step(reserve)
        .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
        .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
        .step(charge)
        .invoke(TestShop.CHARGE, o -> new TestShop.Charge(o.id(), o.amount(), o.script()))
        .compensateWith(TestShop.REFUND, o -> new TestShop.Refund(o.id(), o.script()));
  }

  /** The instance ids in the journal of a saga's index. */
  private static java.util.Set<String> indexed(Skald skald, String saga) {
    java.util.Set<String> ids = new java.util.HashSet<>();
    org.apache.pekko.persistence.query.PersistenceQuery.get(
            org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(skald.system()))
        .getReadJournalFor(
            org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery.class,
            "skald.framework.persistence.leveldb-query")
        .currentEventsByPersistenceId(SagaIndex.TYPE_KEY.name() + "|" + saga, 0, Long.MAX_VALUE)
        .runWith(org.apache.pekko.stream.javadsl.Sink.seq(), skald.system())
        .toCompletableFuture()
        .join()
        .forEach(
            e -> {
              if (e.event() instanceof SagaIndex.Updated updated) {
                ids.addAll(updated.ids());
              }
            });
    return ids;
  }

  @Test
  void aStepChangedUnderInstancesInFlightIsRefusedNamingItAndAnAppendedStepIsNot() {
    Path dir = SkaldTestNode.newDataDir();
    SkaldTestNode node = SkaldTestNode.start(dir, false, "");
    try {
      // given an instance in flight (nobody answers its first command) and an idle saga
      Sagas sagas = Sagas.create(node.skald());
      SagaOrchestrator<Order> v1 =
          sagas.orchestrator(reserveAndCharge("changing", "charge-payment").build());
      sagas.orchestrator(reserveAndCharge("idle", "charge-payment").build());
      SagaOrchestrator<Order> drifting =
          sagas.orchestrator(reserveAndCharge("drifting", "charge-payment").build());
      v1.start("in-flight", new Order("in-flight", 10)).toCompletableFuture().join();
      drifting.start("lost", new Order("lost", 10)).toCompletableFuture().join();
      Skald first = node.skald();
      // the index's count is what the check reads: wait until it is in its journal
      Await.until(
          first.system(),
          Duration.ofSeconds(10),
          () -> assertTrue(indexed(first, "changing").contains("in-flight")));
      node.close();

      // when the next deployment registers changed definitions
      node = SkaldTestNode.start(dir, false, "");
      Sagas next = Sagas.create(node.skald());
      InvalidSagaDefinitionException renamed =
          assertThrows(
              InvalidSagaDefinitionException.class,
              () -> next.orchestrator(reserveAndCharge("changing", "pay").build()));
      assertTrue(
          renamed
              .getMessage()
              .contains(
                  "step 'charge-payment' of the registered definition is missing (renamed or"
                      + " removed?), and 1 instance(s) are in flight"),
          renamed.getMessage());
      InvalidSagaDefinitionException inserted =
          assertThrows(
              InvalidSagaDefinitionException.class,
              () ->
                  next.orchestrator(
                      SagaDefinition.named("changing", Order.class)
                          .step("reserve-stock")
                          .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
                          .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
                          .step("check-fraud")
                          .invoke(TestShop.SHIP, o -> new TestShop.Ship(o.id(), o.script()))
                          .compensateWith(
                              TestShop.CANCEL_SHIPMENT, o -> new TestShop.CancelShipment(o.id()))
                          .step("charge-payment")
                          .invoke(
                              TestShop.CHARGE,
                              o -> new TestShop.Charge(o.id(), o.amount(), o.script()))
                          .compensateWith(
                              TestShop.REFUND, o -> new TestShop.Refund(o.id(), o.script()))
                          .build()));
      assertTrue(
          inserted
              .getMessage()
              .contains("step 'check-fraud' is new at position 2, before 'charge-payment'"),
          inserted.getMessage());

      // then a step appended after the last is accepted, and the instance goes on under it
      SagaOrchestrator<Order> v2 =
          next.orchestrator(
              reserveAndCharge("changing", "charge-payment")
                  .step("ship")
                  .invoke(TestShop.SHIP, o -> new TestShop.Ship(o.id(), o.script()))
                  .retriable()
                  .build());
      assertEquals(
          3, v2.get("in-flight").toCompletableFuture().join().orElseThrow().steps().size());
      // and with nothing in flight, a renamed step is accepted
      next.orchestrator(reserveAndCharge("idle", "pay").build());

      // an instance the check missed (the index had not heard of it: forced here) does not fail
      // its recovery forever under a definition that lacks its step: it is parked with the reason
      SagaDefinition<Order> drift =
          reserveAndCharge("drifting", "reserve", "charge-payment").build();
      assertEquals(
          null,
          DefinitionCatalog.ref(node.skald().system(), "saga:drifting")
              .<DefinitionCatalog.Verdict>ask(
                  replyTo ->
                      new DefinitionCatalog.Register(DefinitionCatalog.shape(drift), 0, replyTo),
                  Duration.ofSeconds(10))
              .toCompletableFuture()
              .join()
              .refusal());
      SagaOrchestrator<Order> drifted = next.orchestrator(drift);
      SagaView<Order> lost = drifted.get("lost").toCompletableFuture().join().orElseThrow();
      assertEquals(SagaStatus.PARKED, lost.status());
      assertTrue(lost.reason().contains("no step 'reserve-stock'"), lost.reason());
      java.util.concurrent.CompletionException retry =
          assertThrows(
              java.util.concurrent.CompletionException.class,
              () -> drifted.retry("lost").toCompletableFuture().join());
      assertTrue(retry.getCause().getMessage().contains("does not replay"), retry.toString());
      assertEquals(SagaStatus.ABORTED, drifted.abort("lost").toCompletableFuture().join().status());
    } finally {
      node.close();
      SkaldTestNode.deleteRecursively(dir);
    }
  }
}
