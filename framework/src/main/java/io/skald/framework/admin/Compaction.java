package io.skald.framework.admin;

import io.skald.framework.producer.InvalidRecordException;
import io.skald.framework.producer.Producer;
import java.time.Duration;
import java.util.Objects;

/**
 * Log compaction of a topic: each partition keeps at least the latest record per key, so the topic
 * can serve as a changelog (replaying it from the start rebuilds the current value of every key).
 * Older records of a key are removed from the journal; offsets never change, so a compacted
 * partition has gaps. A <b>tombstone</b> ({@link Producer#sendTombstone}) deletes a key: it is kept
 * for {@code tombstoneRetention} so that consumers behind see the delete, then removed with the
 * records it superseded.
 *
 * <p>Records of a compacted topic need a key (a keyless send fails with {@link
 * InvalidRecordException}). A partition compacts when at least {@code minDirtyRecords} records were
 * appended since its last compaction and they are at least as many as those it kept then, so each
 * record is rewritten a bounded number of times; {@link TopicAdmin#compact} compacts at once.
 * Compaction combines with {@link Retention}: a record goes when either removes it.
 * <!-- snippet: jd-compaction -->
 *
 * <pre>{@code
 * admin.createTopic(TopicSpec.of("prices", 4).withCompaction(Compaction.latestPerKey()));
 * producer.send("prices", "AAPL", "189.20");
 * producer.sendTombstone("prices", "DELISTED");
 * }</pre>
 *
 * @param tombstoneRetention how long a tombstone stays readable after it was appended (zero removes
 *     tombstones at the next compaction)
 * @param minDirtyRecords the fewest records appended since the last compaction that start a new
 *     one, at least 1
 */
public record Compaction(Duration tombstoneRetention, long minDirtyRecords) {

  /**
   * Validates the settings.
   *
   * @param tombstoneRetention how long a tombstone stays readable after it was appended (zero
   *     removes tombstones at the next compaction)
   * @param minDirtyRecords the fewest records appended since the last compaction that start a new
   *     one, at least 1
   */
  public Compaction {
    Objects.requireNonNull(tombstoneRetention, "tombstoneRetention");
    if (tombstoneRetention.isNegative()) {
      throw new IllegalArgumentException(
          "tombstoneRetention must not be negative, was " + tombstoneRetention);
    }
    if (minDirtyRecords < 1) {
      throw new IllegalArgumentException(
          "minDirtyRecords must be at least 1, was " + minDirtyRecords);
    }
  }

  /**
   * Compaction keeping the latest record per key, tombstones for a day, compacting after 10,000 new
   * records.
   *
   * @return the default compaction
   */
  public static Compaction latestPerKey() {
    return new Compaction(Duration.ofDays(1), 10_000);
  }

  /**
   * A copy with another tombstone retention.
   *
   * @param retention how long tombstones stay readable
   * @return the new settings
   */
  public Compaction withTombstoneRetention(Duration retention) {
    return new Compaction(retention, minDirtyRecords);
  }

  /**
   * A copy with another compaction threshold.
   *
   * @param records the fewest new records that start a compaction
   * @return the new settings
   */
  public Compaction withMinDirtyRecords(long records) {
    return new Compaction(tombstoneRetention, records);
  }

  /**
   * The policy as text, for example {@code "tombstoneRetention PT24H, minDirtyRecords 10000"}.
   *
   * @return the description
   */
  @Override
  public String toString() {
    return "tombstoneRetention " + tombstoneRetention + ", minDirtyRecords " + minDirtyRecords;
  }
}
