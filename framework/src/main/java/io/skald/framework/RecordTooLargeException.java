package io.skald.framework;

/** Raised when a record's encoded size exceeds {@code skald.framework.max-record-bytes}. */
public final class RecordTooLargeException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the offending value
   */
  public RecordTooLargeException(String message) {
    super(message);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what went wrong, naming the offending value
   * @param cause the underlying failure
   */
  public RecordTooLargeException(String message, Throwable cause) {
    super(message, cause);
  }
}
