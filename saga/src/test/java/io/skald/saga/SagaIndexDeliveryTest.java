package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skald.saga.TestShop.Order;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.PoisonPill;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, behaviour 8: status changes reach the saga index at least once. The index is killed
 * again and again while sagas run and park (its buffered changes die with it, as with its node);
 * every parked saga must still be listed, and the counts must converge.
 */
class SagaIndexDeliveryTest {

  @Test
  void everyParkedSagaIsListedAfterTheIndexDiedAgainAndAgain() throws Exception {
    SkaldTestNode node =
        SkaldTestNode.start(SkaldTestNode.newDataDir(), false, "skald.saga.ask-timeout = 2s");
    AtomicBoolean killing = new AtomicBoolean(true);
    try {
      Sagas sagas = Sagas.create(node.skald());
      TestShop shop = new TestShop();
      shop.startParticipants(sagas);
      SagaOrchestrator<Order> orders =
          sagas.orchestrator(TestShop.threeSteps("index-delivery", Duration.ofSeconds(5), 1));
      // the index entity is stopped every 20 ms (sharding starts it again on its next message)
      CompletableFuture<Void> killer =
          CompletableFuture.runAsync(
              () -> {
                while (killing.get()) {
                  node.skald()
                      .system()
                      .classicSystem()
                      .actorSelection("/system/sharding/skald-saga-index/*/*")
                      .tell(PoisonPill.getInstance(), ActorRef.noSender());
                  CompletableFuture.runAsync(
                          () -> {}, CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS))
                      .join();
                }
              });
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        String id = "parks-" + i;
        ids.add(id);
        shop.brokenRefunds.add(id); // shipping refused, then the refund fails: parked
        orders
            .start(id, new Order(id, 10, List.of("shipping:refuse"), null, null))
            .toCompletableFuture()
            .join();
      }
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(30),
          () -> {
            for (String id : ids) {
              assertEquals(
                  SagaStatus.PARKED, orders.get(id).toCompletableFuture().join().get().status());
            }
          });
      killing.set(false);
      killer.get(10, TimeUnit.SECONDS);
      // before the fix: changes told once died with the index, and parked sagas were missing
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(30),
          () -> {
            assertEquals(
                ids.stream().sorted().toList(),
                orders.list(SagaStatus.PARKED).toCompletableFuture().join().stream()
                    .sorted()
                    .toList());
            assertEquals(
                10L,
                orders.counts().toCompletableFuture().join().getOrDefault(SagaStatus.PARKED, 0L));
            assertEquals(
                0L,
                orders.counts().toCompletableFuture().join().getOrDefault(SagaStatus.RUNNING, 0L));
          });
    } finally {
      killing.set(false);
      node.close();
      node.deleteDataDir();
    }
  }
}
