package io.skald.framework;

/** Raised when the group coordinator refuses a commit because the member no longer owns the partition (a stale generation). */
public final class CommitRejectedException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the offending value
   */
  public CommitRejectedException(String message) {
    super(message);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what went wrong, naming the offending value
   * @param cause the underlying failure
   */
  public CommitRejectedException(String message, Throwable cause) {
    super(message, cause);
  }
}
