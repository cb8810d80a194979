package io.skald.framework.internal.txn;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * INTERNAL API: {@code skald.framework.transactions}, see {@code reference.conf}.
 *
 * @param timeout how long a transaction may stay open before its coordinator aborts it
 * @param maxBytes the most bytes of records one transaction may hold
 */
public record TransactionSettings(Duration timeout, long maxBytes) {

  /**
   * Reads and validates the settings.
   *
   * @param root the actor system's configuration
   * @param maxBatchBytes {@code partition.max-batch-bytes}, the least a transaction must hold
   * @return the settings
   * @throws IllegalArgumentException naming the key of an invalid value
   */
  public static TransactionSettings from(Config root, int maxBatchBytes) {
    Config c = root.getConfig("skald.framework.transactions");
    Duration timeout = c.getDuration("timeout");
    long maxBytes = c.getBytes("max-bytes");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException(
          "skald.framework.transactions.timeout must be > 0, was " + timeout);
    }
    if (maxBytes < maxBatchBytes || maxBytes > 1L << 30) {
      throw new IllegalArgumentException(
          "skald.framework.transactions.max-bytes must be between partition.max-batch-bytes ("
              + maxBatchBytes
              + ") and 1 GiB, was "
              + maxBytes);
    }
    return new TransactionSettings(timeout, maxBytes);
  }
}
