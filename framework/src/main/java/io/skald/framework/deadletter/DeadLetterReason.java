package io.skald.framework.deadletter;

import io.skald.framework.consumer.RejectRecordException;

/**
 * Why a record went to a dead-letter topic. Written with the dead letter (header {@code
 * skald.dlq.reason}) as {@link #header()}, so the values below are stable.
 * <!-- snippet: jd-dead-letter-reason -->
 *
 * <pre>{@code
 * for (DeadLetter letter : dlq.list(0, 100).toCompletableFuture().join()) {
 *   if (letter.reason() == DeadLetterReason.RETRIES_EXHAUSTED) {
 *     // a transient failure that outlasted the retry policy: replay once the cause is fixed
 *     dlq.replay(letter.dlqOffset());
 *   }
 * }
 * }</pre>
 */
public enum DeadLetterReason {
  /** The handler rejected the record for good ({@link RejectRecordException}). */
  REJECTED("rejected"),
  /** The handler failed with a type the retry policy declares non-retryable. */
  NON_RETRYABLE("non-retryable"),
  /** Every attempt the retry policy allows failed. */
  RETRIES_EXHAUSTED("retries-exhausted"),
  /**
   * The record's partition refused it for good when Skald wrote it on the sender's behalf (a
   * delayed record larger than its topic's limit when it fell due): never written to its topic.
   */
  REFUSED("refused"),
  /**
   * A shared subscription handed the record out as many times as its retry policy allows attempts,
   * and every time the member holding it neither acknowledged nor released it within the visibility
   * timeout (it stopped, crashed or hung), so no handler failure was ever reported for it.
   */
  DELIVERY_LIMIT("delivery-limit");

  private final String header;

  DeadLetterReason(String header) {
    this.header = header;
  }

  /**
   * The value written in the dead letter's {@code skald.dlq.reason} header.
   *
   * @return the header value
   */
  public String header() {
    return header;
  }

  /**
   * The reason a header value names.
   *
   * @param header a {@code skald.dlq.reason} value
   * @return the reason
   * @throws IllegalArgumentException if it names none
   */
  public static DeadLetterReason fromHeader(String header) {
    for (DeadLetterReason reason : values()) {
      if (reason.header.equals(header)) {
        return reason;
      }
    }
    throw new IllegalArgumentException("not a dead-letter reason: " + header);
  }
}
