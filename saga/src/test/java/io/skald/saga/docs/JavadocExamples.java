package io.skald.saga.docs;

import io.skald.framework.Skald;
import io.skald.framework.consumer.Subscription;
import io.skald.saga.Endpoint;
import io.skald.saga.SagaDeadline;
import io.skald.saga.SagaDefinition;
import io.skald.saga.SagaOrchestrator;
import io.skald.saga.SagaPage;
import io.skald.saga.SagaQuery;
import io.skald.saga.SagaStatus;
import io.skald.saga.Sagas;
import io.skald.saga.SemanticLocks;
import io.skald.saga.testkit.SagaChecker;
import io.skald.saga.testkit.SagaTestKit;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The code of the saga module's Javadoc examples, compiled with the tests ({@code DocSnippetsTest}
 * in the framework checks that each Javadoc shows exactly its region). The sagas they show run in
 * the module's feature tests; these methods are compiled, not called.
 */
@SuppressWarnings("unused")
final class JavadocExamples {
  private JavadocExamples() {}

  record Order(String id, String customer, List<String> items, long total, String reservation) {
    Order withReservation(String reservationId) {
      return new Order(id, customer, items, total, reservationId);
    }

    Order approvedBy(String manager) {
      return this; // (the example keeps no approver)
    }

    List<Line> lines() {
      return items.stream().map(sku -> new Line(id, sku, null)).toList();
    }

    Order withLines(List<Line> reserved) {
      return withReservation(String.join(",", reserved.stream().map(Line::reservation).toList()));
    }
  }

  /** One order line, the data of a child saga. */
  record Line(String orderId, String sku, String reservation) {
    Line reserved(String reservationId) {
      return new Line(orderId, sku, reservationId);
    }
  }

  record Approved(String manager) {}

  record Rejected(String reason) {}

  record ReserveStock(String orderId, List<String> items) {
    String sku() {
      return items.get(0);
    }
  }

  record ReleaseStock(String orderId) {}

  record StockReserved(String reservationId) {}

  record OutOfStock(String sku) {}

  record Charge(String orderId, String customer, long total) {}

  record Charged(String paymentId) {}

  record Declined(String reason) {}

  record ConfirmOrder(String orderId) {}

  interface Stock {
    CompletionStage<Object> reserve(ReserveStock command);

    CompletionStage<Object> release(ReleaseStock command);
  }

  /** The inventory service's contract. */
  static final class Inventory {
    // #jd-endpoint
    static final Endpoint<ReserveStock> RESERVE =
        Endpoint.of("inventory.reserve", "inventory-commands", ReserveStock.class)
            .replies(StockReserved.class)
            .failures(OutOfStock.class);
    // #jd-endpoint
    static final Endpoint<ReleaseStock> RELEASE =
        Endpoint.of("inventory.release", "inventory-commands", ReleaseStock.class);
  }

  /** The payment service's contract. */
  static final class Payments {
    static final Endpoint<Charge> CHARGE =
        Endpoint.of("payments.charge", "payment-commands", Charge.class)
            .replies(Charged.class)
            .failures(Declined.class);
  }

  /** The order service's contract. */
  static final class Orders {
    static final Endpoint<ConfirmOrder> CONFIRM =
        Endpoint.of("orders.confirm", "order-commands", ConfirmOrder.class);
  }

  static SagaDefinition<Order> definition() {
    // #jd-saga-definition
    SagaDefinition<Order> placeOrder =
        SagaDefinition.named("place-order", Order.class)
            .step("reserve-stock")
            .invoke(Inventory.RESERVE, o -> new ReserveStock(o.id(), o.items()))
            .onReply(StockReserved.class, (o, r) -> o.withReservation(r.reservationId()))
            .compensateWith(Inventory.RELEASE, o -> new ReleaseStock(o.id()))
            .timeout(Duration.ofSeconds(5))
            .step("charge-payment")
            .invoke(Payments.CHARGE, o -> new Charge(o.id(), o.customer(), o.total()))
            .pivot()
            .step("confirm-order")
            .invoke(Orders.CONFIRM, o -> new ConfirmOrder(o.id()))
            .retriable()
            .build();
    // #jd-saga-definition
    return placeOrder;
  }

