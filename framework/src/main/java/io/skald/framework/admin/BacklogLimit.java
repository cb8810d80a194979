package io.skald.framework.admin;

import io.skald.framework.producer.BackpressureException;
import java.util.Objects;

/**
 * A bound on a partition's backlog: the records written but not yet consumed (committed) by the
 * slowest <em>active</em> consumer group (a group with running members). It stops the "queue grows
 * until the disk is full" failure at its source.
 * <!-- snippet: jd-backlog-limit -->
 *
 * <pre>{@code
 * TopicSpec.of("jobs", 8)
 *     .withBacklogLimit(new BacklogLimit(1_000_000, OverflowPolicy.REJECT_NEW));
 * }</pre>
 *
 * <p>Groups report their positions every {@code skald.framework.group.position-report-interval};
 * the limit is therefore enforced with that delay, and a group that stops (no members) no longer
 * counts once its last report expires.
 *
 * @param maxRecords the most records a partition holds beyond the slowest active group's position
 * @param policy what happens when a write would exceed it
 */
public record BacklogLimit(long maxRecords, OverflowPolicy policy) {

  /** What a partition does when its backlog limit is reached. */
  public enum OverflowPolicy {
    /**
     * Refuse new records: the producer gets {@link BackpressureException} (limit {@code
     * PARTITION_BACKLOG}) until consumers catch up.
     */
    REJECT_NEW,
    /**
     * Accept new records and delete the oldest beyond the limit (logged, with the count); a group
     * that had not read them resumes at the new log start.
     */
    DROP_OLDEST
  }

  /**
   * Validates the limit.
   *
   * @param maxRecords the most records a partition holds beyond the slowest active group's position
   * @param policy what happens when a write would exceed it
   */
  public BacklogLimit {
    if (maxRecords < 1) {
      throw new IllegalArgumentException("maxRecords must be >= 1, was " + maxRecords);
    }
    Objects.requireNonNull(policy, "policy");
  }

  /**
   * The limit as text, for example {@code "1000000 records, REJECT_NEW"}.
   *
   * @return the description
   */
  @Override
  public String toString() {
    return maxRecords + " records, " + policy;
  }
}
