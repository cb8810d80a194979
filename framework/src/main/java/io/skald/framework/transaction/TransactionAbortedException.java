package io.skald.framework.transaction;

/**
 * The transaction was aborted: none of its records was written, none of its offsets committed. The
 * producer may begin another one.
 */
public class TransactionAbortedException extends TransactionException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message why it was aborted
   * @param cause the failure that aborted it, or null
   */
  public TransactionAbortedException(String message, Throwable cause) {
    super(message, cause);
  }
}
