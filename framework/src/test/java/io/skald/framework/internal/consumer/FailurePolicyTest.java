package io.skald.framework.internal.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skald.framework.consumer.RejectRecordException;
import io.skald.framework.consumer.RetryPolicy;
import io.skald.framework.deadletter.DeadLetterReason;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FailurePolicyTest {
  private static final RetryPolicy THREE =
      RetryPolicy.exponential(Duration.ofMillis(100), Duration.ofMillis(100), 1.0)
          .withMaxAttempts(3)
          .withNonRetryable(Set.of(IllegalArgumentException.class));

  @Test
  void aTransientFailureIsRetriedUntilTheAttemptsRunOut() {
    assertEquals(
        FailurePolicy.Retry.class,
        FailurePolicy.decide(THREE, 2, new IllegalStateException("busy"), true).getClass());
    assertEquals(
        new FailurePolicy.DeadLetter(DeadLetterReason.RETRIES_EXHAUSTED),
        FailurePolicy.decide(THREE, 3, new IllegalStateException("busy"), true));
  }

  @Test
  void aRejectionOrANonRetryableFailureIsDeadLetteredAtOnceWithItsReason() {
    assertEquals(
        new FailurePolicy.DeadLetter(DeadLetterReason.REJECTED),
        FailurePolicy.decide(THREE, 1, new RejectRecordException("bad"), true));
    assertEquals(
        new FailurePolicy.DeadLetter(DeadLetterReason.NON_RETRYABLE),
        FailurePolicy.decide(THREE, 1, new IllegalArgumentException("unreadable"), true));
  }

  @Test
  void withoutADeadLetterTopicAFailureForGoodFailsTheMember() {
    assertEquals(
        FailurePolicy.Fail.INSTANCE,
        FailurePolicy.decide(THREE, 3, new IllegalStateException("busy"), false));
  }
}
