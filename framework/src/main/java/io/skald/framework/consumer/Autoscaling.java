package io.skald.framework.consumer;

import java.time.Duration;
import java.util.Objects;

/**
 * How a subscription's parallelism (records of one partition in the handler at once, see {@link
 * SubscriptionSpec#withParallelism}) follows the partition's lag: it doubles while the lag stays
 * above {@link #scaleUpLag()} for {@link #scaleUpAfter()}, and halves while the lag stays at or
 * below {@link #scaleDownLag()} for {@link #scaleDownAfter()}, always within {@code [min, max]}.
 * Two thresholds and two durations are the hysteresis: a lag that crosses one line back and forth
 * does not make the parallelism flap.
 * <!-- snippet: jd-autoscaling -->
 *
 * <pre>{@code
 * SubscriptionSpec<String, Order> spec =
 *     SubscriptionSpec.of("billing", Codecs.string(), Codecs.json(Order.class))
 *         .withTopics("orders")
 *         .withPrefetch(1_000)
 *         .withAutoscaling(Autoscaling.between(1, 64).scaleUpAtLag(500));
 * }</pre>
 *
 * <p>Each partition's owner scales its own partition from the lag it sees, so in a cluster every
 * member scales independently and a rebalance starts the moved partition at {@code min} again. Per
 * key order is kept at every parallelism: records of one key never run concurrently. Immutable.
 */
public final class Autoscaling {
  private final int min;
  private final int max;
  private final long scaleUpLag;
  private final long scaleDownLag;
  private final Duration scaleUpAfter;
  private final Duration scaleDownAfter;

  private Autoscaling(
      int min,
      int max,
      long scaleUpLag,
      long scaleDownLag,
      Duration scaleUpAfter,
      Duration scaleDownAfter) {
    if (min < 1) {
      throw new IllegalArgumentException("autoscaling min must be >= 1, was " + min);
    }
    if (max < min) {
      throw new IllegalArgumentException(
          "autoscaling max (" + max + ") must be >= min (" + min + ")");
    }
    if (scaleDownLag < 0 || scaleUpLag <= scaleDownLag) {
      throw new IllegalArgumentException(
          "autoscaling needs 0 <= scaleDownLag < scaleUpLag, was "
              + scaleDownLag
              + " and "
              + scaleUpLag);
    }
    for (Duration d : new Duration[] {scaleUpAfter, scaleDownAfter}) {
      Objects.requireNonNull(d, "duration");
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("autoscaling durations must be positive, was " + d);
      }
    }
    this.min = min;
    this.max = max;
    this.scaleUpLag = scaleUpLag;
    this.scaleDownLag = scaleDownLag;
    this.scaleUpAfter = scaleUpAfter;
    this.scaleDownAfter = scaleDownAfter;
  }

  /**
   * Parallelism between {@code min} and {@code max}; up when the lag stays above 1,000 records for
   * 2 s, down when it stays at 0 for 30 s.
   *
   * @param min the parallelism when idle, at least 1
   * @param max the most, at least {@code min} and at most the prefetch
   * @return the policy
   */
  public static Autoscaling between(int min, int max) {
    return new Autoscaling(min, max, 1_000, 0, Duration.ofSeconds(2), Duration.ofSeconds(30));
  }

  /**
   * The lag (records of the partition not yet handled) above which the parallelism grows.
   *
   * @param records greater than {@link #scaleDownLag()}
   * @return the new policy
   */
  public Autoscaling scaleUpAtLag(long records) {
    return new Autoscaling(min, max, records, scaleDownLag, scaleUpAfter, scaleDownAfter);
  }

  /**
   * The lag at or below which the parallelism shrinks.
   *
   * @param records at least 0, less than {@link #scaleUpLag()}
   * @return the new policy
   */
  public Autoscaling scaleDownAtLag(long records) {
    return new Autoscaling(min, max, scaleUpLag, records, scaleUpAfter, scaleDownAfter);
  }

  /**
   * How long the lag must stay above {@link #scaleUpLag()} before each doubling.
   *
   * @param duration positive
   * @return the new policy
   */
  public Autoscaling scaleUpAfter(Duration duration) {
    return new Autoscaling(min, max, scaleUpLag, scaleDownLag, duration, scaleDownAfter);
  }

  /**
   * How long the lag must stay at or below {@link #scaleDownLag()} before each halving.
   *
   * @param duration positive
   * @return the new policy
   */
  public Autoscaling scaleDownAfter(Duration duration) {
    return new Autoscaling(min, max, scaleUpLag, scaleDownLag, scaleUpAfter, duration);
  }

  /**
   * The least parallelism.
   *
   * @return min
   */
  public int min() {
    return min;
  }

  /**
   * The most parallelism.
   *
   * @return max
   */
  public int max() {
    return max;
  }

  /**
   * The lag above which the parallelism grows.
   *
   * @return records
   */
  public long scaleUpLag() {
    return scaleUpLag;
  }

  /**
   * The lag at or below which it shrinks.
   *
   * @return records
   */
  public long scaleDownLag() {
    return scaleDownLag;
  }

  /**
   * How long above the threshold before growing.
   *
   * @return the duration
   */
  public Duration scaleUpAfter() {
    return scaleUpAfter;
  }

  /**
   * How long at or below the threshold before shrinking.
   *
   * @return the duration
   */
  public Duration scaleDownAfter() {
    return scaleDownAfter;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Autoscaling other
        && min == other.min
        && max == other.max
        && scaleUpLag == other.scaleUpLag
        && scaleDownLag == other.scaleDownLag
        && scaleUpAfter.equals(other.scaleUpAfter)
        && scaleDownAfter.equals(other.scaleDownAfter);
  }

  @Override
  public int hashCode() {
    return Objects.hash(min, max, scaleUpLag, scaleDownLag, scaleUpAfter, scaleDownAfter);
  }

  @Override
  public String toString() {
    return "Autoscaling["
        + min
        + ".."
        + max
        + ", up above lag "
        + scaleUpLag
        + " for "
        + scaleUpAfter
        + ", down at lag <= "
        + scaleDownLag
        + " for "
        + scaleDownAfter
        + "]";
  }
}
