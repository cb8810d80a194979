package io.skald.framework.admin;

import io.skald.framework.SkaldException;

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
}
