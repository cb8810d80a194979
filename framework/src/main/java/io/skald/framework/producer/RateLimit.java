package io.skald.framework.producer;

import java.time.Duration;
import java.util.Objects;

/**
 * A rate limit: at most so many records and/or bytes per second, with a burst allowance, and what
 * happens to a record over it. Set per producer ({@link ProducerSettings#withRateLimit}), per
 * producer and topic ({@link ProducerSettings#withTopicRateLimit}), or as a topic's quota for all
 * its producers together, enforced by its partitions ({@link
 * io.skald.framework.admin.TopicSpec#withRateLimit}).
 * <!-- snippet: jd-rate-limit -->
 *
 * <pre>{@code
 * ProducerSettings<String, String> settings =
 *     ProducerSettings.of(Codecs.string(), Codecs.string())
 *         .withRateLimit(RateLimit.recordsPerSecond(5_000).andBytesPerSecond(4 << 20))
 *         .withTopicRateLimit(
 *             "emails",
 *             RateLimit.recordsPerSecond(50).whenExceeded(RateLimit.WhenExceeded.REFUSE));
 * }</pre>
 *
 * <p>In a producer, the limiter is a token bucket (GCRA): the rate refills it continuously and it
 * holds {@code rate × burst} of each unit, so an idle producer may send one burst at once and then
 * the rate. Records over the limit are either delayed — held in the producer, in send order, and
 * counted in its buffer ({@code skald.framework.producer.max-buffered-bytes}), so a producer that
 * keeps sending over its limit ends in the buffer's backpressure — or refused with {@link
 * QuotaExceededException}, and then they take no tokens. Immutable.
 */
public final class RateLimit {
  /** What happens to a record over the limit. */
  public enum WhenExceeded {
    /** It is held until the limit allows it, in send order (the default). */
    DELAY,
    /** Its send fails at once with {@link QuotaExceededException}. */
    REFUSE
  }

  private final double recordsPerSecond;
  private final double bytesPerSecond;
  private final Duration burst;
  private final WhenExceeded whenExceeded;

  private RateLimit(
      double recordsPerSecond, double bytesPerSecond, Duration burst, WhenExceeded whenExceeded) {
    this.recordsPerSecond = recordsPerSecond;
    this.bytesPerSecond = bytesPerSecond;
    this.burst = Objects.requireNonNull(burst, "burst");
    this.whenExceeded = Objects.requireNonNull(whenExceeded, "whenExceeded");
    if (burst.isNegative() || burst.isZero()) {
      throw new IllegalArgumentException("a rate limit's burst must be positive, was " + burst);
    }
  }

  private static double checkRate(double rate, String unit) {
    if (!(rate > 0) || Double.isInfinite(rate)) {
      throw new IllegalArgumentException(
          "a rate limit in " + unit + " per second must be positive and finite, was " + rate);
    }
    return rate;
  }

  /**
   * At most {@code rate} records per second, bursts of one second, delayed when over.
   *
   * @param rate records per second, positive
   * @return the limit
   * @throws IllegalArgumentException for a rate that is not positive
   */
  public static RateLimit recordsPerSecond(double rate) {
    return new RateLimit(checkRate(rate, "records"), 0, Duration.ofSeconds(1), WhenExceeded.DELAY);
  }

  /**
   * At most {@code rate} bytes (keys, values and headers as encoded) per second, bursts of one
   * second, delayed when over.
   *
   * @param rate bytes per second, positive
   * @return the limit
   * @throws IllegalArgumentException for a rate that is not positive
   */
  public static RateLimit bytesPerSecond(double rate) {
    return new RateLimit(0, checkRate(rate, "bytes"), Duration.ofSeconds(1), WhenExceeded.DELAY);
  }

  /**
   * This limit and a bytes-per-second one.
   *
   * @param rate bytes per second, positive
   * @return the new limit
   */
  public RateLimit andBytesPerSecond(double rate) {
    return new RateLimit(recordsPerSecond, checkRate(rate, "bytes"), burst, whenExceeded);
  }

  /**
   * This limit and a records-per-second one.
   *
   * @param rate records per second, positive
   * @return the new limit
   */
  public RateLimit andRecordsPerSecond(double rate) {
    return new RateLimit(checkRate(rate, "records"), bytesPerSecond, burst, whenExceeded);
  }

  /**
   * The burst allowance: an idle producer may send {@code rate × burst} at once.
   *
   * @param newBurst positive
   * @return the new limit
   */
  public RateLimit withBurst(Duration newBurst) {
    return new RateLimit(recordsPerSecond, bytesPerSecond, newBurst, whenExceeded);
  }

  /**
   * What happens to a record over the limit.
   *
   * @param policy delay (the default) or refuse
   * @return the new limit
   */
  public RateLimit whenExceeded(WhenExceeded policy) {
    return new RateLimit(recordsPerSecond, bytesPerSecond, burst, policy);
  }

  /**
   * Records per second.
   *
   * @return the rate, or 0 when records are not limited
   */
  public double recordsPerSecond() {
    return recordsPerSecond;
  }

  /**
   * Bytes per second.
   *
   * @return the rate, or 0 when bytes are not limited
   */
  public double bytesPerSecond() {
    return bytesPerSecond;
  }

  /**
   * The burst allowance.
   *
   * @return the duration
   */
  public Duration burst() {
    return burst;
  }

  /**
   * What happens to a record over the limit.
   *
   * @return the policy
   */
  public WhenExceeded whenExceeded() {
    return whenExceeded;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RateLimit other
        && recordsPerSecond == other.recordsPerSecond
        && bytesPerSecond == other.bytesPerSecond
        && burst.equals(other.burst)
        && whenExceeded == other.whenExceeded;
  }

  @Override
  public int hashCode() {
    return Objects.hash(recordsPerSecond, bytesPerSecond, burst, whenExceeded);
  }

  @Override
  public String toString() {
    return "RateLimit["
        + (recordsPerSecond > 0 ? recordsPerSecond + " records/s " : "")
        + (bytesPerSecond > 0 ? bytesPerSecond + " bytes/s " : "")
        + "burst "
        + burst
        + ", "
        + whenExceeded
        + "]";
  }
}
