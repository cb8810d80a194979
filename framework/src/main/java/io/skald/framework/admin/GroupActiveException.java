package io.skald.framework.admin;

import io.skald.framework.SkaldException;

/**
 * Raised when an operation that needs an inactive consumer group (such as resetting its offsets) is
 * attempted while the group has members: stop them first.
 */
public final class GroupActiveException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which group and how many members
   */
  public GroupActiveException(String message) {
    super(message);
  }
}
