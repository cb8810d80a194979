package io.skald.framework.admin;

/** A setting of a {@link TopicSpec}, as named in a {@link TopicDifference}. */
public enum TopicSetting {
  /** {@link TopicSpec#partitions()}. */
  PARTITIONS("partitions"),
  /** {@link TopicSpec#retention()}. */
  RETENTION("retention"),
  /** {@link TopicSpec#backlogLimit()}. */
  BACKLOG_LIMIT("backlog limit"),
  /** {@link TopicSpec#compaction()}. */
  COMPACTION("compaction"),
  /** {@link TopicSpec#maxRecordBytes()}. */
  MAX_RECORD_BYTES("max record bytes"),
  /** {@link TopicSpec#rateLimit()}. */
  RATE_LIMIT("rate limit");

  private final String label;

  TopicSetting(String label) {
    this.label = label;
  }

  /**
   * The setting's name in messages.
   *
   * @return for example {@code "backlog limit"}
   */
  public String label() {
    return label;
  }
}
