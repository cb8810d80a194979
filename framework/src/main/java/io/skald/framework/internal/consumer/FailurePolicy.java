package io.skald.framework.internal.consumer;

import io.skald.framework.consumer.RejectRecordException;
import io.skald.framework.consumer.RetryPolicy;
import io.skald.framework.deadletter.DeadLetterReason;
import java.time.Duration;

/**
 * What happens to a record whose attempt failed: a pure decision from the attempt, the failure and
 * the subscription's policy, taken in one place so that every path that settles a failed record
 * (its attempt's reply, a timeout, a dead-letter write that must be repeated) agrees on it.
 */
final class FailurePolicy {
  private FailurePolicy() {}

  /** The decision. */
  sealed interface Decision {}

  /**
   * Attempt again after a pause.
   *
   * @param delay the pause
   */
  record Retry(Duration delay) implements Decision {}

  /**
   * Write the record to the dead-letter topic, then acknowledge it.
   *
   * @param reason why
   */
  record DeadLetter(DeadLetterReason reason) implements Decision {}

  /** Fail the member: the subscription has no dead-letter topic. */
  enum Fail implements Decision {
    INSTANCE
  }

  /**
   * Decides.
   *
   * @param policy the subscription's retry policy
   * @param attempt the attempt that failed, from 1
   * @param error its failure
   * @param deadLetters whether the subscription has a dead-letter topic
   * @return the decision
   */
  static Decision decide(RetryPolicy policy, int attempt, Throwable error, boolean deadLetters) {
    boolean rejected = error instanceof RejectRecordException;
    if (!rejected && policy.shouldRetry(attempt, error)) {
      return new Retry(policy.delayAfter(attempt));
    }
    if (!deadLetters) {
      return Fail.INSTANCE;
    }
    if (rejected) {
      return new DeadLetter(DeadLetterReason.REJECTED);
    }
    return new DeadLetter(
        attempt >= policy.maxAttempts()
            ? DeadLetterReason.RETRIES_EXHAUSTED
            : DeadLetterReason.NON_RETRYABLE);
  }
}
