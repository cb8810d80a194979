package io.skald.framework;

/**
 * Raised when a producer's buffer ({@code skald.framework.producer.max-buffered-bytes}) is full and
 * the record was not accepted.
 */
public final class BackpressureException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the offending value
   */
  public BackpressureException(String message) {
    super(message);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what went wrong, naming the offending value
   * @param cause the underlying failure
   */
  public BackpressureException(String message, Throwable cause) {
    super(message, cause);
  }
}
