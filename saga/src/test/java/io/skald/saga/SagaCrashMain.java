package io.skald.saga;

import io.skald.testkit.SkaldTestNode;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The process the saga crash test kills: it runs the {@link CrashShop} and starts {@link
 * CrashShop#ORDERS} sagas one after the other, printing {@code STARTED i} once each start is
 * durable; then it waits to be killed.
 */
public final class SagaCrashMain {
  private SagaCrashMain() {}

  /**
   * Runs until killed.
   *
   * @param args the data directory
   * @throws Exception never expected
   */
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, "UTF-8");
    SkaldTestNode node = SkaldTestNode.start(Path.of(args[0]), true, "");
    SagaOrchestrator<TestShop.Order> orders = CrashShop.start(node.skald());
    out.println("READY");
    for (int i = 0; i < CrashShop.ORDERS; i++) {
      TestShop.Order order = CrashShop.order(i);
      orders.start(order.id(), order).toCompletableFuture().join();
      out.println("STARTED " + i);
    }
    Thread.currentThread().join(); // until killed
  }
}
