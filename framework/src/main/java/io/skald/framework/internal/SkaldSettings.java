package io.skald.framework.internal;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * INTERNAL API: {@code skald.framework} read once into an immutable value. See {@code
 * reference.conf} for the meaning of every key.
 */
public record SkaldSettings(
    long maxRecordBytes,
    Duration askTimeout,
    boolean selfJoin,
    String role,
    boolean crashDowning,
    Duration crashProbeTimeout,
    int maxBatchBytes,
    long tailCacheBytes,
    int indexInterval,
    int partitionSnapshotEvery,
    int maxFetchBytes,
    Duration producerStateRetention,
    Duration retentionCheckInterval,
    Duration compactionTimeout,
    Duration deliveryTimeout,
    Duration requestTimeout,
    long producerMaxBufferedBytes,
    boolean producerBlockWhenFull,
    Duration producerMaxBlock,
    int producerBatchMaxBytes,
    int producerMaxInFlight,
    Duration fetchMaxWait,
    Duration commitInterval,
    Duration heartbeatInterval,
    Duration ownershipLease,
    Duration rebalanceTimeout,
    Duration patternRefreshInterval,
    int sharedMaxInFlight,
    int sharedSnapshotEvery,
    Map<String, String> assignors,
    int groupSnapshotEvery,
    Duration positionReportInterval,
    int replayRate,
    String journalPluginId,
    String snapshotPluginId,
    String queryPluginId) {

  /** Copies the assignor map. */
  public SkaldSettings {
    assignors = Map.copyOf(assignors);
  }

  /**
   * Restricts an entity type to the nodes with {@code skald.framework.cluster.role}, if set: nodes
   * without the role reach its entities through a sharding proxy.
   *
   * @param entity the entity type
   * @param <M> its message type
   * @param <E> its envelope type
   * @return the entity type, placed
   */
  public <M, E> org.apache.pekko.cluster.sharding.typed.javadsl.Entity<M, E> placed(
      org.apache.pekko.cluster.sharding.typed.javadsl.Entity<M, E> entity) {
    return role.isEmpty() ? entity : entity.withRole(role);
  }

  /**
   * Reads and validates the settings.
   *
   * @param root the actor system's configuration
   * @return the settings
   * @throws IllegalArgumentException naming the key of an invalid value
   */
  public static SkaldSettings from(Config root) {
    Config c = root.getConfig("skald.framework");
    Map<String, String> assignors = new TreeMap<>();
    Config assignorConfig = c.getConfig("consumer.assignors");
    for (String name : assignorConfig.root().keySet()) {
      assignors.put(name, assignorConfig.getString(quoted(name)));
    }
    int maxBatchBytes = (int) c.getBytes("partition.max-batch-bytes").longValue();
    SkaldSettings settings =
        new SkaldSettings(
            c.getBytes("max-record-bytes"),
            c.getDuration("ask-timeout"),
            c.getBoolean("cluster.self-join"),
            c.getString("cluster.role"),
            c.getBoolean("cluster.crash-downing"),
            c.getDuration("cluster.crash-probe-timeout"),
            maxBatchBytes,
            c.getBytes("partition.tail-cache-bytes"),
            c.getInt("partition.index-interval"),
            c.getInt("partition.snapshot-every"),
            (int) c.getBytes("partition.max-fetch-bytes").longValue(),
            c.getDuration("partition.producer-state-retention"),
            c.getDuration("partition.retention-check-interval"),
            c.getDuration("partition.compaction-timeout"),
            c.getDuration("producer.delivery-timeout"),
            c.getDuration("producer.request-timeout"),
            c.getBytes("producer.max-buffered-bytes"),
            whenFull(c.getString("producer.when-full")),
            c.getDuration("producer.max-block"),
            (int) c.getBytes("producer.batch-max-bytes").longValue(),
            c.getInt("producer.max-in-flight-per-partition"),
            c.getDuration("consumer.fetch-max-wait"),
            c.getDuration("consumer.commit-interval"),
            c.getDuration("consumer.heartbeat-interval"),
            c.getDuration("consumer.ownership-lease"),
            c.getDuration("consumer.rebalance-timeout"),
            c.getDuration("consumer.pattern-refresh-interval"),
            c.getInt("consumer.shared.max-in-flight"),
            c.getInt("consumer.shared.snapshot-every"),
            assignors,
            c.getInt("group.snapshot-every"),
            c.getDuration("group.position-report-interval"),
            c.getInt("dead-letters.replay-rate"),
            c.getString("persistence.journal-plugin-id"),
            c.getString("persistence.snapshot-plugin-id"),
            c.getString("persistence.query-plugin-id"));
    settings.validate();
    if (!settings.selfJoin()) {
      settings.requireFrameSize(root);
    }
    return settings;
  }

  /** Room for the envelope around the record batches of one remote message. */
  private static final long ENVELOPE_BYTES = 64 * 1024;

  /**
   * In a multi-node cluster, appends and fetch results travel between nodes as single remote
   * messages, and Artery drops a message larger than its frame: the send would time out and the
   * fetch would retry forever. Fail at start instead.
   */
  private void requireFrameSize(Config root) {
    String key = "pekko.remote.artery.advanced.maximum-frame-size";
    if (!root.hasPath(key)) {
      return;
    }
    long frame = root.getBytes(key);
    long needed =
        Math.max(Math.max(maxBatchBytes, maxFetchBytes), producerBatchMaxBytes) + ENVELOPE_BYTES;
    if (frame < needed) {
      throw new IllegalArgumentException(
          key
              + " ("
              + frame
              + " bytes) must be at least "
              + needed
              + " bytes in a multi-node cluster: one remote message carries up to"
              + " skald.framework.partition.max-batch-bytes ("
              + maxBatchBytes
              + "), partition.max-fetch-bytes ("
              + maxFetchBytes
              + ") or producer.batch-max-bytes ("
              + producerBatchMaxBytes
              + ") of records; raise the frame size (skald-cluster.conf sets 2 MiB) or lower"
              + " those");
    }
  }

  private void validate() {
    require(
        maxBatchBytes >= 64 * 1024 && maxBatchBytes <= 16 * 1024 * 1024,
        "partition.max-batch-bytes",
        "between 64 KiB and 16 MiB");
    require(
        maxRecordBytes >= 1 && maxRecordBytes + 64 <= maxBatchBytes,
        "max-record-bytes",
        "at least 1 and below partition.max-batch-bytes");
    require(
        producerBatchMaxBytes >= 1024 && producerBatchMaxBytes <= maxBatchBytes,
        "producer.batch-max-bytes",
        "between 1 KiB and partition.max-batch-bytes");
    require(
        producerMaxBufferedBytes >= producerBatchMaxBytes,
        "producer.max-buffered-bytes",
        "at least producer.batch-max-bytes");
    require(producerMaxInFlight >= 1, "producer.max-in-flight-per-partition", "at least 1");
    require(indexInterval >= 1, "partition.index-interval", "at least 1");
    require(partitionSnapshotEvery >= 1, "partition.snapshot-every", "at least 1");
    require(groupSnapshotEvery >= 1, "group.snapshot-every", "at least 1");
    require(sharedMaxInFlight >= 1, "consumer.shared.max-in-flight", "at least 1");
    require(sharedSnapshotEvery >= 1, "consumer.shared.snapshot-every", "at least 1");
    require(replayRate >= 1, "dead-letters.replay-rate", "at least 1");
    require(maxFetchBytes >= 1, "partition.max-fetch-bytes", "at least 1");
    require(tailCacheBytes >= 0, "partition.tail-cache-bytes", "0 or more");
    for (Duration d :
        new Duration[] {
          askTimeout,
          crashProbeTimeout,
          deliveryTimeout,
          requestTimeout,
          producerMaxBlock,
          positionReportInterval,
          producerStateRetention,
          retentionCheckInterval,
          compactionTimeout,
          fetchMaxWait,
          commitInterval,
          heartbeatInterval,
          ownershipLease,
          rebalanceTimeout,
          patternRefreshInterval
        }) {
      require(!d.isNegative() && !d.isZero(), "durations", "positive, was " + d);
    }
    require(
        ownershipLease.compareTo(heartbeatInterval.multipliedBy(2)) >= 0,
        "consumer.ownership-lease",
        "at least twice consumer.heartbeat-interval ("
            + heartbeatInterval
            + "), was "
            + ownershipLease);
    require(assignors.containsKey("range"), "consumer.assignors", "to define 'range'");
  }

  private static boolean whenFull(String value) {
    return switch (value) {
      case "block" -> true;
      case "fail" -> false;
      default ->
          throw new IllegalArgumentException(
              "skald.framework.producer.when-full must be 'fail' or 'block', was '" + value + "'");
    };
  }

  private static void require(boolean ok, String key, String expected) {
    if (!ok) {
      throw new IllegalArgumentException("skald.framework." + key + " must be " + expected);
    }
  }

  private static String quoted(String key) {
    return "\"" + key + "\"";
  }
}
