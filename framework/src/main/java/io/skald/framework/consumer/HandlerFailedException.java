package io.skald.framework.consumer;

import io.skald.framework.SkaldException;
import io.skald.framework.TopicPartition;

/**
 * Ends a subscription whose handler failed a record on its last allowed attempt (or with a
 * non-retryable failure). The record is not committed, so the group redelivers it to the next owner
 * of the partition; {@link Subscription#whenTerminated()} fails with this exception.
 */
public final class HandlerFailedException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /** Where the failed record is. */
  private final TopicPartition topicPartition;

  /** The failed record's offset. */
  private final long offset;

  /** How many attempts were made. */
  private final int attempts;

  /**
   * Creates the exception.
   *
   * @param topicPartition where the record is
   * @param offset the record's offset
   * @param attempts how many attempts were made
   * @param cause the last failure
   */
  public HandlerFailedException(
      TopicPartition topicPartition, long offset, int attempts, Throwable cause) {
    super(
        "handler failed record "
            + topicPartition
            + "@"
            + offset
            + " after "
            + attempts
            + " attempt(s): "
            + cause,
        cause);
    this.topicPartition = topicPartition;
    this.offset = offset;
    this.attempts = attempts;
  }

  /**
   * The partition of the failed record.
   *
   * @return the topic partition
   */
  public TopicPartition topicPartition() {
    return topicPartition;
  }

  /**
   * The offset of the failed record.
   *
   * @return the offset
   */
  public long offset() {
    return offset;
  }

  /**
   * The number of attempts made.
   *
   * @return the attempts
   */
  public int attempts() {
    return attempts;
  }
}
