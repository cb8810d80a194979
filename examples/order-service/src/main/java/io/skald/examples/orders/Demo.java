package io.skald.examples.orders;

import io.skald.examples.orders.common.OrderLine;
import io.skald.examples.orders.order.OrderEntity;
import io.skald.examples.orders.saga.PlaceOrder;
import io.skald.saga.SagaStatus;
import io.skald.saga.SagaView;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The demo: seeds stock and customers, places orders with a mix that succeeds, runs out of stock,
 * runs out of credit and meets injected failures, waits for every saga to end, prints a summary and
 * checks the invariants.
 */
public final class Demo {
  private Demo() {}

  /**
   * What to run.
   *
   * @param orders how many orders
   * @param concurrency orders placed at once
   * @param seed the seed of the generated data and of the injected failures
   * @param oneAtATime whether each order's saga ends before the next order is placed (so the
   *     outcome of every order is the same in every run with the same seed)
   */
  public record Settings(int orders, int concurrency, long seed, boolean oneAtATime) {}

  /**
   * What came out.
   *
   * @param outcomes each order's status and reason ({@code CONFIRMED} or {@code REJECTED: why})
   * @param violations the broken invariants
   * @param p50Millis the median saga latency
   * @param p99Millis the 99th percentile saga latency
   * @param ordersPerSecond orders ended per second
   */
  public record Result(
      Map<String, String> outcomes,
      List<String> violations,
      long p50Millis,
      long p99Millis,
      double ordersPerSecond) {}

  private static final int SKUS = 20;
  private static final int CUSTOMERS = 100;

  /**
   * Runs the demo on a started shop.
   *
   * @param shop the shop
   * @param settings the settings
   * @param out where progress and the summary go
   * @param inPlace whether progress updates one line in place (a terminal)
   * @return the outcome
   * @throws InterruptedException if interrupted
   */
  public static Result run(Shop shop, Settings settings, PrintStream out, boolean inPlace)
      throws InterruptedException {
    Random random = new Random(settings.seed());
    Map<String, Long> stock = new TreeMap<>();
    Map<String, Long> prices = new TreeMap<>();
    for (int i = 1; i <= SKUS; i++) {
      String sku = String.format("sku-%02d", i);
      stock.put(sku, 50L + random.nextInt(150));
      prices.put(sku, 100L + random.nextInt(1900));
    }
    Map<String, Long> credit = new TreeMap<>();
    for (int i = 1; i <= CUSTOMERS; i++) {
      credit.put(String.format("customer-%03d", i), 2_000L + random.nextInt(40_000));
    }
    List<CompletableFuture<?>> seeding = new ArrayList<>();
    stock.forEach((sku, n) -> seeding.add(shop.addStock(sku, n).toCompletableFuture()));
    credit.forEach((c, n) -> seeding.add(shop.openCustomer(c, n).toCompletableFuture()));
    CompletableFuture.allOf(seeding.toArray(CompletableFuture[]::new)).join();
    out.printf(
        "seeded %d SKUs (%d units) and %d customers; placing %d orders, %d at once%n",
        SKUS,
        stock.values().stream().mapToLong(Long::longValue).sum(),
        CUSTOMERS,
        settings.orders(),
        settings.concurrency());

    List<String> skus = new ArrayList<>(stock.keySet());
    List<String> customers = new ArrayList<>(credit.keySet());
    List<String> orderIds = Collections.synchronizedList(new ArrayList<>());
    Semaphore window = new Semaphore(settings.concurrency());
    Map<String, Throwable> refused = new ConcurrentHashMap<>();
    long start = System.nanoTime();
    Progress progress = new Progress(out, inPlace, settings.orders());
    for (int n = 0; n < settings.orders(); n++) {
      String orderId = String.format("order-%06d", n);
      String customer =
          random.nextInt(100) < 2 ? "customer-unknown" : customers.get(random.nextInt(CUSTOMERS));
      List<OrderLine> lines = new ArrayList<>();
      int count = 1 + random.nextInt(3);
      for (int l = 0; l < count; l++) {
        String sku = random.nextInt(100) < 2 ? "sku-unknown" : skus.get(random.nextInt(SKUS));
        lines.add(new OrderLine(sku, 1 + random.nextInt(3), prices.getOrDefault(sku, 500L)));
      }
      window.acquire();
      orderIds.add(orderId);
      CompletableFuture<Void> placed =
          shop.placeOrder(orderId, customer, lines)
              .whenComplete(
                  (ok, error) -> {
                    if (error != null) {
                      refused.put(orderId, error);
                    }
                    window.release();
                  })
              .toCompletableFuture();
      if (settings.oneAtATime()) {
        awaitEnd(shop, orderId, placed);
      }
      progress.placed(n + 1, shop);
    }
    window.acquire(settings.concurrency()); // every placement answered
    if (!refused.isEmpty()) {
      out.println();
      refused.forEach((id, e) -> out.println("placing " + id + " failed: " + e));
    }

    // Wait until every saga has ended (bounded: a stuck saga fails the demo).
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60 + settings.orders() / 20);
    Map<SagaStatus, Long> counts;
    do {
      counts = shop.placeOrder().counts().toCompletableFuture().join();
      progress.ended(counts);
      if (ended(counts) >= orderIds.size()) {
        break;
      }
      Thread.sleep(200); // polling the status index while the demo runs; not a test wait
    } while (System.nanoTime() < deadline);
    double seconds = (System.nanoTime() - start) / 1e9;
    progress.done();

