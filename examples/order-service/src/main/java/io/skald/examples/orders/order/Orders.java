package io.skald.examples.orders.order;

import io.skald.examples.orders.common.OrderLine;
import io.skald.saga.Endpoint;

/** The order service's contract for the saga: its commands and endpoints. */
public final class Orders {
  private Orders() {}

  /** The topic the order service consumes commands from. */
  public static final String TOPIC = "order-commands";

  /**
   * The saga opens the order: it is recorded as PENDING if it was not yet (the HTTP API records it
   * at once too; this makes a saga whose start was durable open its order after a crash).
   *
   * @param orderId the order
   * @param customerId the customer
   * @param lines the lines
   * @param total cents
   */
  public record OpenOrder(
      String orderId, String customerId, java.util.List<OrderLine> lines, long total) {}

  /**
   * Compensation: reject the order.
   *
   * @param orderId the order
   * @param reason why
   */
  public record RejectOrder(String orderId, String reason) {}

  /**
   * Confirm the order.
   *
   * @param orderId the order
   */
  public record ConfirmOrder(String orderId) {}

  /** Open, with its compensation {@link #REJECT}. */
  public static final Endpoint<OpenOrder> OPEN = Endpoint.of("orders.open", TOPIC, OpenOrder.class);

  /** Reject an order. */
  public static final Endpoint<RejectOrder> REJECT =
      Endpoint.of("orders.reject", TOPIC, RejectOrder.class);

  /** Confirm an order. */
  public static final Endpoint<ConfirmOrder> CONFIRM =
      Endpoint.of("orders.confirm", TOPIC, ConfirmOrder.class);
}
