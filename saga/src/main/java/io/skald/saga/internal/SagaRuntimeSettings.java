package io.skald.saga.internal;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * INTERNAL API: {@code skald.saga} read once; see the module's {@code reference.conf}.
 *
 * @param topicPartitions partitions of topics the module creates
 * @param replyParallelism replies handled at once per saga and node
 * @param indexMaxFinished finished instances an index keeps
 * @param askTimeout how long orchestrator calls wait
 * @param historyLimit the latest transitions an instance keeps for its view
 * @param snapshotEvery an instance snapshots its state after this many events
 * @param ledgerBuckets ledger entities per participant service
 * @param ledgerGrace how long a participant remembers an ended instance's keys
 * @param participantParallelism commands handled at once per participant and node
 * @param journalPluginId the journal of instances, indexes and ledgers
 * @param snapshotPluginId their snapshot store
 */
public record SagaRuntimeSettings(
    int topicPartitions,
    int replyParallelism,
    int indexMaxFinished,
    Duration askTimeout,
    int historyLimit,
    int snapshotEvery,
    int ledgerBuckets,
    Duration ledgerGrace,
    int participantParallelism,
    String journalPluginId,
    String snapshotPluginId) {

  /**
   * Reads and validates the settings.
   *
   * @param root the actor system's configuration
   * @return the settings
   * @throws IllegalArgumentException naming an invalid key
   */
  public static SagaRuntimeSettings from(Config root) {
    Config c = root.getConfig("skald.saga");
    SagaRuntimeSettings s =
        new SagaRuntimeSettings(
            c.getInt("topic-partitions"),
            c.getInt("reply-parallelism"),
            c.getInt("index-max-finished"),
            c.getDuration("ask-timeout"),
            c.getInt("history-limit"),
            c.getInt("snapshot-every"),
            c.getInt("participant.ledger-buckets"),
            c.getDuration("participant.ledger-grace"),
            c.getInt("participant.parallelism"),
            root.getString("skald.framework.persistence.journal-plugin-id"),
            root.getString("skald.framework.persistence.snapshot-plugin-id"));
    require(s.topicPartitions >= 1, "topic-partitions", "at least 1");
    require(s.replyParallelism >= 1, "reply-parallelism", "at least 1");
    require(s.indexMaxFinished >= 0, "index-max-finished", "0 or more");
    require(s.historyLimit >= 1, "history-limit", "at least 1");
    require(s.snapshotEvery >= 1, "snapshot-every", "at least 1");
    require(!s.askTimeout.isNegative() && !s.askTimeout.isZero(), "ask-timeout", "positive");
    require(s.ledgerBuckets >= 1, "participant.ledger-buckets", "at least 1");
    require(!s.ledgerGrace.isNegative(), "participant.ledger-grace", "0 or more");
    require(s.participantParallelism >= 1, "participant.parallelism", "at least 1");
    return s;
  }

  /**
   * How every saga entity (instance, index, participant ledger) survives a failed journal write or
   * recovery: stopped and started again after 200 ms, then up to 5 s, with 20 % jitter.
   */
  public static final org.apache.pekko.actor.typed.BackoffSupervisorStrategy ON_PERSIST_FAILURE =
      org.apache.pekko.actor.typed.SupervisorStrategy.restartWithBackoff(
          java.time.Duration.ofMillis(200), java.time.Duration.ofSeconds(5), 0.2);

  /**
   * Restricts a saga entity type to the nodes with {@code skald.saga.role}, if set.
   *
   * @param system the actor system
   * @param entity the entity type
   * @param <M> its message type
   * @param <E> its envelope type
   * @return the entity type, placed
   */
  public static <M, E> org.apache.pekko.cluster.sharding.typed.javadsl.Entity<M, E> placed(
      org.apache.pekko.actor.typed.ActorSystem<?> system,
      org.apache.pekko.cluster.sharding.typed.javadsl.Entity<M, E> entity) {
    String role = system.settings().config().getString("skald.saga.role");
    return role.isEmpty() ? entity : entity.withRole(role);
  }

  private static void require(boolean ok, String key, String what) {
    if (!ok) {
      throw new IllegalArgumentException("skald.saga." + key + " must be " + what);
    }
  }
}
