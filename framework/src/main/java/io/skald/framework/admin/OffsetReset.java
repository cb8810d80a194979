package io.skald.framework.admin;

import java.time.Instant;
import java.util.Objects;

/**
 * Where {@link TopicAdmin#resetOffsets} moves a group: to the earliest or latest record, to an
 * offset, or to the first record at or after a time.
 * <!-- snippet: jd-offset-reset -->
 *
 * <pre>{@code
 * // replay everything since yesterday 09:00, after checking what would change
 * OffsetReset since = OffsetReset.toTimestamp(Instant.parse("2026-11-22T09:00:00Z"));
 * Map<TopicPartition, Long> preview =
 *     admin.resetOffsets("billing", "orders", since, true).toCompletableFuture().join();
 * admin.resetOffsets("billing", "orders", since, false).toCompletableFuture().join();
 * }</pre>
 */
public sealed interface OffsetReset
    permits OffsetReset.Earliest,
        OffsetReset.Latest,
        OffsetReset.ToOffset,
        OffsetReset.ToTimestamp {

  /** To the first retained record. */
  record Earliest() implements OffsetReset {}

  /** To the log end: only records produced afterwards. */
  record Latest() implements OffsetReset {}

  /**
   * To an offset in every partition (clamped to the retained range).
   *
   * @param offset the offset
   */
  record ToOffset(long offset) implements OffsetReset {}

  /**
   * To the first record whose append time is at or after {@code time}, per partition.
   *
   * @param time the time
   */
  record ToTimestamp(Instant time) implements OffsetReset {
    /**
     * Validates the time.
     *
     * @param time the time
     */
    public ToTimestamp {
      Objects.requireNonNull(time, "time");
    }
  }

  /**
   * The earliest retained record.
   *
   * @return the reset
   */
  static OffsetReset earliest() {
    return new Earliest();
  }

  /**
   * The log end.
   *
   * @return the reset
   */
  static OffsetReset latest() {
    return new Latest();
  }

  /**
   * An offset.
   *
   * @param offset the offset
   * @return the reset
   */
  static OffsetReset toOffset(long offset) {
    return new ToOffset(offset);
  }

  /**
   * A point in time.
   *
   * @param time the time
   * @return the reset
   */
  static OffsetReset toTimestamp(Instant time) {
    return new ToTimestamp(time);
  }
}
