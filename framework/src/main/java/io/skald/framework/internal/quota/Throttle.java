package io.skald.framework.internal.quota;

import io.skald.framework.producer.QuotaExceededException;
import io.skald.framework.producer.RateLimit;
import java.util.List;

/**
 * INTERNAL API: a {@link RateLimit} as a generic cell rate algorithm (a token bucket kept as one
 * "theoretical arrival time" per unit): an amount conforms when the unit's arrival time minus the
 * burst tolerance has passed; one that does not is delayed until then, or refused. Not thread-safe:
 * callers decide under one lock or inside one actor.
 */
public final class Throttle {
  private final RateLimit limit;
  private final String scope;
  private final double nanosPerRecord;
  private final double nanosPerByte;
  private final long toleranceNanos;
  private double recordsTat = Double.NEGATIVE_INFINITY;
  private double bytesTat = Double.NEGATIVE_INFINITY;

  /**
   * A throttle for a limit.
   *
   * @param limit the rate limit
   * @param scope what it limits, for messages (for example {@code "this producer"})
   */
  public Throttle(RateLimit limit, String scope) {
    this(limit, scope, 1);
  }

  /**
   * A throttle for a share of a limit: a topic's quota enforced by each of its partitions.
   *
   * @param limit the rate limit
   * @param scope what it limits, for messages
   * @param shares how many equal shares the limit is split into, {@code >= 1}
   */
  public Throttle(RateLimit limit, String scope, int shares) {
    this.limit = limit;
    this.scope = scope;
    this.nanosPerRecord =
        limit.recordsPerSecond() > 0 ? 1e9 * shares / limit.recordsPerSecond() : 0;
    this.nanosPerByte = limit.bytesPerSecond() > 0 ? 1e9 * shares / limit.bytesPerSecond() : 0;
    this.toleranceNanos = limit.burst().toNanos();
  }

  /**
   * The limit this throttle enforces (a share of it when split).
   *
   * @return the limit
   */
  public RateLimit limit() {
    return limit;
  }

  /**
   * How long {@code records} records of {@code bytes} bytes must wait at {@code now}, 0 if they
   * conform. An amount larger than the whole burst passes once the bucket is full.
   *
   * @param now {@link System#nanoTime()}
   * @param records the records
   * @param bytes their encoded size
   * @return nanoseconds
   */
  public long delay(long now, int records, long bytes) {
    double wait = 0;
    if (nanosPerRecord > 0) {
      double cost = Math.min((records - 1) * nanosPerRecord, toleranceNanos);
      wait = Math.max(wait, Math.max(recordsTat, now) + cost - toleranceNanos - now);
    }
    if (nanosPerByte > 0) {
      double cost = Math.min(bytes * nanosPerByte, toleranceNanos);
      wait = Math.max(wait, Math.max(bytesTat, now) + cost - toleranceNanos - now);
    }
    return (long) Math.ceil(Math.max(0, wait));
  }

  /**
   * Charges an amount as sent at {@code at}.
   *
   * @param at {@link System#nanoTime()} of the send
   * @param records the records
   * @param bytes their encoded size
   */
  public void take(long at, int records, long bytes) {
    if (nanosPerRecord > 0) {
      recordsTat = Math.max(recordsTat, at) + records * nanosPerRecord;
    }
    if (nanosPerByte > 0) {
      bytesTat = Math.max(bytesTat, at) + bytes * nanosPerByte;
    }
  }

  /**
   * How far the bucket is overdrawn at {@code now}: how long a sender that was charged should wait
   * before sending again so that the rate holds.
   *
   * @param now {@link System#nanoTime()}
   * @return nanoseconds, 0 when nothing is owed
   */
  public long owed(long now) {
    double owed = 0;
    if (nanosPerRecord > 0) {
      owed = Math.max(owed, recordsTat - toleranceNanos - now);
    }
    if (nanosPerByte > 0) {
      owed = Math.max(owed, bytesTat - toleranceNanos - now);
    }
    return (long) Math.ceil(owed);
  }

  /**
   * The exception for an amount this throttle refuses.
   *
   * @param delayNanos how long it would have had to wait
   * @param what what was refused, for example {@code "the record was not sent"}
   * @return the exception
   */
  public QuotaExceededException refusal(long delayNanos, String what) {
    long millis = Math.max(1, delayNanos / 1_000_000);
    return new QuotaExceededException(
        "the rate limit of "
            + scope
            + " ("
            + limit
            + ") is exceeded; "
            + what
            + ", retry in "
            + millis
            + " ms",
        millis);
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
  public static long admit(List<Throttle> throttles, long now, int bytes) {
    long wait = 0;
    for (Throttle throttle : throttles) {
      long delay = throttle.delay(now, 1, bytes);
      if (delay > 0 && throttle.limit.whenExceeded() == RateLimit.WhenExceeded.REFUSE) {
        throw throttle.refusal(delay, "the record was not sent");
      }
      wait = Math.max(wait, delay);
    }
    for (Throttle throttle : throttles) {
      throttle.take(now + wait, 1, bytes);
    }
    return wait == 0 ? 0 : now + wait;
  }
}