    Histogram latency = new Histogram(3_600_000L, 3);
    Map<String, String> outcomes = new TreeMap<>();
    Map<String, Integer> reasons = new TreeMap<>();
    int timedOut = 0;
    for (String id : orderIds) {
      OrderEntity.State order = shop.order(id).toCompletableFuture().join();
      SagaView<PlaceOrder.Data> saga =
          shop.placeOrder().get(id).toCompletableFuture().join().orElse(null);
      String outcome =
          order.status() == OrderEntity.Status.REJECTED
              ? "REJECTED: " + order.reason()
              : order.status().name();
      outcomes.put(id, outcome);
      if (order.status() == OrderEntity.Status.REJECTED) {
        reasons.merge(order.reason().replaceAll(": .*", ""), 1, Integer::sum);
      }
      if (saga != null && saga.history().stream().anyMatch(h -> h.what().contains("timed out"))) {
        timedOut++; // a participant answered late (or not at all): the saga gave up waiting
      }
      if (saga != null && saga.status().terminal() && !saga.history().isEmpty()) {
        long millis =
            Duration.between(
                    saga.history().get(0).at(), saga.history().get(saga.history().size() - 1).at())
                .toMillis();
        latency.recordValue(Math.max(0, millis));
      }
    }
    long deadLettered = 0;
    for (String group : List.of("order-service", "inventory-service", "payment-service")) {
      deadLettered += shop.skald().deadLetters(group).size().toCompletableFuture().join();
    }
    long confirmed = outcomes.values().stream().filter("CONFIRMED"::equals).count();
    out.printf(
        "%nsummary (%d orders in %.1f s, %.0f orders/s)%n",
        orderIds.size(), seconds, orderIds.size() / seconds);
    out.printf("  confirmed:      %d%n", confirmed);
    out.printf("  rejected:       %d%n", orderIds.size() - confirmed);
    reasons.forEach((reason, n) -> out.printf("    %-28s %d%n", reason + ":", n));
    out.printf("  dead-lettered:  %d command(s)%n", deadLettered);
    out.printf(
        "  timed out:      %d saga(s) met a step that answered late or not at all%n", timedOut);
    out.printf(
        "  saga latency:   p50 %d ms, p99 %d ms, max %d ms%n",
        latency.getValueAtPercentile(50), latency.getValueAtPercentile(99), latency.getMaxValue());

    List<String> violations = Invariants.check(shop, stock, credit, orderIds);
    if (violations.isEmpty()) {
      out.println(
          "invariants: OK (stock conserved per SKU, money conserved per customer, nothing charged"
              + " twice, every order confirmed or rejected, every saga ended)");
    } else {
      out.println("invariants: " + violations.size() + " VIOLATED");
      violations.stream().limit(50).forEach(v -> out.println("  " + v));
    }
    return new Result(
        outcomes,
        violations,
        latency.getValueAtPercentile(50),
        latency.getValueAtPercentile(99),
        orderIds.size() / seconds);
  }

  private static void awaitEnd(Shop shop, String orderId, CompletableFuture<Void> placed)
      throws InterruptedException {
    try {
      placed.join();
    } catch (RuntimeException e) {
      return; // reported with the refused placements
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      SagaView<PlaceOrder.Data> view =
          shop.placeOrder().get(orderId).toCompletableFuture().join().orElse(null);
      if (view != null && view.status().terminal()) {
        return;
      }
      Thread.sleep(10);
    }
  }

  private static long ended(Map<SagaStatus, Long> counts) {
    return counts.getOrDefault(SagaStatus.COMPLETED, 0L)
        + counts.getOrDefault(SagaStatus.COMPENSATED, 0L)
        + counts.getOrDefault(SagaStatus.ABORTED, 0L);
  }

  /** The progress line: updated in place on a terminal, a line every 10% otherwise. */
  private static final class Progress {
    private final PrintStream out;
    private final boolean inPlace;
    private final int total;
    private int lastTenth = -1;
    private long lastPrint;

    Progress(PrintStream out, boolean inPlace, int total) {
      this.out = out;
      this.inPlace = inPlace;
      this.total = total;
    }

    void placed(int placed, Shop shop) {
      if (inPlace && System.nanoTime() - lastPrint > 200_000_000L) {
        lastPrint = System.nanoTime();
        out.printf("\rplaced %d/%d", placed, total);
      }
    }

    void ended(Map<SagaStatus, Long> counts) {
      long ended = Demo.ended(counts);
      String line =
          String.format(
              "ended %d/%d (completed %d, compensated %d, running %d, compensating %d, parked %d)",
              ended,
              total,
              counts.getOrDefault(SagaStatus.COMPLETED, 0L),
              counts.getOrDefault(SagaStatus.COMPENSATED, 0L),
              counts.getOrDefault(SagaStatus.RUNNING, 0L),
              counts.getOrDefault(SagaStatus.COMPENSATING, 0L),
              counts.getOrDefault(SagaStatus.PARKED, 0L));
      if (inPlace) {
        out.print("\r" + line + "   ");
      } else {
        int tenth = total == 0 ? 10 : (int) (ended * 10 / total);
        if (tenth != lastTenth) {
          lastTenth = tenth;
          out.println(line);
        }
      }
    }

    void done() {
      if (inPlace) {
        out.println();
      }
    }
  }
}
