package io.skald.examples.orders;

import io.skald.examples.orders.common.OrderLine;
import io.skald.examples.orders.inventory.Warehouse;
import io.skald.examples.orders.order.OrderEntity;
import io.skald.examples.orders.payment.CustomerAccount;
import io.skald.examples.orders.saga.PlaceOrder;
import io.skald.saga.SagaStatus;
import io.skald.saga.SagaView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The checks the demo runs when every saga has ended: nothing created or lost, nothing charged
 * twice, nothing stuck.
 */
public final class Invariants {
  private Invariants() {}

  /**
   * Checks the shop after a run.
   *
   * @param shop the shop
   * @param initialStock each SKU's stock before the run
   * @param initialCredit each customer's credit before the run
   * @param orderIds every order placed
   * @return the violations, empty if every invariant holds
   */
  public static List<String> check(
      Shop shop,
      Map<String, Long> initialStock,
      Map<String, Long> initialCredit,
      List<String> orderIds) {
    List<String> violations = new ArrayList<>();
    Map<String, OrderEntity.State> orders = new HashMap<>();
    for (String id : orderIds) {
      OrderEntity.State order = shop.order(id).toCompletableFuture().join();
      orders.put(id, order);
      Optional<SagaView<PlaceOrder.Data>> saga =
          shop.placeOrder().get(id).toCompletableFuture().join();
      if (order.status() != OrderEntity.Status.CONFIRMED
          && order.status() != OrderEntity.Status.REJECTED) {
        violations.add("order " + id + " is " + order.status() + ", not confirmed or rejected");
      }
      if (saga.isEmpty() || !saga.get().status().terminal()) {
        violations.add("the saga of order " + id + " has not ended: " + saga.map(SagaView::status));
      } else if ((saga.get().status() == SagaStatus.COMPLETED)
          != (order.status() == OrderEntity.Status.CONFIRMED)) {
        violations.add(
            "order " + id + " is " + order.status() + " but its saga is " + saga.get().status());
      }
    }

    // Stock: initial = available + reserved for pending orders + sold to confirmed orders.
    Warehouse.State warehouse = shop.warehouse().toCompletableFuture().join();
    Map<String, Long> reservedPending = new HashMap<>();
    Map<String, Long> soldConfirmed = new HashMap<>();
    warehouse
        .reservations()
        .forEach(
            (orderId, reservation) -> {
              OrderEntity.State order = orders.get(orderId);
              String status = order == null ? "UNKNOWN" : order.status().name();
              boolean held = reservation.status() == Warehouse.ReservationStatus.RESERVED;
              boolean sold = reservation.status() == Warehouse.ReservationStatus.SOLD;
              if (held && !status.equals("PENDING")) {
                violations.add("order " + orderId + " is " + status + " but still holds stock");
              }
              if (sold && !status.equals("CONFIRMED")) {
                violations.add("order " + orderId + " is " + status + " but its stock was sold");
              }
              if (status.equals("CONFIRMED") && !sold) {
                violations.add("order " + orderId + " is confirmed but its stock is not sold");
              }
              for (OrderLine line : reservation.lines()) {
                if (held) {
                  reservedPending.merge(line.sku(), (long) line.quantity(), Long::sum);
                } else if (sold) {
                  soldConfirmed.merge(line.sku(), (long) line.quantity(), Long::sum);
                }
              }
            });
    initialStock.forEach(
        (sku, initial) -> {
          Warehouse.Stock stock = warehouse.stock().get(sku);
          if (stock == null) {
            violations.add("SKU " + sku + " is gone");
            return;
          }
          long reserved = reservedPending.getOrDefault(sku, 0L);
          long sold = soldConfirmed.getOrDefault(sku, 0L);
          if (stock.reserved() != reserved || stock.sold() != sold) {
            violations.add(
                "SKU "
                    + sku
                    + ": counters reserved/sold "
                    + stock.reserved()
                    + "/"
                    + stock.sold()
                    + " differ from the orders' "
                    + reserved
                    + "/"
                    + sold);
          }
          if (initial != stock.available() + reserved + sold) {
            violations.add(
                "SKU "
                    + sku
                    + ": "
                    + initial
                    + " at start, now "
                    + stock.available()
                    + " available + "
                    + reserved
                    + " reserved + "
                    + sold
                    + " sold");
          }
        });

    // Money: initial credit = available + charged for confirmed orders; nothing charged twice.
    Map<String, Long> confirmedTotals = new HashMap<>();
    orders.forEach(
        (id, order) -> {
          if (order.status() == OrderEntity.Status.CONFIRMED) {
            confirmedTotals.merge(order.customerId() + "/" + id, order.total(), Long::sum);
          }
        });
    initialCredit.forEach(
        (customerId, credit) -> {
          CustomerAccount.State account = shop.account(customerId).toCompletableFuture().join();
          long charged = 0;
          for (Map.Entry<String, Long> charge : account.charges().entrySet()) {
            charged += charge.getValue();
            OrderEntity.State order = orders.get(charge.getKey());
            if (order == null || order.status() != OrderEntity.Status.CONFIRMED) {
              violations.add(
                  "customer "
                      + customerId
                      + " is charged for order "
                      + charge.getKey()
                      + ", which is "
                      + (order == null ? "unknown" : order.status()));
            } else if (order.total() != charge.getValue()) {
              violations.add(
                  "customer "
                      + customerId
                      + " is charged "
                      + charge.getValue()
                      + " for order "
                      + charge.getKey()
                      + " of "
                      + order.total());
            }
          }
          for (String refunded : account.refunded().keySet()) {
            OrderEntity.State order = orders.get(refunded);
            if (order != null && order.status() == OrderEntity.Status.CONFIRMED) {
              violations.add("confirmed order " + refunded + " was refunded");
            }
          }
          if (credit != account.available() + charged) {
            violations.add(
                "customer "
                    + customerId
                    + ": credit "
                    + credit
                    + ", now "
                    + account.available()
                    + " available + "
                    + charged
                    + " charged");
          }
        });
    confirmedTotals.forEach(
        (customerAndOrder, total) -> {
          String customerId = customerAndOrder.substring(0, customerAndOrder.indexOf('/'));
          String orderId = customerAndOrder.substring(customerAndOrder.indexOf('/') + 1);
          CustomerAccount.State account = shop.account(customerId).toCompletableFuture().join();
          if (!account.charges().containsKey(orderId)) {
            violations.add("confirmed order " + orderId + " was never charged");
          }
        });
    return violations;
  }
}
