package io.skald.examples.orders.common;

/**
 * One line of an order.
 *
 * @param sku the stock keeping unit
 * @param quantity how many, at least 1
 * @param unitPrice the price of one, in cents, at least 0
 */
public record OrderLine(String sku, int quantity, long unitPrice) {}
