package io.skald.examples.orders.inventory;

import io.skald.examples.orders.common.CborSerializable;
import io.skald.examples.orders.common.OrderLine;
import io.skald.saga.Endpoint;
import java.util.List;

/** The inventory service's contract: its commands, replies and endpoints. */
public final class Inventory {
  private Inventory() {}

  /** The topic the inventory service consumes commands from. */
  public static final String TOPIC = "inventory-commands";

  /**
   * Reserve the lines of an order, all or nothing.
   *
   * @param orderId the order
   * @param lines what to reserve
   */
  public record ReserveStock(String orderId, List<OrderLine> lines) {}

  /**
   * The stock is reserved.
   *
   * @param orderId the order
   */
  public record StockReserved(String orderId) implements CborSerializable {}

  /**
   * Refusal: not enough stock.
   *
   * @param sku the first line that cannot be served
   */
  public record OutOfStock(String sku) implements CborSerializable {}

  /**
   * Refusal: no such SKU.
   *
   * @param sku the unknown SKU
   */
  public record UnknownSku(String sku) implements CborSerializable {}

  /**
   * Compensation: release an order's reservation.
   *
   * @param orderId the order
   */
  public record ReleaseStock(String orderId) {}

  /**
   * The reservation of a confirmed order becomes sold.
   *
   * @param orderId the order
   */
  public record CommitStock(String orderId) {}

  /** Reserve, with its compensation {@link #RELEASE}. */
  public static final Endpoint<ReserveStock> RESERVE =
      Endpoint.of("inventory.reserve", TOPIC, ReserveStock.class)
          .replies(StockReserved.class)
          .failures(OutOfStock.class, UnknownSku.class);

  /** Release a reservation. */
  public static final Endpoint<ReleaseStock> RELEASE =
      Endpoint.of("inventory.release", TOPIC, ReleaseStock.class);

  /** Turn a reservation into a sale. */
  public static final Endpoint<CommitStock> COMMIT =
      Endpoint.of("inventory.commit", TOPIC, CommitStock.class);
}
