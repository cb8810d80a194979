package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Semantic locks on a real node: refused or queued first come first served, re-entrant, durable
 * across a restart, and released when the holding saga ends, also after it compensated.
 */
class SemanticLocksTest {

  private static CommandContext ctx(String sagaId) {
    return new CommandContext("orders", sagaId, "hold", false, "orders/" + sagaId + "/hold/do", 1);
  }

  private static <T> T join(CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }

  @Test
  void locksAreRefusedOrQueuedReentrantAndDurable() throws Exception {
    Path dir = SkaldTestNode.newDataDir();
    SkaldTestNode node = SkaldTestNode.start(dir, false, "");
    try {
      Sagas sagas = Sagas.create(node.skald());
      SemanticLocks refuse =
          sagas.semanticLocks("refusing", SemanticLocks.Conflict.REFUSE, Duration.ofSeconds(1));
      assertTrue(join(refuse.acquire("sku-1", ctx("a"))).granted());
      assertTrue(join(refuse.acquire("sku-1", ctx("a"))).granted(), "re-entrant");
      SemanticLocks.Lock refused = join(refuse.acquire("sku-1", ctx("b")));
      assertFalse(refused.granted());
      assertEquals("orders/a", refused.heldBy());
      assertEquals(Optional.of("orders/a"), join(refuse.holder("sku-1")));

      SemanticLocks queue =
          sagas.semanticLocks("queueing", SemanticLocks.Conflict.QUEUE, Duration.ofSeconds(10));
      assertTrue(join(queue.acquire("sku-2", ctx("a"))).granted());
      CompletableFuture<SemanticLocks.Lock> b =
          queue.acquire("sku-2", ctx("b")).toCompletableFuture();
      awaitQueue(node, "queueing", "sku-2", List.of("orders/b"));
      CompletableFuture<SemanticLocks.Lock> c =
          queue.acquire("sku-2", ctx("c")).toCompletableFuture();
      awaitQueue(node, "queueing", "sku-2", List.of("orders/b", "orders/c"));
      assertFalse(b.isDone());
      assertTrue(join(queue.release("sku-2", ctx("a"))));
      assertEquals("orders/b", b.get(5, TimeUnit.SECONDS).heldBy(), "first come, first served");
      assertTrue(b.get().granted());
      assertFalse(c.isDone());
      String holdings = "skald-saga-semantic-lock-holdings|queueing:orders/b";
      assertTrue(JournalEvents.count(node, holdings) > 0);
      assertEquals(1, join(queue.releaseAll("orders", "b")), "b's end releases what it holds");
      SkaldTestNode current = node;
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(10),
          () -> assertEquals(0, JournalEvents.count(current, holdings), "nothing left of b"));
      assertTrue(c.get(5, TimeUnit.SECONDS).granted());

      SemanticLocks shortWait =
          sagas.semanticLocks("impatient", SemanticLocks.Conflict.QUEUE, Duration.ofMillis(300));
      assertTrue(join(shortWait.acquire("sku-3", ctx("a"))).granted());
      SemanticLocks.Lock gaveUp = join(shortWait.acquire("sku-3", ctx("d")));
      assertFalse(gaveUp.granted(), "the wait is bounded");
      assertEquals("orders/a", gaveUp.heldBy());

      assertThrows(
          IllegalArgumentException.class,
          () ->
              sagas.semanticLocks(
                  "bad name!", SemanticLocks.Conflict.REFUSE, Duration.ofSeconds(1)));
      CompletionException empty =
          assertThrows(CompletionException.class, () -> join(refuse.acquire("", ctx("a"))));
      assertTrue(empty.getCause() instanceof IllegalArgumentException);

      node.close();
      node = SkaldTestNode.start(dir, false, "");
      SemanticLocks after =
          Sagas.create(node.skald())
              .semanticLocks("refusing", SemanticLocks.Conflict.REFUSE, Duration.ofSeconds(1));
      assertEquals(Optional.of("orders/a"), join(after.holder("sku-1")), "durable");
      assertFalse(join(after.acquire("sku-1", ctx("b"))).granted());
      assertEquals(1, join(after.releaseAll("orders", "a")));
      assertTrue(join(after.acquire("sku-1", ctx("b"))).granted());
    } finally {
      node.close();
      SkaldTestNode.deleteRecursively(dir);
    }
  }

  private static void awaitQueue(
      SkaldTestNode node, String space, String resource, List<String> queue) {
    Await.until(
        node.skald().system(),
        Duration.ofSeconds(5),
        () ->
            assertEquals(
                queue,
                join(io.skald.saga.internal.lock.LockEntity.ref(
                            node.skald().system(), space, resource)
                        .<io.skald.saga.internal.lock.LockEntity.State>ask(
                            io.skald.saga.internal.lock.LockEntity.Get::new, Duration.ofSeconds(3)))
                    .queue()));
  }

  record Order(String id, int amount) {}

  record Hold(String orderId, String resource) {}

  record Held(String resource) {}

  record Busy(String heldBy) {}

  record Unhold(String orderId) {}

  record Pay(String orderId, int amount) {}

  record Declined(String reason) {}

  static final Endpoint<Hold> HOLD =
      Endpoint.of("keeper.hold", "keeper-commands", Hold.class)
          .replies(Held.class)
          .failures(Busy.class);

  static final Endpoint<Unhold> UNHOLD =
      Endpoint.of("keeper.unhold", "keeper-commands", Unhold.class);

  static final Endpoint<Pay> PAY =
      Endpoint.of("payer.pay", "payer-commands", Pay.class).failures(Declined.class);

  static final SagaDefinition<Order> LOCKED =
      SagaDefinition.named("locked-orders", Order.class)
          .step("hold")
          .invoke(HOLD, o -> new Hold(o.id(), "last-unit"))
          .compensateWith(UNHOLD, o -> new Unhold(o.id()))
          .step("pay")
          .invoke(PAY, o -> new Pay(o.id(), o.amount()))
          .pivot()
          .build();

  @Test
  void aLockHeldBySagaIsReleasedWhenItEndsAlsoAfterItCompensated() {
    SkaldTestNode node = SkaldTestNode.start();
    try {
      Sagas sagas = Sagas.create(node.skald());
      SemanticLocks units =
          sagas.semanticLocks("units", SemanticLocks.Conflict.REFUSE, Duration.ofSeconds(1));
      CompletableFuture<Object> bank = new CompletableFuture<>();
      sagas
          .participant("keeper")
          .on(
              HOLD,
              (cmd, ctx) ->
                  units
                      .acquire(cmd.resource(), ctx)
                      .thenApply(
                          lock ->
                              lock.granted() ? new Held(cmd.resource()) : new Busy(lock.heldBy())))
          .on(UNHOLD, (cmd, ctx) -> CompletableFuture.completedFuture(null))
          .releasingAtEnd(units)
          .start();
      sagas
          .participant("payer")
          .on(
              PAY,
              (cmd, ctx) ->
                  cmd.amount() > 100
                      ? bank.thenApply(x -> new Declined("over the limit"))
                      : CompletableFuture.completedFuture(null))
          .start();
      SagaOrchestrator<Order> orders = sagas.orchestrator(LOCKED);

      join(orders.start("o-1", new Order("o-1", 500))); // holds the unit, its payment is pending
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(20),
          () -> assertEquals(Optional.of("locked-orders/o-1"), join(units.holder("last-unit"))));
      join(orders.start("o-2", new Order("o-2", 10)));
      awaitStatus(node, orders, "o-2", SagaStatus.COMPENSATED); // refused: o-1 holds it
      assertEquals(Optional.of("locked-orders/o-1"), join(units.holder("last-unit")));

      bank.complete(null); // o-1's payment is declined: it compensates and ends
      awaitStatus(node, orders, "o-1", SagaStatus.COMPENSATED);
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(20),
          () -> assertEquals(Optional.empty(), join(units.holder("last-unit"))));

      join(orders.start("o-3", new Order("o-3", 10)));
      awaitStatus(node, orders, "o-3", SagaStatus.COMPLETED);
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(20),
          () -> assertEquals(Optional.empty(), join(units.holder("last-unit"))));
    } finally {
      node.close();
      node.deleteDataDir();
    }
  }

  private static void awaitStatus(
      SkaldTestNode node, SagaOrchestrator<Order> saga, String id, SagaStatus status) {
    Await.until(
        node.skald().system(),
        Duration.ofSeconds(20),
        () -> assertEquals(status, join(saga.get(id)).orElseThrow().status()));
  }
}
