package io.skald.framework;

/**
 * Raised for an invalid topic definition or name: empty, bad characters, too long, or a partition
 * count below one.
 */
public final class InvalidTopicException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the offending value
   */
  public InvalidTopicException(String message) {
    super(message);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what went wrong, naming the offending value
   * @param cause the underlying failure
   */
  public InvalidTopicException(String message, Throwable cause) {
    super(message, cause);
  }
}
