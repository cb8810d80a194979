package io.skald.framework.consumer;

import io.skald.framework.CodecException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How a failed handler attempt is retried: exponential backoff with full jitter, bounded by a
 * maximum interval and a maximum number of attempts. Exceptions of a non-retryable type (and {@link
 * CodecException}, a payload that will never decode) are not retried.
 *
 * <p>The delay before attempt {@code n + 1} is a random duration between half and all of {@code
 * min(maxInterval, initialInterval * multiplier^(n-1))}.
 * <!-- snippet: jd-retry-policy -->
 *
 * <pre>{@code
 * RetryPolicy policy =
 *     RetryPolicy.exponential(Duration.ofMillis(100), Duration.ofSeconds(10), 2.0)
 *         .withMaxAttempts(5)
 *         .withNonRetryable(Set.of(IllegalArgumentException.class));
 * }</pre>
 *
 * @param initialInterval the delay before the second attempt
 * @param maxInterval the largest delay
 * @param multiplier the growth factor between attempts, at least 1.0
 * @param maxAttempts the total number of attempts, at least 1 ({@code Integer.MAX_VALUE}: forever)
 * @param nonRetryable failures that end the retries at once (subclasses included)
 */
public record RetryPolicy(
    Duration initialInterval,
    Duration maxInterval,
    double multiplier,
    int maxAttempts,
    Set<Class<? extends Throwable>> nonRetryable) {

  /**
   * Validates the policy; an invalid option is named in the exception.
   *
   * @param initialInterval the delay before the second attempt
   * @param maxInterval the largest delay
   * @param multiplier the growth factor between attempts, at least 1.0
   * @param maxAttempts the total number of attempts, at least 1 ({@code Integer.MAX_VALUE}:
   *     forever)
   * @param nonRetryable failures that end the retries at once (subclasses included)
   */
  public RetryPolicy {
    Objects.requireNonNull(initialInterval, "initialInterval");
    Objects.requireNonNull(maxInterval, "maxInterval");
    if (initialInterval.isNegative() || initialInterval.isZero()) {
      throw new IllegalArgumentException(
          "initialInterval must be positive, was " + initialInterval);
    }
    if (maxInterval.compareTo(initialInterval) < 0) {
      throw new IllegalArgumentException(
          "maxInterval (" + maxInterval + ") must be >= initialInterval (" + initialInterval + ")");
    }
    if (!(multiplier >= 1.0)) {
      throw new IllegalArgumentException("multiplier must be >= 1.0, was " + multiplier);
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
    }
    nonRetryable = Set.copyOf(nonRetryable);
  }

  /**
   * The default: 10 attempts, 100 ms doubling up to 10 s.
   *
   * @return the default policy
   */
  public static RetryPolicy defaults() {
    return exponential(Duration.ofMillis(100), Duration.ofSeconds(10), 2.0).withMaxAttempts(10);
  }

  /**
   * An exponential policy that retries forever until changed with {@link #withMaxAttempts}.
   *
   * @param initialInterval the first delay
   * @param maxInterval the largest delay
   * @param multiplier the growth factor
   * @return the policy
   */
  public static RetryPolicy exponential(
      Duration initialInterval, Duration maxInterval, double multiplier) {
    return new RetryPolicy(initialInterval, maxInterval, multiplier, Integer.MAX_VALUE, Set.of());
  }

  /**
   * No retries: the first failure is final.
   *
   * @return a policy of one attempt
   */
  public static RetryPolicy none() {
    return defaults().withMaxAttempts(1);
  }

  /**
   * A copy with another attempt limit.
   *
   * @param attempts the total number of attempts, at least 1
   * @return the new policy
   */
  public RetryPolicy withMaxAttempts(int attempts) {
    return new RetryPolicy(initialInterval, maxInterval, multiplier, attempts, nonRetryable);
  }

  /**
   * A copy with another set of non-retryable failure types.
   *
   * @param types the failure types that end the retries
   * @return the new policy
   */
  public RetryPolicy withNonRetryable(Set<Class<? extends Throwable>> types) {
    return new RetryPolicy(initialInterval, maxInterval, multiplier, maxAttempts, types);
  }

  /**
   * Whether another attempt follows the failure of attempt {@code attempt}.
   *
   * @param attempt the attempt that failed, from 1
   * @param failure the failure
   * @return true to retry
   */
  public boolean shouldRetry(int attempt, Throwable failure) {
    if (attempt >= maxAttempts || failure instanceof CodecException) {
      return false;
    }
    for (Class<? extends Throwable> type : nonRetryable) {
      if (type.isInstance(failure)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The delay before the attempt after {@code attempt}, with jitter.
   *
   * @param attempt the attempt that failed, from 1
   * @return the delay
   */
  public Duration delayAfter(int attempt) {
    double ceiling =
        Math.min(
            maxInterval.toNanos(),
            initialInterval.toNanos() * Math.pow(multiplier, Math.max(0, attempt - 1)));
    double jittered = ceiling / 2 + ThreadLocalRandom.current().nextDouble() * ceiling / 2;
    return Duration.ofNanos((long) jittered);
  }
}
