package io.skald.framework.transaction;

/**
 * Offsets were added to a transaction for partitions the given subscription's member does not own
 * (never did, or lost them in a rebalance): committing them could skip records another member
 * handles. Thrown by {@code sendOffsets}, or the cause of the {@link TransactionAbortedException}
 * of a commit whose member lost the partitions meanwhile.
 */
public class NotPartitionOwnerException extends TransactionException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message the group, member and partitions
   */
  public NotPartitionOwnerException(String message) {
    super(message);
  }
}
