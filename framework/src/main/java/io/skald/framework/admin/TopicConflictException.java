package io.skald.framework.admin;

import io.skald.framework.SkaldException;

/**
 * Raised when a topic is created again with a definition that differs from the existing one (for
 * example another partition count).
 */
public final class TopicConflictException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the offending value
   */
  public TopicConflictException(String message) {
    super(message);
  }
}
