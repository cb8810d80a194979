package io.skald.framework.admin;

import java.time.Duration;

/**
 * How long a topic keeps its records: by age, by total size, by record count, or any combination (a
 * record is deleted as soon as one limit says so). Deleted records are removed from the journal,
 * and reading below the first retained offset resets the reader to it.
 * <!-- snippet: jd-retention -->
 *
 * <pre>{@code
 * skald
 *     .admin()
 *     .createTopic(
 *         TopicSpec.of("clicks", 8)
 *             .withRetention(
 *                 Retention.forever().withMaxAge(Duration.ofDays(7)).withMaxRecords(10_000_000)));
 * }</pre>
 *
 * <p>Retention works on whole batches (the unit of storage), so a partition may keep somewhat more
 * than the limit, never less.
 *
 * @param maxAge records older than this are deleted, or null for no age limit
 * @param maxBytes the most payload bytes kept per partition, or -1 for no size limit
 * @param maxRecords the most records kept per partition, or -1 for no count limit
 */
public record Retention(Duration maxAge, long maxBytes, long maxRecords) {

  /**
   * Validates the limits.
   *
   * @param maxAge records older than this are deleted, or null for no age limit
   * @param maxBytes the most payload bytes kept per partition, or -1 for no size limit
   * @param maxRecords the most records kept per partition, or -1 for no count limit
   */
  public Retention {
    if (maxAge != null && (maxAge.isNegative() || maxAge.isZero())) {
      throw new IllegalArgumentException("maxAge must be positive, was " + maxAge);
    }
    if (maxBytes < -1 || maxBytes == 0) {
      throw new IllegalArgumentException("maxBytes must be positive or -1, was " + maxBytes);
    }
    if (maxRecords < -1 || maxRecords == 0) {
      throw new IllegalArgumentException("maxRecords must be positive or -1, was " + maxRecords);
    }
  }

  /**
   * No limit: records are kept forever (the default).
   *
   * @return unlimited retention
   */
  public static Retention forever() {
    return new Retention(null, -1, -1);
  }

  /**
   * A copy with an age limit.
   *
   * @param age the age after which records are deleted
   * @return the new retention
   */
  public Retention withMaxAge(Duration age) {
    return new Retention(age, maxBytes, maxRecords);
  }

  /**
   * A copy with a size limit per partition.
   *
   * @param bytes the most payload bytes kept per partition
   * @return the new retention
   */
  public Retention withMaxBytes(long bytes) {
    return new Retention(maxAge, bytes, maxRecords);
  }

  /**
   * A copy with a count limit per partition.
   *
   * @param records the most records kept per partition
   * @return the new retention
   */
  public Retention withMaxRecords(long records) {
    return new Retention(maxAge, maxBytes, records);
  }

  /**
   * Whether any limit is set.
   *
   * @return false for {@link #forever()}
   */
  public boolean limited() {
    return maxAge != null || maxBytes > 0 || maxRecords > 0;
  }

  /**
   * The limits as text: {@code "forever"} or, for example, {@code "maxAge PT168H, maxRecords
   * 10000000"}.
   *
   * @return the description
   */
  @Override
  public String toString() {
    if (!limited()) {
      return "forever";
    }
    java.util.List<String> parts = new java.util.ArrayList<>();
    if (maxAge != null) {
      parts.add("maxAge " + maxAge);
    }
    if (maxBytes > 0) {
      parts.add("maxBytes " + maxBytes);
    }
    if (maxRecords > 0) {
      parts.add("maxRecords " + maxRecords);
    }
    return String.join(", ", parts);
  }
}
