package io.skald.framework.internal.producer;

import io.skald.framework.producer.QuotaExceededException;
import io.skald.framework.producer.RateLimit;
import java.util.List;

/**
 * INTERNAL API: a {@link RateLimit} as a generic cell rate algorithm (a token bucket kept as one
 * "theoretical arrival time" per unit): a record conforms when the unit's arrival time minus the
 * burst tolerance has passed; one that does not is delayed until then, or refused. Not thread-safe:
 * the producer decides under one lock.
 */
final class Throttle {
  private final RateLimit limit;
  private final String scope;
  private final double nanosPerRecord;
  private final double nanosPerByte;
  private final long toleranceNanos;
  private double recordsTat = Double.NEGATIVE_INFINITY;
  private double bytesTat = Double.NEGATIVE_INFINITY;

  Throttle(RateLimit limit, String scope) {
    this.limit = limit;
    this.scope = scope;
    this.nanosPerRecord = limit.recordsPerSecond() > 0 ? 1e9 / limit.recordsPerSecond() : 0;
    this.nanosPerByte = limit.bytesPerSecond() > 0 ? 1e9 / limit.bytesPerSecond() : 0;
    this.toleranceNanos = limit.burst().toNanos();
  }

  /** How long a record of {@code bytes} must wait at {@code now}, 0 if it conforms. */
  private long delay(long now, int bytes) {
    double wait = 0;
    if (nanosPerRecord > 0) {
      wait = Math.max(wait, Math.max(recordsTat, now) - toleranceNanos - now);
    }
    if (nanosPerByte > 0) {
      // a record larger than the whole burst still passes once the bucket is full
      double cost = Math.min(bytes * nanosPerByte, toleranceNanos);
      wait = Math.max(wait, Math.max(bytesTat, now) + cost - toleranceNanos - now);
    }
    return (long) Math.ceil(Math.max(0, wait));
  }

  private void take(long at, int bytes) {
    if (nanosPerRecord > 0) {
      recordsTat = Math.max(recordsTat, at) + nanosPerRecord;
    }
    if (nanosPerByte > 0) {
      bytesTat = Math.max(bytesTat, at) + bytes * nanosPerByte;
    }
  }

  /**
   * Decides a record against every throttle that applies: refused if one that refuses would make it
   * wait (then none is charged), otherwise charged to all at the time it may go.
   *
   * @param throttles the producer's and the topic's, either may be absent
   * @param now {@link System#nanoTime()}
   * @param bytes the record's encoded size
   * @return the {@link System#nanoTime()} before which the record must not be sent, or 0
   * @throws QuotaExceededException when refused
   */
  static long admit(List<Throttle> throttles, long now, int bytes) {
    long wait = 0;
    for (Throttle throttle : throttles) {
      long delay = throttle.delay(now, bytes);
      if (delay > 0 && throttle.limit.whenExceeded() == RateLimit.WhenExceeded.REFUSE) {
        throw new QuotaExceededException(
            "the rate limit of "
                + throttle.scope
                + " ("
                + throttle.limit
                + ") is exceeded; the record was not sent, retry in "
                + Math.max(1, delay / 1_000_000)
                + " ms",
            Math.max(1, delay / 1_000_000));
      }
      wait = Math.max(wait, delay);
    }
    for (Throttle throttle : throttles) {
      throttle.take(now + wait, bytes);
    }
    return wait == 0 ? 0 : now + wait;
  }
}
