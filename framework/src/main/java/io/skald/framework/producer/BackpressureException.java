package io.skald.framework.producer;

import io.skald.framework.SkaldException;
import io.skald.framework.admin.BacklogLimit;
import java.util.Objects;

/**
 * Raised when a record was not accepted because something downstream is full; nothing was written,
 * and the remedy is the same whichever limit was hit: slow down and send it again later.
 *
 * <p>{@link #limit()} says which limit refused it:
 *
 * <ul>
 *   <li>{@link Limit#PRODUCER_BUFFER}: the producer's buffer ({@code
 *       skald.framework.producer.max-buffered-bytes}) is full and {@code when-full = fail} (or
 *       {@code block} waited {@code max-block} in vain);
 *   <li>{@link Limit#PARTITION_BACKLOG}: a partition of a topic with {@link
 *       BacklogLimit.OverflowPolicy#REJECT_NEW} holds as many unconsumed records as its limit
 *       allows; sends succeed again once consumers catch up.
 * </ul>
 */
public final class BackpressureException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /** The limit that refused a record. */
  public enum Limit {
    /** The producer's in-memory buffer of unconfirmed records. */
    PRODUCER_BUFFER,
    /** The partition's bound on unconsumed records ({@link BacklogLimit}). */
    PARTITION_BACKLOG,
    /**
     * The node's disk-space alarm: the journal's filesystem is below {@code
     * skald.framework.disk.free-limit} ({@link io.skald.framework.admin.DiskSpace}).
     */
    DISK_SPACE
  }

  /** The limit that refused the record. */
  private final Limit limit;

  /**
   * Creates the exception.
   *
   * @param limit the limit that refused the record
   * @param message which limit and value, naming the topic or partition
   */
  public BackpressureException(Limit limit, String message) {
    super(message);
    this.limit = Objects.requireNonNull(limit, "limit");
  }

  /**
   * Creates the exception with its cause.
   *
   * @param limit the limit that refused the record
   * @param message which limit and value
   * @param cause the underlying failure
   */
  public BackpressureException(Limit limit, String message, Throwable cause) {
    super(message, cause);
    this.limit = Objects.requireNonNull(limit, "limit");
  }

  /**
   * The limit that refused the record.
   *
   * @return never null
   */
  public Limit limit() {
    return limit;
  }
}
