package io.skald.framework.transaction;

/**
 * A call that does not fit the producer's state: commit or send without {@code begin}, {@code
 * begin} while a transaction is open or ending, any call after {@code close}. Nothing was staged or
 * written by the call.
 */
public class TransactionStateException extends TransactionException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was called in which state
   */
  public TransactionStateException(String message) {
    super(message);
  }
}
