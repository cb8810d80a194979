package io.skald.framework.internal.log;

import io.skald.framework.admin.BacklogLimit;
import io.skald.framework.admin.Retention;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;

/**
 * INTERNAL API: a partition's limits on its own size: the topic's retention and backlog limit, and
 * the positions consumer groups reported for the backlog. Decides where the log may start and
 * whether an append must be refused; the {@link PartitionEntity} persists the outcome.
 */
final class PartitionLimits {
  private final String persistenceId;
  private final Logger log;
  private final Duration positionTtl;
  private final Map<String, long[]> groupPositions = new HashMap<>();
  private Retention retention = Retention.forever();
  private BacklogLimit backlogLimit;
  private long droppedRecords;

  PartitionLimits(String persistenceId, Logger log, Duration positionReportInterval) {
    this.persistenceId = persistenceId;
    this.log = log;
    this.positionTtl = positionReportInterval.multipliedBy(3);
  }

  void load(Retention retention, BacklogLimit backlogLimit) {
    this.retention = retention;
    this.backlogLimit = backlogLimit;
  }

  /** Whether age-based retention needs a periodic check. */
  boolean needsTimer() {
    return retention.limited();
  }

  /** Whether a write can move the log start (count or size retention, backlog limit). */
  boolean checkAfterWrites() {
    return retention.maxRecords() > 0 || retention.maxBytes() > 0 || backlogLimit != null;
  }

  boolean dropsOldest() {
    return backlogLimit != null && backlogLimit.policy() == BacklogLimit.OverflowPolicy.DROP_OLDEST;
  }

  /** A group's committed position, valid for three report intervals. */
  void recordPosition(String group, long offset) {
    groupPositions.put(group, new long[] {offset, System.nanoTime() + positionTtl.toNanos()});
  }

  /**
   * Why an append of {@code count} records must be refused under REJECT_NEW, or null.
   *
   * @param written the offset after everything written or pending
   */
  String rejection(long written, int count) {
    if (backlogLimit == null || backlogLimit.policy() != BacklogLimit.OverflowPolicy.REJECT_NEW) {
      return null;
    }
    long slowest = slowestGroupPosition();
    if (slowest >= 0 && written - slowest + count > backlogLimit.maxRecords()) {
      return "backlog of "
          + (written - slowest)
          + " unconsumed records reached the limit of "
          + backlogLimit.maxRecords();
    }
    return null;
  }

  /** The log start retention and DROP_OLDEST ask for; the current start if neither moves it. */
  long logStart(PartitionState state, long nowMillis) {
    long start = state.logStartOffset();
    if (retention.limited()) {
      start = state.retentionStart(retention, nowMillis);
    }
    if (dropsOldest()) {
      long slowest = slowestGroupPosition();
      long keepFrom = state.nextOffset() - backlogLimit.maxRecords();
      if (slowest >= 0 && slowest < keepFrom && keepFrom > start) {
        long dropped = keepFrom - Math.max(state.logStartOffset(), slowest);
        droppedRecords += Math.max(0, dropped);
        log.warn(
            "{}: backlog limit {} reached, dropping the oldest {} unconsumed record(s) ({} in all)",
            persistenceId,
            backlogLimit.maxRecords(),
            dropped,
            droppedRecords);
        start = keepFrom;
      }
    }
    return start;
  }

  /** The lowest position of the groups that reported recently, or -1 if none did. */
  private long slowestGroupPosition() {
    long now = System.nanoTime();
    groupPositions.values().removeIf(p -> p[1] - now < 0);
    long slowest = -1;
    for (long[] p : groupPositions.values()) {
      slowest = slowest < 0 ? p[0] : Math.min(slowest, p[0]);
    }
    return slowest;
  }
}
