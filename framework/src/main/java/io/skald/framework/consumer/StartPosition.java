package io.skald.framework.consumer;

/** Where a consumer group starts on a partition for which it has no committed offset. */
public enum StartPosition {
  /** From the oldest retained record. */
  EARLIEST,
  /** From the end of the log: only records produced after the group first reads the partition. */
  LATEST
}
