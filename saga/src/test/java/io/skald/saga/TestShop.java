package io.skald.saga;

import io.skald.framework.consumer.RetryPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small shop for saga tests: three participants (inventory, payments, shipping) that count every
 * effect they execute and log their compensations in the order they ran. What a participant does is
 * steered per order by {@link Order#script}: {@code "payments:decline"} makes payments refuse,
 * {@code "payments:slow"} makes it answer late, and so on.
 */
final class TestShop {
  record Order(String id, int amount, List<String> script, String reservation, String payment) {
    Order(String id, int amount, String... script) {
      this(id, amount, List.of(script), null, null);
    }

    boolean says(String instruction) {
      return script.contains(instruction);
    }

    Order withReservation(String r) {
      return new Order(id, amount, script, r, payment);
    }

    Order withPayment(String p) {
      return new Order(id, amount, script, reservation, p);
    }
  }

  record Reserve(String orderId, List<String> script) {}

  record Release(String orderId) {}

  record Reserved(String reservationId) {}

  record OutOfStock(String orderId) {}

  record Charge(String orderId, int amount, List<String> script) {}

  record Refund(String orderId, List<String> script) {}

  record Charged(String paymentId) {}

  record Declined(String reason) {}

  record RefundFailed(String reason) {}

  record Ship(String orderId, List<String> script) {}

  record CancelShipment(String orderId) {}

  record NotYet(String why) {}

  record Refused(String why) {}

  static final Endpoint<Reserve> RESERVE =
      Endpoint.of("inventory.reserve", "shop-inventory", Reserve.class)
          .replies(Reserved.class)
          .failures(OutOfStock.class);
  static final Endpoint<Release> RELEASE =
      Endpoint.of("inventory.release", "shop-inventory", Release.class);
  static final Endpoint<Charge> CHARGE =
      Endpoint.of("payments.charge", "shop-payments", Charge.class)
          .replies(Charged.class)
          .failures(Declined.class);
  static final Endpoint<Refund> REFUND =
      Endpoint.of("payments.refund", "shop-payments", Refund.class).failures(RefundFailed.class);
  static final Endpoint<Ship> SHIP =
      Endpoint.of("shipping.ship", "shop-shipping", Ship.class)
          .failures(Refused.class, NotYet.class);
  static final Endpoint<CancelShipment> CANCEL_SHIPMENT =
      Endpoint.of("shipping.cancel", "shop-shipping", CancelShipment.class);

  /** Three compensatable steps. */
  static SagaDefinition<Order> threeSteps(String name, Duration timeout, int compensationAttempts) {
    RetryPolicy compensationRetry =
        RetryPolicy.exponential(Duration.ofMillis(50), Duration.ofMillis(400), 2.0)
            .withMaxAttempts(compensationAttempts);
    return SagaDefinition.named(name, Order.class)
        .step("reserve-stock")
        .invoke(RESERVE, o -> new Reserve(o.id(), o.script()))
        .onReply(Reserved.class, (o, r) -> o.withReservation(r.reservationId()))
        .compensateWith(RELEASE, o -> new Release(o.id()))
        .timeout(timeout)
        .compensationRetry(compensationRetry)
        .step("charge-payment")
        .invoke(CHARGE, o -> new Charge(o.id(), o.amount(), o.script()))
        .onReply(Charged.class, (o, r) -> o.withPayment(r.paymentId()))
        .compensateWith(REFUND, o -> new Refund(o.id(), o.script()))
        .timeout(timeout)
        .compensationRetry(compensationRetry)
        .step("ship")
        .invoke(SHIP, o -> new Ship(o.id(), o.script()))
        .compensateWith(CANCEL_SHIPMENT, o -> new CancelShipment(o.id()))
        .timeout(timeout)
        .compensationRetry(compensationRetry)
        .build();
  }

  /** Effects executed, by {@code "<step>:do"} / {@code "<step>:undo"} and order id. */
  final Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();

  /** Compensations in the order they ran: {@code "<order>:<step>"}. */
  final List<String> compensations = new CopyOnWriteArrayList<>();

  /** Orders whose refund keeps failing until the flag is cleared ("the fix"). */
  final Set<String> brokenRefunds = ConcurrentHashMap.newKeySet();

  private final Map<String, AtomicInteger> refundAttempts = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> shipAttempts = new ConcurrentHashMap<>();

  int effects(String orderId, String what) {
    AtomicInteger n = effects.get(orderId + ":" + what);
    return n == null ? 0 : n.get();
  }

  private void count(String orderId, String what) {
    effects.computeIfAbsent(orderId + ":" + what, k -> new AtomicInteger()).incrementAndGet();
  }

  /** Starts the three participants, following the given choreographies. */
  void startParticipants(Sagas sagas, SagaDefinition<?>... follow) {
    Participant inventory = sagas.participant("inventory");
    Participant payments = sagas.participant("payments");
    Participant shipping = sagas.participant("shipping");
    for (SagaDefinition<?> definition : follow) {
      inventory.follow(definition);
      payments.follow(definition);
      shipping.follow(definition);
    }
    inventory
        .on(
            RESERVE,
            (cmd, ctx) -> {
              if (cmd.script().contains("inventory:out-of-stock")) {
                return CompletableFuture.completedFuture(new OutOfStock(cmd.orderId()));
              }
              count(cmd.orderId(), "reserve-stock:do");
              return CompletableFuture.completedFuture(new Reserved("r-" + cmd.orderId()));
            })
        .on(
            RELEASE,
            (cmd, ctx) -> {
              count(cmd.orderId(), "reserve-stock:undo");
              compensations.add(cmd.orderId() + ":reserve-stock");
              return CompletableFuture.completedFuture(null);
            })
        .start();
    payments
        .on(
            CHARGE,
            (cmd, ctx) -> {
              if (cmd.script().contains("payments:decline")) {
                return CompletableFuture.completedFuture(new Declined("insufficient credit"));
              }
              count(cmd.orderId(), "charge-payment:do");
              Charged charged = new Charged("p-" + cmd.orderId());
              if (cmd.script().contains("payments:slow")) {
                return CompletableFuture.supplyAsync(
                    () -> charged, CompletableFuture.delayedExecutor(1500, TimeUnit.MILLISECONDS));
              }
              return CompletableFuture.completedFuture(charged);
            })
        .on(
            REFUND,
            (cmd, ctx) -> {
              int attempt =
                  refundAttempts
                      .computeIfAbsent(cmd.orderId(), k -> new AtomicInteger())
                      .incrementAndGet();
              if (brokenRefunds.contains(cmd.orderId())
                  || (cmd.script().contains("payments:refund-fails-3") && attempt <= 3)) {
                return CompletableFuture.completedFuture(new RefundFailed("attempt " + attempt));
              }
              count(cmd.orderId(), "charge-payment:undo");
              compensations.add(cmd.orderId() + ":charge-payment");
              return CompletableFuture.completedFuture(null);
            })
        .start();
    shipping
        .on(
            SHIP,
            (cmd, ctx) -> {
              int attempt =
                  shipAttempts
                      .computeIfAbsent(cmd.orderId(), k -> new AtomicInteger())
                      .incrementAndGet();
              if (cmd.script().contains("shipping:refuse")) {
                return CompletableFuture.completedFuture(new Refused("no carrier"));
              }
              if (cmd.script().contains("shipping:busy-2") && attempt <= 2) {
                return CompletableFuture.completedFuture(new NotYet("attempt " + attempt));
              }
              count(cmd.orderId(), "ship:do");
              return CompletableFuture.completedFuture(null);
            })
        .on(
            CANCEL_SHIPMENT,
            (cmd, ctx) -> {
              count(cmd.orderId(), "ship:undo");
              compensations.add(cmd.orderId() + ":ship");
              return CompletableFuture.completedFuture(null);
            })
        .start();
  }
}
