package io.skald.framework.transaction;

/**
 * The transaction's records exceed {@code skald.framework.transactions.max-bytes}: the send that
 * crossed the limit is refused and the transaction can only be aborted ({@code commit} fails with
 * {@link TransactionAbortedException} caused by this). Split the work into smaller transactions.
 */
public class TransactionTooLargeException extends TransactionException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message the sizes involved
   */
  public TransactionTooLargeException(String message) {
    super(message);
  }
}
