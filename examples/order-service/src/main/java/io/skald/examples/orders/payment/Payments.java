package io.skald.examples.orders.payment;

import io.skald.examples.orders.common.CborSerializable;
import io.skald.saga.Endpoint;

/** The payment service's contract: its commands, replies and endpoints. */
public final class Payments {
  private Payments() {}

  /** The topic the payment service consumes commands from. */
  public static final String TOPIC = "payment-commands";

  /**
   * Charge a customer for an order.
   *
   * @param orderId the order
   * @param customerId the customer
   * @param amount cents
   */
  public record Charge(String orderId, String customerId, long amount) {}

  /**
   * The customer was charged.
   *
   * @param orderId the order
   */
  public record Charged(String orderId) implements CborSerializable {}

  /**
   * Refusal: the customer's available credit is too low.
   *
   * @param customerId the customer
   */
  public record InsufficientCredit(String customerId) implements CborSerializable {}

  /**
   * Refusal: no such customer.
   *
   * @param customerId the customer
   */
  public record UnknownCustomer(String customerId) implements CborSerializable {}

  /**
   * Compensation: refund an order's charge.
   *
   * @param orderId the order
   * @param customerId the customer
   */
  public record Refund(String orderId, String customerId) {}

  /** Charge, with its compensation {@link #REFUND}. */
  public static final Endpoint<Charge> CHARGE =
      Endpoint.of("payments.charge", TOPIC, Charge.class)
          .replies(Charged.class)
          .failures(InsufficientCredit.class, UnknownCustomer.class);

  /** Refund a charge. */
  public static final Endpoint<Refund> REFUND = Endpoint.of("payments.refund", TOPIC, Refund.class);
}
