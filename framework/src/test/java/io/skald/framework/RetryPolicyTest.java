package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.consumer.RetryPolicy;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  @Test
  void delaysGrowExponentiallyWithJitterAndStayBelowTheMaximum() {
    RetryPolicy policy =
        RetryPolicy.exponential(Duration.ofMillis(100), Duration.ofSeconds(2), 2.0);
    for (int i = 0; i < 200; i++) {
      Duration first = policy.delayAfter(1);
      assertTrue(first.toMillis() >= 50 && first.toMillis() <= 100, first.toString());
      Duration third = policy.delayAfter(3);
      assertTrue(third.toMillis() >= 200 && third.toMillis() <= 400, third.toString());
      Duration tenth = policy.delayAfter(10);
      assertTrue(tenth.toMillis() >= 1000 && tenth.toMillis() <= 2000, tenth.toString());
    }
  }

  @Test
  void attemptsAndNonRetryableFailuresEndTheRetries() {
    RetryPolicy policy =
        RetryPolicy.defaults()
            .withMaxAttempts(3)
            .withNonRetryable(Set.of(IllegalArgumentException.class));
    assertTrue(policy.shouldRetry(1, new IllegalStateException()));
    assertTrue(policy.shouldRetry(2, new IllegalStateException()));
    assertFalse(policy.shouldRetry(3, new IllegalStateException()));
    assertFalse(policy.shouldRetry(1, new NumberFormatException()), "subclass of non-retryable");
    assertFalse(policy.shouldRetry(1, new CodecException("malformed")));
  }

  @Test
  void invalidOptionsAreRejectedByName() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RetryPolicy.exponential(Duration.ofSeconds(2), Duration.ofSeconds(1), 2.0));
    assertTrue(e.getMessage().contains("maxInterval"));
    assertThrows(IllegalArgumentException.class, () -> RetryPolicy.defaults().withMaxAttempts(0));
    assertThrows(
        IllegalArgumentException.class,
        () -> RetryPolicy.exponential(Duration.ofMillis(1), Duration.ofMillis(2), 0.5));
  }
}
