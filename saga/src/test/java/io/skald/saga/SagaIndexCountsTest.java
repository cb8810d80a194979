package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skald.saga.TestShop.Order;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, behaviour 8 (counts part): the index lists at most {@code index-max-finished} finished
 * instances, but its counts stay exact beyond that (before, the counts stopped at the bound, and
 * {@code demo --orders 10500} waited forever for 10,500 ended sagas).
 */
class SagaIndexCountsTest {

  @Test
  void countsStayExactPastTheBoundOfListedFinishedInstances() {
    SkaldTestNode node =
        SkaldTestNode.start(SkaldTestNode.newDataDir(), false, "skald.saga.index-max-finished = 2");
    try {
      Sagas sagas = Sagas.create(node.skald());
      new TestShop().startParticipants(sagas);
      SagaOrchestrator<Order> orders =
          sagas.orchestrator(TestShop.threeSteps("bounded-index", Duration.ofSeconds(5), 3));
      for (int i = 0; i < 5; i++) {
        orders.start("o-" + i, new Order("o-" + i, 10)).toCompletableFuture().join();
      }
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(30),
          () ->
              assertEquals(
                  5L,
                  orders
                      .counts()
                      .toCompletableFuture()
                      .join()
                      .getOrDefault(SagaStatus.COMPLETED, 0L)));
      // the list keeps only the newest finished ones (once the index's last batch is applied)
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(10),
          () ->
              assertEquals(
                  2, orders.list(SagaStatus.COMPLETED).toCompletableFuture().join().size()));
    } finally {
      node.close();
      node.deleteDataDir();
    }
  }
}
