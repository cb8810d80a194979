package io.skald.framework.producer;

import io.skald.framework.SkaldException;

/**
 * Raised for a record that cannot be sent: a null record or value, a partition out of range, a bad
 * header.
 */
public class InvalidRecordException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the offending value
   */
  public InvalidRecordException(String message) {
    super(message);
  }
}
