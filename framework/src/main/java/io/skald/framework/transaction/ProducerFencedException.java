package io.skald.framework.transaction;

/**
 * A newer producer instance with the same transactional id started: this instance's open
 * transaction is aborted and nothing it sends or commits from now on is written. Close it; the
 * newer instance took over.
 */
public class ProducerFencedException extends TransactionException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened
   */
  public ProducerFencedException(String message) {
    super(message);
  }
}
