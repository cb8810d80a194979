package io.skald.framework.internal.log;

import io.micrometer.core.instrument.Counter;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.internal.log.PartitionProtocol.Append;
import io.skald.framework.internal.log.PartitionProtocol.AppendFailed;
import io.skald.framework.internal.metrics.SkaldMetrics;
import io.skald.framework.internal.quota.Throttle;
import io.skald.framework.producer.QuotaExceededException;
import io.skald.framework.producer.RateLimit;

/**
 * INTERNAL API: a partition's share of its topic's quota ({@link TopicSpec#rateLimit()}): the limit
 * divided by the partition count, as a token bucket. {@code REFUSE} refuses an append that does not
 * conform (and charges nothing); {@code DELAY} writes it, charges it, and the answer tells the
 * producer how long to wait before its next append here. Only {@link Append#metered()} appends are
 * charged. Confined to the partition actor.
 */
final class PartitionQuota {
  private final String topic;
  private final SkaldMetrics metrics;
  private Throttle throttle;
  private int shares;

  /** No definition is known yet: what was appended meanwhile is charged once one is. */
  private boolean loaded;

  private int unchargedRecords;
  private long unchargedBytes;
  private Counter delayed;
  private Counter refused;

  PartitionQuota(String topic, SkaldMetrics metrics) {
    this.topic = topic;
    this.metrics = metrics;
  }

  /**
   * Applies the topic's definition: the node's cached one at start (null when the node has none),
   * the registry's answer, an altered one.
   */
  void load(TopicSpec spec) {
    if (spec == null) {
      // the registry did not answer (or the topic is gone): keep what the node's cache gave, if
      // anything, as the defaults are kept for the other settings
      loaded = true;
      return;
    }
    boolean first = !loaded;
    loaded = true;
    RateLimit limit = spec.rateLimit();
    if (limit == null) {
      throttle = null;
      return;
    }
    if (throttle != null && throttle.limit().equals(limit) && shares == spec.partitions()) {
      return; // unchanged: keep what the bucket owes
    }
    shares = spec.partitions();
    throttle =
        new Throttle(
            limit,
            "topic '"
                + topic
                + "'"
                + (shares > 1
                    ? " (each of its " + shares + " partitions takes 1/" + shares + ")"
                    : ""),
            shares);
    if (first && unchargedRecords > 0) {
      throttle.take(System.nanoTime(), unchargedRecords, unchargedBytes);
    }
    if (delayed == null) {
      delayed = exceeded("delayed");
      refused = exceeded("refused");
    }
  }

  private Counter exceeded(String outcome) {
    return metrics.counter(
        "skald.topic.quota.exceeded",
        "Records appended over their topic's quota, by what the quota did",
        "topic",
        topic,
        "outcome",
        outcome);
  }

  /**
   * Decides an append that is about to be written: charges it, or refuses it.
   *
   * @return the refusal to answer, or null if the append is written
   */
  AppendFailed admit(Append append) {
    if (!append.metered()) {
      return null;
    }
    if (!loaded) {
      unchargedRecords += append.count();
      unchargedBytes += append.payload().length;
      return null;
    }
    if (throttle == null) {
      return null;
    }
    long now = System.nanoTime();
    long bytes = append.payload().length;
    long delay = throttle.delay(now, append.count(), bytes);
    if (delay > 0) {
      if (throttle.limit().whenExceeded() == RateLimit.WhenExceeded.REFUSE) {
        refused.increment(append.count());
        QuotaExceededException refusal =
            throttle.refusal(delay, "the append of " + append.count() + " record(s) was refused");
        return new AppendFailed(
            AppendFailed.Refusal.QUOTA_EXCEEDED, refusal.getMessage(), refusal.retryAfterMillis());
      }
      delayed.increment(append.count());
    }
    throttle.take(now, append.count(), bytes);
    return null;
  }

  /** How long a producer answered now should wait before its next append, in milliseconds. */
  long throttleMillis() {
    if (throttle == null || throttle.limit().whenExceeded() != RateLimit.WhenExceeded.DELAY) {
      return 0;
    }
    long owed = throttle.owed(System.nanoTime());
    return owed <= 0 ? 0 : Math.max(1, owed / 1_000_000);
  }
}
