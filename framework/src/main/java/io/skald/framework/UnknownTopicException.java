package io.skald.framework;

/** Raised when a producer or consumer names a topic that was never created. */
public final class UnknownTopicException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the offending value
   */
  public UnknownTopicException(String message) {
    super(message);
  }
}
