package io.skald.framework;

/** Raised by {@link Producer#send} after the producer (or its Skald instance) was closed. */
public final class ProducerClosedException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the offending value
   */
  public ProducerClosedException(String message) {
    super(message);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what went wrong, naming the offending value
   * @param cause the underlying failure
   */
  public ProducerClosedException(String message, Throwable cause) {
    super(message, cause);
  }
}
