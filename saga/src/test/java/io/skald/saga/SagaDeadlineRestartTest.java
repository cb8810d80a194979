package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.saga.TestShop.Order;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A saga's deadline is a durable timer: an instance whose node stopped before its deadline parks at
 * the deadline in its next incarnation, measured from its start as written in its journal, not from
 * the restart.
 */
class SagaDeadlineRestartTest {

  private static final SagaDefinition<Order> BOUNDED =
      SagaDefinition.named("bounded-across-restarts", Order.class)
          .step("reserve-stock") // nobody answers: the saga waits on it
          .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
          .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
          .timeout(Duration.ofSeconds(30))
          .deadline(Duration.ofSeconds(3), SagaDeadline.Action.PARK)
          .build();

  @Test
  void aDeadlineArmedBeforeARestartFiresAfterItAtItsTime() {
    Path dir = SkaldTestNode.newDataDir();
    SkaldTestNode node = SkaldTestNode.start(dir, false, "");
    try {
      SagaOrchestrator<Order> before = Sagas.create(node.skald()).orchestrator(BOUNDED);
      before.start("r-1", new Order("r-1", 10)).toCompletableFuture().join();
      Instant deadline = before.get("r-1").toCompletableFuture().join().orElseThrow().deadline();
      node.close();

      node = SkaldTestNode.start(dir, false, "");
      SagaOrchestrator<Order> after = Sagas.create(node.skald()).orchestrator(BOUNDED);
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(20),
          () ->
              assertEquals(
                  SagaStatus.PARKED,
                  after.get("r-1").toCompletableFuture().join().orElseThrow().status()));
      SagaView<Order> view = after.get("r-1").toCompletableFuture().join().orElseThrow();
      assertTrue(view.deadlinePassed());
      assertEquals(deadline, view.deadline(), "the deadline is the one armed at the start");
      Instant passed =
          view.history().stream()
              .filter(h -> h.what().equals("saga deadline passed"))
              .findFirst()
              .orElseThrow()
              .at();
      assertTrue(!passed.isBefore(deadline), passed + " is not before " + deadline);
      assertEquals("the saga deadline of PT3S passed", view.reason());
    } finally {
      node.close();
      SkaldTestNode.deleteRecursively(dir);
    }
  }
}
