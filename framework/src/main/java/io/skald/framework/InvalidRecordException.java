package io.skald.framework;

/**
 * Raised for a record that cannot be sent: a null record or value, a partition out of range, a bad
 * header.
 */
public final class InvalidRecordException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the offending value
   */
  public InvalidRecordException(String message) {
    super(message);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what went wrong, naming the offending value
   * @param cause the underlying failure
   */
  public InvalidRecordException(String message, Throwable cause) {
    super(message, cause);
  }
}
