package io.skald.bench;

import io.skald.examples.orders.Shop;
import io.skald.examples.orders.common.OrderLine;
import io.skald.examples.orders.saga.PlaceOrder;
import io.skald.framework.Skald;
import io.skald.saga.SagaStatus;
import io.skald.saga.SagaView;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The saga scenarios: the order-service sample's five-step place-order saga (every order succeeds:
 * stock and credit are plentiful, no injected failures), orchestrated or choreographed, at
 * saturation (all orders placed with a bounded placement window, sagas/s until the last ends) and
 * at a fixed rate (latency).
 */
final class SagaBench {
  private SagaBench() {}

  /**
   * One measurement.
   *
   * @param sagasPerSecond completed sagas per second
   * @param p50Millis median saga latency
   * @param p99Millis 99th percentile saga latency
   */
  record Measured(double sagasPerSecond, double p50Millis, double p99Millis, int completed) {}

  /** Sagas running at once at saturation. */
  static final int MAX_IN_FLIGHT = 200;

  private static int ended(Shop shop) {
    var counts = shop.placeOrder().counts().toCompletableFuture().join();
    return (int)
        (counts.getOrDefault(SagaStatus.COMPLETED, 0L)
            + counts.getOrDefault(SagaStatus.COMPENSATED, 0L)
            + counts.getOrDefault(SagaStatus.PARKED, 0L)
            + counts.getOrDefault(SagaStatus.ABORTED, 0L));
  }

  /**
   * Places orders and waits for every saga to complete.
   *
   * @param skald a fresh node
   * @param flow orchestration or choreography
   * @param orders how many
   * @param ratePerSecond placement rate, or 0 for as fast as a window of 64 placements allows
   * @return the figures
   * @throws Exception on failure or if a saga does not complete
   */
  static Measured run(Skald skald, Shop.Flow flow, int orders, int ratePerSecond) throws Exception {
    Shop shop = Shop.start(skald, new Shop.Options(flow, 0.0, 0, 1));
    shop.addStock("sku", 1_000_000_000L).toCompletableFuture().join();
    for (int c = 0; c < 10; c++) {
      shop.openCustomer("customer-" + c, 1_000_000_000_000L).toCompletableFuture().join();
    }
    Semaphore window = new Semaphore(64);
    List<String> ids = new ArrayList<>();
    long start = System.nanoTime();
    long intervalNanos = ratePerSecond > 0 ? 1_000_000_000L / ratePerSecond : 0;
    int ended = 0;
    for (int i = 0; i < orders; i++) {
      if (intervalNanos > 0) {
        long wait = start + i * intervalNanos - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
      }
      // At saturation at most MAX_IN_FLIGHT sagas run at once: more only queue up (and time out).
      while (i - ended >= MAX_IN_FLIGHT) {
        TimeUnit.MILLISECONDS.sleep(10);
        ended = ended(shop);
      }
      window.acquire();
      String id = "bench-" + i;
      ids.add(id);
      shop.placeOrder(id, "customer-" + (i % 10), List.of(new OrderLine("sku", 1, 100)))
          .whenComplete((ok, error) -> window.release());
    }
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while ((ended = ended(shop)) < orders) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + ended + " of " + orders + " sagas ended");
      }
      TimeUnit.MILLISECONDS.sleep(50);
    }
    int completed =
        shop.placeOrder()
            .counts()
            .toCompletableFuture()
            .join()
            .getOrDefault(SagaStatus.COMPLETED, 0L)
            .intValue();
    // The end of the last saga, from the sagas' own histories (the status index lags by up to 100
    // ms).
    Histogram latency = new Histogram(3_600_000L, 3);
    long lastEnd = 0;
    long firstStart = Long.MAX_VALUE;
    List<CompletableFuture<java.util.Optional<SagaView<PlaceOrder.Data>>>> views =
        new ArrayList<>();
    for (String id : ids) {
      views.add(shop.placeOrder().get(id).toCompletableFuture());
    }
    for (var view : views) {
      SagaView<PlaceOrder.Data> v = view.join().orElseThrow();
      long begin = v.history().get(0).at().toEpochMilli();
      long end = v.history().get(v.history().size() - 1).at().toEpochMilli();
      latency.recordValue(Math.max(0, end - begin));
      firstStart = Math.min(firstStart, begin);
      lastEnd = Math.max(lastEnd, end);
    }
    double seconds = Math.max(1, lastEnd - firstStart) / 1000.0;
    return new Measured(
        completed / seconds,
        latency.getValueAtPercentile(50),
        latency.getValueAtPercentile(99),
        completed);
  }
}