  static SagaDefinition<Order> children() {
    SagaDefinition<Line> reserveLine =
        SagaDefinition.named("reserve-line", Line.class)
            .step("reserve")
            .invoke(Inventory.RESERVE, l -> new ReserveStock(l.orderId(), List.of(l.sku())))
            .onReply(StockReserved.class, (l, r) -> l.reserved(r.reservationId()))
            .compensateWith(Inventory.RELEASE, l -> new ReleaseStock(l.orderId()))
            .build();
    // #jd-saga-children
    SagaDefinition<Order> placeOrder =
        SagaDefinition.named("place-order", Order.class)
            .startChildren("reserve-lines", reserveLine, o -> o.lines())
            .onChildren((o, reserved) -> o.withLines(reserved))
            .timeout(Duration.ofMinutes(5))
            .step("charge-payment")
            .invoke(Payments.CHARGE, o -> new Charge(o.id(), o.customer(), o.total()))
            .pivot()
            .build();
    // #jd-saga-children
    return placeOrder;
  }

  static SagaDefinition<Order> bounded() {
    // #jd-saga-deadline
    SagaDefinition<Order> placeOrder =
        SagaDefinition.named("place-order", Order.class)
            .step("reserve-stock")
            .invoke(Inventory.RESERVE, o -> new ReserveStock(o.id(), o.items()))
            .compensateWith(Inventory.RELEASE, o -> new ReleaseStock(o.id()))
            .step("charge-payment")
            .invoke(Payments.CHARGE, o -> new Charge(o.id(), o.customer(), o.total()))
            .pivot()
            .deadline(Duration.ofMinutes(2), SagaDeadline.Action.COMPENSATE)
            .build();
    // #jd-saga-deadline
    return placeOrder;
  }

  static SagaDefinition<Order> approved() {
    // #jd-saga-await-signal
    SagaDefinition<Order> placeOrder =
        SagaDefinition.named("place-order", Order.class)
            .step("reserve-stock")
            .invoke(Inventory.RESERVE, o -> new ReserveStock(o.id(), o.items()))
            .compensateWith(Inventory.RELEASE, o -> new ReleaseStock(o.id()))
            .awaitSignal("manager-approval", Approved.class)
            .onSignal((o, approved) -> o.approvedBy(approved.manager()))
            .refusedBy(Rejected.class)
            .timeout(Duration.ofHours(4))
            .step("charge-payment")
            .invoke(Payments.CHARGE, o -> new Charge(o.id(), o.customer(), o.total()))
            .pivot()
            .build();
    // #jd-saga-await-signal
    return placeOrder;
  }

  static boolean signal(SagaOrchestrator<Order> orchestrator) {
    // #jd-saga-signal
    boolean taken =
        orchestrator.signal("order-7", new Approved("maria")).toCompletableFuture().join();
    // #jd-saga-signal
    return taken;
  }

  static int query(SagaOrchestrator<Order> orders) {
    // #jd-saga-query
    SagaQuery query =
        SagaQuery.of(SagaStatus.COMPENSATED)
            .between(Instant.parse("2026-12-01T00:00:00Z"), Instant.parse("2026-12-02T00:00:00Z"))
            .limit(500);
    int compensated = 0;
    while (query != null) {
      SagaPage page = orders.query(query).toCompletableFuture().join();
      compensated += page.items().size(); // SagaSummary: id, status, version, when, deleted
      query = page.hasNext() ? query.after(page.next()) : null;
    }
    // #jd-saga-query
    return compensated;
  }

