package io.skald.framework.transaction;

import io.skald.framework.SkaldException;

/**
 * A transaction could not go on. The subclass says whether the producer may run another transaction
 * ({@link TransactionAbortedException}, {@link TransactionStateException}) or is done for good
 * ({@link ProducerFencedException}).
 */
public class TransactionException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened
   */
  public TransactionException(String message) {
    super(message);
  }

  /**
   * Creates the exception.
   *
   * @param message what happened
   * @param cause the underlying failure
   */
  public TransactionException(String message, Throwable cause) {
    super(message, cause);
  }
}
