package io.skald.framework.consumer;

/**
 * What waits while a failed record is retried. Either way records of one key are handled in offset
 * order and never concurrently.
 */
public enum OrderingPolicy {
  /**
   * Only later records with the same key wait while a record is retried; records of other keys keep
   * flowing. One poison or slow record delays its key, not its partition. The default.
   */
  KEY_PARKING,
  /**
   * The whole partition waits while a record is retried: strict partition order, as a Kafka
   * consumer gives.
   */
  PARTITION_BLOCKING
}
