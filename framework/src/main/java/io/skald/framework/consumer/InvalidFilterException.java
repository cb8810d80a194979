package io.skald.framework.consumer;

import io.skald.framework.SkaldException;

/**
 * Raised when a {@link RecordFilter} expression or a pattern inside it is invalid; the message
 * names the position and what was expected.
 */
public final class InvalidFilterException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what is wrong, with the position in the expression
   */
  public InvalidFilterException(String message) {
    super(message);
  }
}
