package io.skald.framework;

/**
 * Raised when a {@link Codec} cannot encode a value, or cannot decode a payload (a malformed
 * record).
 */
public final class CodecException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the offending value
   */
  public CodecException(String message) {
    super(message);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what went wrong, naming the offending value
   * @param cause the underlying failure
   */
  public CodecException(String message, Throwable cause) {
    super(message, cause);
  }
}
