package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.Codecs;
import io.skald.framework.deadletter.DeadLetter;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.saga.TestShop.Order;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Signals on a real node: sent through the API and as records on the saga's signal topic, refused
 * or dead-lettered with the reason when they cannot be delivered, and kept across a restart when
 * they come before their wait.
 */
class SagaSignalNodeTest {

  /** A manager's approval. */
  record Approved(String manager) {}

  /** A manager's refusal. */
  record Rejected(String reason) {}

  private static SagaDefinition<Order> approved(String name) {
    return SagaDefinition.named(name, Order.class)
        .step("reserve-stock")
        .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
        .onReply(TestShop.Reserved.class, (o, r) -> o.withReservation(r.reservationId()))
        .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
        .awaitSignal("approval", Approved.class)
        .onSignal((o, a) -> o.withReservation(o.reservation() + " approved by " + a.manager()))
        .refusedBy(Rejected.class)
        .timeout(Duration.ofSeconds(60))
        .step("charge-payment")
        .invoke(TestShop.CHARGE, o -> new TestShop.Charge(o.id(), o.amount(), o.script()))
        .onReply(TestShop.Charged.class, (o, r) -> o.withPayment(r.paymentId()))
        .pivot()
        .build();
  }

  private static SagaView<Order> awaitStatus(
      SkaldTestNode node, SagaRunner<Order> saga, String id, SagaStatus status) {
    Await.until(
        node.skald().system(),
        Duration.ofSeconds(20),
        () -> assertEquals(status, saga.get(id).toCompletableFuture().join().get().status()));
    return saga.get(id).toCompletableFuture().join().get();
  }

  private static void awaitWaiting(SkaldTestNode node, SagaRunner<Order> saga, String id) {
    Await.until(
        node.skald().system(),
        Duration.ofSeconds(20),
        () ->
            assertTrue(
                saga.get(id).toCompletableFuture().join().get().steps().stream()
                    .anyMatch(
                        s -> s.name().equals("approval") && s.forward() == StepPhase.RUNNING)));
  }

  private static Throwable cause(CompletionStage<?> stage) {
    CompletionException e =
        assertThrows(CompletionException.class, () -> stage.toCompletableFuture().join());
    return e.getCause();
  }

