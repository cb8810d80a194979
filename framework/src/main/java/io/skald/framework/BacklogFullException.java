package io.skald.framework;

/**
 * Raised to a producer when a partition of a topic with {@link
 * BacklogLimit.OverflowPolicy#REJECT_NEW} holds as many unconsumed records as its limit allows. The
 * records were not written; send them again once consumers have caught up.
 */
public final class BacklogFullException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which partition and limit
   */
  public BacklogFullException(String message) {
    super(message);
  }
}
