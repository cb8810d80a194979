package io.skald.framework.admin;

import io.skald.framework.producer.RateLimit;

/**
 * The definition of a topic: its name and its number of partitions.
 *
 * <p>Topic definitions are durable: once created, a topic survives restarts. Creating the same
 * definition again is a no-op; creating a name again with a different partition count fails with
 * {@link TopicConflictException}.
 * <!-- snippet: jd-create-topic -->
 *
 * <pre>{@code
 * skald.admin().createTopic(TopicSpec.of("orders", 4)).toCompletableFuture().join();
 * }</pre>
 *
 * @param name 1 to 200 characters from {@code [a-zA-Z0-9._-]}
 * @param partitions the number of partitions, 1 to 100,000
 * @param retention how long records are kept ({@link Retention#forever()} by default)
 * @param backlogLimit the bound on unconsumed records per partition, or null for none
 * @param compaction log compaction (keep the latest record per key), or null for none
 * @param maxRecordBytes the largest record (key, value and headers, encoded) the topic accepts, or
 *     0 for the node's {@code skald.framework.max-record-bytes}; at most {@link #MAX_RECORD_BYTES}
 *     and below the node's {@code skald.framework.partition.max-batch-bytes}
 * @param rateLimit the topic's quota, enforced by its partitions for every producer together (see
 *     {@link #withRateLimit(RateLimit)}), or null for none
 */
