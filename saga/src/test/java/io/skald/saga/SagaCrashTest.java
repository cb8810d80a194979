package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.Skald;
import io.skald.testkit.AccountEntity;
import io.skald.testkit.Await;
import io.skald.testkit.ForkedJvm;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SagaCrashTest {

  private static long effects(Skald skald, String account) {
    return AccountEntity.ref(skald.system(), account)
        .<AccountEntity.Account>ask(AccountEntity.GetAccount::new, Duration.ofSeconds(10))
        .toCompletableFuture()
        .join()
        .effects();
  }

  @Test
  void afterAKillInTheMiddleOfSagasEverySagaEndsAndNoEffectHappensTwice() throws Exception {
    Path dataDir = SkaldTestNode.newDataDir();
    try {
      // given a node running sagas, killed with SIGKILL while it starts them
      int started;
      try (ForkedJvm child = ForkedJvm.start(SagaCrashMain.class, dataDir, "512m")) {
        child.awaitLine("READY"::equals, 60);
        String line = child.awaitLine(l -> l.equals("STARTED 15"), 60);
        started = Integer.parseInt(line.substring("STARTED ".length())) + 1;
        child.kill();
      }

      // when the node restarts on the same data directory
      try (SkaldTestNode node = SkaldTestNode.start(dataDir, true, "")) {
        Skald skald = node.skald();
        SagaOrchestrator<TestShop.Order> orders = CrashShop.start(skald);

        // then every saga that was started ends as its script says, without operator help
        int existing = 0;
        for (int i = 0; i < CrashShop.ORDERS; i++) {
          String id = "c" + i;
          Optional<SagaView<TestShop.Order>> view = orders.get(id).toCompletableFuture().join();
          if (i < started) {
            assertTrue(view.isPresent(), "saga " + id + " was acknowledged as started");
          }
          if (view.isEmpty()) {
            continue;
          }
          existing++;
          SagaStatus expected =
              CrashShop.refused(i) ? SagaStatus.COMPENSATED : SagaStatus.COMPLETED;
          Await.until(
              skald.system(),
              Duration.ofSeconds(60),
              () ->
                  assertEquals(
                      expected, orders.get(id).toCompletableFuture().join().get().status(), id));
        }
        assertTrue(existing >= started);

        // and every effect happened exactly once: no step and no compensation ran twice
        for (int i = 0; i < existing; i++) {
          String id = "c" + i;
          boolean refused = CrashShop.refused(i);
          assertEquals(1, effects(skald, CrashShop.account(id, "reserve-stock", false)), id);
          assertEquals(1, effects(skald, CrashShop.account(id, "charge-payment", false)), id);
          assertEquals(refused ? 0 : 1, effects(skald, CrashShop.account(id, "ship", false)), id);
          assertEquals(
              refused ? 1 : 0, effects(skald, CrashShop.account(id, "charge-payment", true)), id);
          assertEquals(
              refused ? 1 : 0, effects(skald, CrashShop.account(id, "reserve-stock", true)), id);
          assertEquals(0, effects(skald, CrashShop.account(id, "ship", true)), id);
        }
      }
    } finally {
      SkaldTestNode.deleteRecursively(dataDir);
    }
  }
}
