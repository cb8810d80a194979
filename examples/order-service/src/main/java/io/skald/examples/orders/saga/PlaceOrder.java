package io.skald.examples.orders.saga;

import io.skald.examples.orders.common.OrderLine;
import io.skald.examples.orders.inventory.Inventory;
import io.skald.examples.orders.order.Orders;
import io.skald.examples.orders.payment.Payments;
import io.skald.saga.FailureAction;
import io.skald.saga.SagaDefinition;
import java.time.Duration;
import java.util.List;

/**
 * The place-order saga: open the order, reserve its stock, charge the customer, then confirm the
 * order and turn the reservation into a sale. A refusal on the way (out of stock, unknown SKU,
 * insufficient credit, unknown customer) or a step that does not answer undoes what was done, in
 * reverse order: refund, release the stock, reject the order with the reason.
 */
public final class PlaceOrder {
  private PlaceOrder() {}

  /**
   * The saga's data.
   *
   * @param orderId the order (also the saga id)
   * @param customerId the customer
   * @param lines what was ordered
   * @param total the amount to charge, cents
   * @param rejection why the order is rejected, once a step refused
   */
  public record Data(
      String orderId, String customerId, List<OrderLine> lines, long total, String rejection) {

    Data rejected(String why) {
      return new Data(orderId, customerId, lines, total, why);
    }

    String reason() {
      return rejection == null ? "a step did not answer in time" : rejection;
    }
  }

  /** The definition, run orchestrated or choreographed. */
  public static final SagaDefinition<Data> DEFINITION =
      SagaDefinition.named("place-order", Data.class)
          .step("open-order")
          .invoke(
              Orders.OPEN,
              d -> new Orders.OpenOrder(d.orderId(), d.customerId(), d.lines(), d.total()))
          .compensateWith(Orders.REJECT, d -> new Orders.RejectOrder(d.orderId(), d.reason()))
          .timeout(Duration.ofSeconds(10))
          .step("reserve-stock")
          .invoke(Inventory.RESERVE, d -> new Inventory.ReserveStock(d.orderId(), d.lines()))
          .onFailure(
              Inventory.OutOfStock.class,
              FailureAction.COMPENSATE,
              (d, f) -> d.rejected("out of stock: " + f.sku()))
          .onFailure(
              Inventory.UnknownSku.class,
              FailureAction.COMPENSATE,
              (d, f) -> d.rejected("unknown SKU: " + f.sku()))
          .compensateWith(Inventory.RELEASE, d -> new Inventory.ReleaseStock(d.orderId()))
          .timeout(Duration.ofSeconds(10))
          .step("charge-payment")
          .invoke(Payments.CHARGE, d -> new Payments.Charge(d.orderId(), d.customerId(), d.total()))
          .onFailure(
              Payments.InsufficientCredit.class,
              FailureAction.COMPENSATE,
              (d, f) -> d.rejected("insufficient credit"))
          .onFailure(
              Payments.UnknownCustomer.class,
              FailureAction.COMPENSATE,
              (d, f) -> d.rejected("unknown customer: " + f.customerId()))
          .compensateWith(Payments.REFUND, d -> new Payments.Refund(d.orderId(), d.customerId()))
          .timeout(Duration.ofSeconds(10))
          .step("confirm-order")
          .invoke(Orders.CONFIRM, d -> new Orders.ConfirmOrder(d.orderId()))
          .retriable()
          .timeout(Duration.ofSeconds(10))
          .step("commit-stock")
          .invoke(Inventory.COMMIT, d -> new Inventory.CommitStock(d.orderId()))
          .retriable()
          .timeout(Duration.ofSeconds(10))
          .build();
}