public record TopicSpec(
    String name,
    int partitions,
    Retention retention,
    BacklogLimit backlogLimit,
    Compaction compaction,
    int maxRecordBytes,
    RateLimit rateLimit) {

  /** The longest allowed topic name. */
  public static final int MAX_NAME_LENGTH = 200;

  /** The largest allowed partition count. */
  public static final int MAX_PARTITIONS = 100_000;

  /** The largest per-topic record size limit (16 MiB, the largest allowed partition batch). */
  public static final int MAX_RECORD_BYTES = 16 * 1024 * 1024;

  /** Whether every character is one of a-z A-Z 0-9 . _ - (checked on every send: no regex). */
  private static boolean legalCharacters(String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean legal =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == '-';
      if (!legal) {
        return false;
      }
    }
    return true;
  }

  /**
   * Validates the definition; throws {@link InvalidTopicException} naming the bad value.
   *
   * @param name 1 to 200 characters from {@code [a-zA-Z0-9._-]}
   * @param partitions the number of partitions, 1 to 100,000
   * @param retention how long records are kept ({@link Retention#forever()} by default)
   * @param backlogLimit the bound on unconsumed records per partition, or null for none
   * @param compaction log compaction (keep the latest record per key), or null for none
   * @param maxRecordBytes the largest record the topic accepts, or 0 for the node's default
   * @param rateLimit the topic's quota, or null for none
   */
  public TopicSpec {
    validateName(name);
    if (partitions < 1 || partitions > MAX_PARTITIONS) {
      throw new InvalidTopicException(
          "topic '"
              + name
              + "': partitions must be between 1 and "
              + MAX_PARTITIONS
              + ", was "
              + partitions);
    }
    if (retention == null) {
      retention = Retention.forever();
    }
    if (maxRecordBytes < 0 || maxRecordBytes > MAX_RECORD_BYTES) {
      throw new InvalidTopicException(
          "topic '"
              + name
              + "': maxRecordBytes must be 0 (the node's default) or 1 to "
              + MAX_RECORD_BYTES
              + ", was "
              + maxRecordBytes);
    }
  }

  /**
   * A definition without a quota.
   *
   * @param name 1 to 200 characters from {@code [a-zA-Z0-9._-]}
   * @param partitions the number of partitions, 1 to 100,000
   * @param retention how long records are kept ({@link Retention#forever()} by default)
   * @param backlogLimit the bound on unconsumed records per partition, or null for none
   * @param compaction log compaction (keep the latest record per key), or null for none
   * @param maxRecordBytes the largest record the topic accepts, or 0 for the node's default
   */
  public TopicSpec(
      String name,
      int partitions,
      Retention retention,
      BacklogLimit backlogLimit,
      Compaction compaction,
      int maxRecordBytes) {
    this(name, partitions, retention, backlogLimit, compaction, maxRecordBytes, null);
  }

  /**
   * A definition whose records may be as large as the node's {@code
   * skald.framework.max-record-bytes}.
   *
   * @param name 1 to 200 characters from {@code [a-zA-Z0-9._-]}
   * @param partitions the number of partitions, 1 to 100,000
   * @param retention how long records are kept ({@link Retention#forever()} by default)
   * @param backlogLimit the bound on unconsumed records per partition, or null for none
   * @param compaction log compaction (keep the latest record per key), or null for none
   */
  public TopicSpec(
      String name,
      int partitions,
      Retention retention,
      BacklogLimit backlogLimit,
      Compaction compaction) {
    this(name, partitions, retention, backlogLimit, compaction, 0);
  }

  /**
   * Creates a topic definition.
   *
   * @param name the topic name
   * @param partitions the partition count
   * @return the validated definition
   */
  public static TopicSpec of(String name, int partitions) {
    return new TopicSpec(name, partitions, Retention.forever(), null, null);
  }

  /**
   * A copy with a retention policy.
   *
   * @param policy how long records are kept
   * @return the new definition
   */
  public TopicSpec withRetention(Retention policy) {
    return new TopicSpec(
        name, partitions, policy, backlogLimit, compaction, maxRecordBytes, rateLimit);
  }

  /**
   * A copy with a backlog limit.
   *
   * @param limit the bound on unconsumed records per partition
   * @return the new definition
   */
  public TopicSpec withBacklogLimit(BacklogLimit limit) {
    return new TopicSpec(name, partitions, retention, limit, compaction, maxRecordBytes, rateLimit);
  }

  /**
   * A copy with log compaction.
   *
   * @param policy how the topic is compacted
   * @return the new definition
   */
  public TopicSpec withCompaction(Compaction policy) {
    return new TopicSpec(
        name, partitions, retention, backlogLimit, policy, maxRecordBytes, rateLimit);
  }

  /**
   * A copy with a per-topic record size limit.
   *
   * @param bytes the largest record the topic accepts, or 0 for the node's {@code
   *     skald.framework.max-record-bytes}
   * @return the new definition
   */
  public TopicSpec withMaxRecordBytes(int bytes) {
    return new TopicSpec(name, partitions, retention, backlogLimit, compaction, bytes, rateLimit);
  }

  /**
   * A copy with a quota: at most so many records and/or bytes per second for all producers
   * together, with a burst allowance, and what happens to an append over it.
   * <!-- snippet: jd-topic-rate-limit -->
   *
   * <pre>{@code
   * TopicSpec.of("emails", 2)
   *     .withRateLimit(RateLimit.recordsPerSecond(100).whenExceeded(RateLimit.WhenExceeded.REFUSE));
   * }</pre>
   *
   * <p>Each partition enforces an equal share (a limit of 1,000 records/s on 4 partitions is 250/s
   * per partition, with the same burst duration), so the topic's total holds on any number of nodes
   * without coordination; traffic concentrated on few partitions gets only their shares. Over the
   * limit, {@link RateLimit.WhenExceeded#DELAY} writes the append and tells its producer how long
   * to wait before the next one to that partition (Kafka's quota throttling: the overshoot is at
   * most the appends a producer has in flight), and {@link RateLimit.WhenExceeded#REFUSE} refuses
   * it, so its sends fail with {@link io.skald.framework.producer.QuotaExceededException} carrying
   * when to retry. A producer's own limits ({@link
   * io.skald.framework.producer.ProducerSettings#withRateLimit}) apply first, in the producer.
   *
   * @param limit the quota, or null for none
   * @return the new definition
   */
  public TopicSpec withRateLimit(RateLimit limit) {
    return new TopicSpec(
        name, partitions, retention, backlogLimit, compaction, maxRecordBytes, limit);
  }

  /**
   * A copy with another partition count. {@link TopicAdmin#alterTopic(TopicSpec)} accepts only a
   * larger count.
   *
   * @param count the partition count
   * @return the new definition
   */
  public TopicSpec withPartitions(int count) {
    return new TopicSpec(
        name, count, retention, backlogLimit, compaction, maxRecordBytes, rateLimit);
  }

  /**
   * Whether the topic is compacted.
   *
   * @return true if it has a compaction policy
   */
  public boolean compacted() {
    return compaction != null;
  }

  /**
   * Checks a topic name.
   *
   * @param name the name to check
   * @throws InvalidTopicException if the name is null, empty, too long or has an illegal character
   */
  public static void validateName(String name) {
    if (name == null || name.isEmpty()) {
      throw new InvalidTopicException("topic name must not be empty");
    }
    if (name.length() > MAX_NAME_LENGTH) {
      throw new InvalidTopicException(
          "topic name must be at most " + MAX_NAME_LENGTH + " characters, was " + name.length());
    }
    if (!legalCharacters(name)) {
      throw new InvalidTopicException(
          "topic name '" + name + "' has an illegal character; allowed: a-z A-Z 0-9 . _ -");
    }
  }
}