  @Test
  void signalsComeThroughTheApiAndTheSignalTopicAndBadOnesAreRefusedOrDeadLettered() {
    SkaldTestNode node = SkaldTestNode.start();
    try {
      Sagas sagas = Sagas.create(node.skald());
      TestShop shop = new TestShop();
      shop.startParticipants(sagas);
      SagaDefinition<Order> definition = approved("approved-orders");
      SagaOrchestrator<Order> saga = sagas.orchestrator(definition);
      Producer<String, String> producer =
          node.skald().producer(ProducerSettings.of(Codecs.string(), Codecs.string()));

      // through the API, at the wait
      saga.start("a-1", new Order("a-1", 10)).toCompletableFuture().join();
      awaitWaiting(node, saga, "a-1");
      assertTrue(saga.signal("a-1", new Approved("maria")).toCompletableFuture().join());
      SagaView<Order> done = awaitStatus(node, saga, "a-1", SagaStatus.COMPLETED);
      assertEquals("r-a-1 approved by maria", done.data().reservation());
      assertFalse(saga.signal("a-1", new Approved("again")).toCompletableFuture().join());

      // as a record on the signal topic, named by its simple name, from a system that knows
      // nothing of Java classes
      saga.start("a-2", new Order("a-2", 10)).toCompletableFuture().join();
      awaitWaiting(node, saga, "a-2");
      producer
          .send(
              definition.signalTopic(),
              "a-2",
              "{\"manager\":\"the bank\"}",
              Map.of("skald-saga-type", "Approved"))
          .toCompletableFuture()
          .join();
      assertEquals(
          "r-a-2 approved by the bank",
          awaitStatus(node, saga, "a-2", SagaStatus.COMPLETED).data().reservation());

      // a refusal on the topic turns the saga back
      saga.start("a-3", new Order("a-3", 10)).toCompletableFuture().join();
      awaitWaiting(node, saga, "a-3");
      producer
          .send(
              definition.signalTopic(),
              "a-3",
              "{\"reason\":\"over budget\"}",
              Map.of("skald-saga-type", Rejected.class.getName()))
          .toCompletableFuture()
          .join();
      awaitStatus(node, saga, "a-3", SagaStatus.COMPENSATED);
      assertEquals(1, shop.effects("a-3", "reserve-stock:undo"));

      // the API refuses what cannot be delivered, with the reason
      assertTrue(cause(saga.signal("nobody", new Approved("x"))) instanceof IllegalStateException);
      Throwable unknownType = cause(saga.signal("a-1", "a string"));
      assertTrue(unknownType instanceof IllegalArgumentException, unknownType.toString());

      // the topic dead-letters it, with the reason
      producer
          .send(definition.signalTopic(), "nobody", "{}", Map.of("skald-saga-type", "Approved"))
          .toCompletableFuture()
          .join();
      producer
          .send(definition.signalTopic(), "a-1", "not json", Map.of("skald-saga-type", "Approved"))
          .toCompletableFuture()
          .join();
      producer
          .send(definition.signalTopic(), "a-1", "{}", Map.of("skald-saga-type", "Unknown"))
          .toCompletableFuture()
          .join();
      var dlq = node.skald().deadLetters("skald-saga.approved-orders");
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(20),
          () -> assertEquals(3L, dlq.size().toCompletableFuture().join()));
      List<String> reasons =
          dlq.list(0, 10).toCompletableFuture().join().stream()
              .map(DeadLetter::errorMessage)
              .toList();
      // (in any order: the records are on the partitions of their saga ids)
      for (String reason :
          List.of(
              "nobody: the instance has not started",
              "a-1: the signal does not read as",
              "a-1: saga 'approved-orders' has no step that waits for a signal Unknown")) {
        assertTrue(reasons.stream().anyMatch(r -> r.contains(reason)), reasons.toString());
      }

      // a choreography cannot wait for signals
      InvalidSagaDefinitionException choreographed =
          assertThrows(
              InvalidSagaDefinitionException.class,
              () -> sagas.choreography(approved("approved-flow")));
      assertTrue(choreographed.getMessage().contains("only an orchestrated saga"));
    } finally {
      node.close();
      node.deleteDataDir();
    }
  }

  /** Holds the first reservation of each order until the test opens it. */
  private static final Map<String, CompletableFuture<Object>> GATES = new ConcurrentHashMap<>();

  @Test
  void aSignalThatComesBeforeItsWaitIsKeptAcrossARestart() {
    Path dir = SkaldTestNode.newDataDir();
    SkaldTestNode node = SkaldTestNode.start(dir, false, "");
    try {
      Sagas sagas = Sagas.create(node.skald());
      CompletableFuture<Object> gate = new CompletableFuture<>();
      GATES.put("k-1", gate);
      sagas
          .participant("inventory")
          .on(
              TestShop.RESERVE,
              (cmd, ctx) ->
                  GATES.getOrDefault(
                      cmd.orderId(),
                      CompletableFuture.completedFuture(
                          new TestShop.Reserved("r-" + cmd.orderId()))))
          .on(TestShop.RELEASE, (cmd, ctx) -> CompletableFuture.completedFuture(null))
          .start();
      SagaOrchestrator<Order> saga = sagas.orchestrator(approved("kept-signals"));
      saga.start("k-1", new Order("k-1", 10)).toCompletableFuture().join();
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(20),
          () ->
              assertEquals(
                  StepPhase.RUNNING,
                  saga.get("k-1").toCompletableFuture().join().get().steps().get(0).forward()));
      assertTrue(saga.signal("k-1", new Approved("early")).toCompletableFuture().join());
      node.close(); // the reservation never answered: it is sent again after the restart

      GATES.remove("k-1");
      node = SkaldTestNode.start(dir, false, "");
      Sagas again = Sagas.create(node.skald());
      TestShop shop = new TestShop();
      shop.startParticipants(again);
      SagaOrchestrator<Order> after = again.orchestrator(approved("kept-signals"));
      SagaView<Order> view = awaitStatus(node, after, "k-1", SagaStatus.COMPLETED);
      assertEquals("r-k-1 approved by early", view.data().reservation());
      gate.complete(null);
    } finally {
      node.close();
      SkaldTestNode.deleteRecursively(dir);
    }
  }
}
