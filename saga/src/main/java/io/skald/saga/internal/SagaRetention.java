package io.skald.saga.internal;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * INTERNAL API: {@code skald.saga.retention} read once; see the module's {@code reference.conf}.
 *
 * @param instances how long a finished instance's journal and snapshots are kept after it ended, or
 *     null to keep them forever
 * @param summaries how long the index keeps the summaries (status changes) of instances, or null to
 *     keep them forever; never shorter than {@code instances}
 * @param records the age after which the records of the saga topics the module creates (commands,
 *     replies, signals) are deleted, or null to keep them
 * @param checkInterval how often an index looks for instances past their retention
 * @param batch the most instances one round deletes
 */
public record SagaRetention(
    Duration instances, Duration summaries, Duration records, Duration checkInterval, int batch) {

  /**
   * Reads and validates the settings.
   *
   * @param root the actor system's configuration
   * @return the settings
   * @throws IllegalArgumentException naming an invalid key
   */
  public static SagaRetention from(Config root) {
    Config c = root.getConfig("skald.saga.retention");
    SagaRetention r =
        new SagaRetention(
            durationOrOff(c, "instances"),
            durationOrOff(c, "summaries"),
            durationOrOff(c, "records"),
            c.getDuration("check-interval"),
            c.getInt("batch"));
    if (r.checkInterval.isNegative() || r.checkInterval.isZero()) {
      throw new IllegalArgumentException("skald.saga.retention.check-interval must be positive");
    }
    if (r.batch < 1) {
      throw new IllegalArgumentException("skald.saga.retention.batch must be at least 1");
    }
    if (r.summaries != null && (r.instances == null || r.summaries.compareTo(r.instances) < 0)) {
      throw new IllegalArgumentException(
          "skald.saga.retention.summaries must be off or at least skald.saga.retention.instances"
              + " (a summary outlives its instance), was "
              + r.summaries
              + " with instances "
              + (r.instances == null ? "off" : r.instances));
    }
    return r;
  }

  private static Duration durationOrOff(Config c, String key) {
    if ("off".equals(c.getString(key))) {
      return null;
    }
    Duration d;
    try {
      d = c.getDuration(key);
    } catch (com.typesafe.config.ConfigException.BadValue e) {
      throw new IllegalArgumentException(
          "skald.saga.retention." + key + " must be \"off\" or a duration, was " + c.getString(key),
          e);
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(
          "skald.saga.retention." + key + " must be \"off\" or positive, was " + d);
    }
    return d;
  }
}
