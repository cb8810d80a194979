package io.skald.framework;

/**
 * Base class of every error Skald reports to a caller.
 *
 * <p>Each failure mode has its own subclass, so a caller can tell "the topic does not exist" from
 * "the record is too large" from "the journal did not answer in time" without parsing messages:
 * <!-- snippet: jd-skald-exception -->
 *
 * <pre>{@code
 * producer
 *     .send("orders", key, value)
 *     .whenComplete(
 *         (written, error) -> {
 *           if (error instanceof RecordTooLargeException tooLarge) { // the exception itself
 *             log.warn("not sent: {}", tooLarge.getMessage());
 *           }
 *         });
 * }</pre>
 */
public class SkaldException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message that says what went wrong and what to do about it.
   *
   * @param message the description
   */
  public SkaldException(String message) {
    super(message);
  }

  /**
   * Creates an exception that wraps its cause.
   *
   * @param message the description
   * @param cause the underlying failure
   */
  public SkaldException(String message, Throwable cause) {
    super(message, cause);
  }
}
