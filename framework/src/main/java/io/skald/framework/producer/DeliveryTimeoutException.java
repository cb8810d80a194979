package io.skald.framework.producer;

import io.skald.framework.SkaldException;

/**
 * Raised when a durable send was not confirmed within {@code
 * skald.framework.producer.delivery-timeout}; the record may or may not have been written.
 */
public final class DeliveryTimeoutException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the offending value
   */
  public DeliveryTimeoutException(String message) {
    super(message);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message which partition and how long
   * @param cause the timeout that ended the wait
   */
  public DeliveryTimeoutException(String message, Throwable cause) {
    super(message, cause);
  }
}
