package io.skald.framework.admin;

import io.skald.framework.SkaldException;

/** Raised when a consumer group has no member, no committed offset and no history. */
public final class UnknownGroupException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the group
   */
  public UnknownGroupException(String message) {
    super(message);
  }
}