  static java.util.Map<Integer, Long> versions(
      Sagas sagas, SagaDefinition<Order> placeOrderV1, SagaDefinition<Order> placeOrderV2) {
    // #jd-saga-versions
    SagaOrchestrator<Order> orders = sagas.orchestrator(List.of(placeOrderV1, placeOrderV2));
    Map<Integer, Long> inFlight = orders.versionsInFlight().toCompletableFuture().join();
    // #jd-saga-versions
    return inFlight;
  }

  static void locks(Sagas sagas, Stock stock) {
    // #jd-semantic-locks
    SemanticLocks skus =
        sagas.semanticLocks("last-units", SemanticLocks.Conflict.QUEUE, Duration.ofSeconds(5));
    sagas
        .participant("inventory")
        .on(
            Inventory.RESERVE,
            (cmd, ctx) ->
                skus.acquire(cmd.sku(), ctx)
                    .thenCompose(
                        lock ->
                            lock.granted()
                                ? stock.reserve(cmd)
                                : CompletableFuture.completedFuture(new OutOfStock(cmd.sku()))))
        .on(Inventory.RELEASE, (cmd, ctx) -> stock.release(cmd))
        .releasingAtEnd(skus)
        .start();
    // #jd-semantic-locks
  }

  static void runtime(Sagas sagas, Stock stock, SagaDefinition<Order> placeOrder) {
    // #jd-participant
    Subscription inventory =
        sagas
            .participant("inventory")
            .on(Inventory.RESERVE, (cmd, ctx) -> stock.reserve(cmd))
            .on(Inventory.RELEASE, (cmd, ctx) -> stock.release(cmd))
            .start();
    // #jd-participant
    // #jd-orchestrator
    SagaOrchestrator<Order> orders = sagas.orchestrator(placeOrder);
    orders
        .start("order-42", new Order("order-42", "ada", List.of("sku-1"), 1_999, null))
        .toCompletableFuture()
        .join();
    // #jd-orchestrator
  }

  static void start(SagaDefinition<Order> placeOrder, Order order) {
    // #jd-sagas
    Skald skald = Skald.start("shop");
    Sagas sagas = Sagas.create(skald);
    sagas
        .participant("inventory")
        .on(
            Inventory.RESERVE,
            (cmd, ctx) -> CompletableFuture.completedFuture(new StockReserved("r-1")))
        .on(Inventory.RELEASE, (cmd, ctx) -> CompletableFuture.completedFuture(null))
        .start(); // and the payment and order services' participants alike
    SagaOrchestrator<Order> orders = sagas.orchestrator(placeOrder);
    orders.start(order.id(), order);
    // #jd-sagas
  }

  static void testKit(SagaDefinition<Order> placeOrder, Order order) {
    // #jd-checker
    SagaChecker.Report report =
        SagaTestKit.of(placeOrder)
            .checker()
            .succeedsWith(Inventory.RESERVE, cmd -> new StockReserved("r-1"))
            .failsWith(Inventory.RESERVE, cmd -> new OutOfStock(cmd.sku()))
            .succeedsWith(Payments.CHARGE, cmd -> new Charged("p-1"))
            .failsWith(Payments.CHARGE, cmd -> new Declined("no credit"))
            .check(order);
    // #jd-checker
    // #jd-scenario
    SagaTestKit.of(placeOrder)
        .start(order)
        .expectCommandTo(Inventory.RESERVE)
        .reply(new StockReserved("r-1"))
        .expectCommandTo(Payments.CHARGE)
        .reply(new Declined("no credit"))
        .expectCompensationTo(Inventory.RELEASE)
        .reply(null)
        .expectStatus(SagaStatus.COMPENSATED);
    // #jd-scenario
    // #jd-testkit
    SagaTestKit<Order> kit = SagaTestKit.of(placeOrder);
    kit.start(order).expectCommandTo(Inventory.RESERVE).reply(new StockReserved("r-1"));
    // #jd-testkit
  }
}
