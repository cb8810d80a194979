package io.skald.framework.internal.topic;

import io.skald.framework.admin.BacklogLimit;
import io.skald.framework.admin.Compaction;
import io.skald.framework.admin.Retention;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.producer.RateLimit;
import java.time.Duration;

/**
 * INTERNAL API: a topic as the {@link TopicRegistry} persists it, apart from the public {@link
 * TopicSpec} so that the public type can evolve without changing the journal's schema. Its JSON is
 * that of {@code TopicSpec} as journals hold it since the first version: never rename or reuse a
 * field; a new field must be optional (absent in old events).
 *
 * @param name the topic
 * @param partitions its partition count
 * @param retention its retention, or null (journals written before retention was mandatory hold
 *     none: it means forever)
 * @param backlogLimit its backlog limit, or null
 * @param compaction its compaction, or null
 * @param maxRecordBytes its record size limit, or 0 for the node's default (absent, so 0, in events
 *     written before the limit existed)
 * @param rateLimit its quota, or null (absent in events written before quotas existed)
 */
public record TopicDefinition(
    String name,
    int partitions,
    RetentionDefinition retention,
    BacklogLimitDefinition backlogLimit,
    CompactionDefinition compaction,
    int maxRecordBytes,
    RateLimitDefinition rateLimit) {

  /**
   * Retention as persisted.
   *
   * @param maxAge the oldest kept, or null for no age limit
   * @param maxBytes the most bytes per partition, or -1
   * @param maxRecords the most records per partition, or -1
   */
  public record RetentionDefinition(Duration maxAge, long maxBytes, long maxRecords) {}

  /**
   * A backlog limit as persisted.
   *
   * @param maxRecords the most unconsumed records per partition
   * @param policy the name of the {@link BacklogLimit.OverflowPolicy}
   */
  public record BacklogLimitDefinition(long maxRecords, String policy) {}

  /**
   * Compaction as persisted.
   *
   * @param tombstoneRetention how long a tombstone stays readable
   * @param minDirtyRecords the appended records that start a compaction
   */
  public record CompactionDefinition(Duration tombstoneRetention, long minDirtyRecords) {}

  /**
   * A quota as persisted.
   *
   * @param recordsPerSecond records per second, or 0 when records are not limited
   * @param bytesPerSecond bytes per second, or 0 when bytes are not limited
   * @param burst the burst allowance
   * @param whenExceeded the name of the {@link RateLimit.WhenExceeded}
   */
  public record RateLimitDefinition(
      double recordsPerSecond, double bytesPerSecond, Duration burst, String whenExceeded) {

    static RateLimitDefinition of(RateLimit limit) {
      return limit == null
          ? null
          : new RateLimitDefinition(
              limit.recordsPerSecond(),
              limit.bytesPerSecond(),
              limit.burst(),
              limit.whenExceeded().name());
    }

    RateLimit toLimit() {
      RateLimit limit =
          recordsPerSecond > 0
              ? RateLimit.recordsPerSecond(recordsPerSecond)
              : RateLimit.bytesPerSecond(bytesPerSecond);
      if (recordsPerSecond > 0 && bytesPerSecond > 0) {
        limit = limit.andBytesPerSecond(bytesPerSecond);
      }
      return limit.withBurst(burst).whenExceeded(RateLimit.WhenExceeded.valueOf(whenExceeded));
    }
  }

  /**
   * The persisted form of a topic.
   *
   * @param spec the public definition
   * @return its persisted form
   */
  public static TopicDefinition of(TopicSpec spec) {
    Retention r = spec.retention();
    BacklogLimit b = spec.backlogLimit();
    Compaction c = spec.compaction();
    return new TopicDefinition(
        spec.name(),
        spec.partitions(),
        r == null ? null : new RetentionDefinition(r.maxAge(), r.maxBytes(), r.maxRecords()),
        b == null ? null : new BacklogLimitDefinition(b.maxRecords(), b.policy().name()),
        c == null ? null : new CompactionDefinition(c.tombstoneRetention(), c.minDirtyRecords()),
        spec.maxRecordBytes(),
        RateLimitDefinition.of(spec.rateLimit()));
  }

  /**
   * The public definition of this topic.
   *
   * @return the spec
   */
  public TopicSpec toSpec() {
    return new TopicSpec(
        name,
        partitions,
        retention == null
            ? Retention.forever()
            : new Retention(retention.maxAge(), retention.maxBytes(), retention.maxRecords()),
        backlogLimit == null
            ? null
            : new BacklogLimit(
                backlogLimit.maxRecords(),
                BacklogLimit.OverflowPolicy.valueOf(backlogLimit.policy())),
        compaction == null
            ? null
            : new Compaction(compaction.tombstoneRetention(), compaction.minDirtyRecords()),
        maxRecordBytes,
        rateLimit == null ? null : rateLimit.toLimit());
  }
}
