package io.skald.framework.internal.runtime;

import io.skald.framework.admin.DiskSpace;
import io.skald.framework.admin.HealthCheck;
import io.skald.framework.admin.NodeHealth;
import io.skald.framework.internal.disk.DiskSpaceAlarm;
import io.skald.framework.internal.health.JournalProbe;
import io.skald.framework.internal.health.LocalPartitions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * INTERNAL API: the readiness checks of a node, gathered concurrently, each within {@link
 * #PROBE_TIMEOUT}: cluster membership, a journal write, the recovery of local partitions, the topic
 * registry and the disk-space alarm.
 */
final class NodeHealthChecks {
  /** How long a probe (the journal write, the registry's answer) may take before it fails. */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

  private static final int LISTED = 5;

  private final ActorSystem<?> system;
  private final DefaultTopicAdmin admin;

  NodeHealthChecks(ActorSystem<?> system, DefaultTopicAdmin admin) {
    this.system = system;
    this.admin = admin;
  }

  CompletionStage<NodeHealth> health() {
    boolean live = !system.whenTerminated().isCompleted();
    CompletableFuture<HealthCheck> journal = journal().toCompletableFuture();
    CompletableFuture<HealthCheck> registry = registry().toCompletableFuture();
    return journal.thenCombine(
        registry, (j, r) -> NodeHealth.of(live, List.of(member(), j, partitions(), r, disk())));
  }

  private HealthCheck member() {
    Cluster cluster = Cluster.get(system);
    MemberStatus status = cluster.selfMember().status();
    return new HealthCheck(
        "cluster-member",
        status == MemberStatus.up(),
        cluster.selfMember().address() + " is " + status);
  }

  private CompletionStage<HealthCheck> journal() {
    return JournalProbe.get(system)
        .probe(PROBE_TIMEOUT)
        .handle(
            (took, error) ->
                error == null
                    ? new HealthCheck(
                        "journal-writable", true, "a probe write took " + took.toMillis() + " ms")
                    : new HealthCheck(
                        "journal-writable",
                        false,
                        "a probe write failed or took over "
                            + PROBE_TIMEOUT.toMillis()
                            + " ms: "
                            + io.skald.framework.Stages.unwrap(error)));
  }

  private HealthCheck partitions() {
    LocalPartitions.Status status = LocalPartitions.get(system).status();
    if (status.recovering().isEmpty()) {
      return new HealthCheck(
          "partitions-recovered", true, status.hosted() + " partitions hosted here, all recovered");
    }
    String slowest =
        status.recovering().stream()
            .limit(LISTED)
            .map(r -> r.partition() + " for " + r.elapsed().toMillis() + " ms")
            .collect(Collectors.joining(", "));
    return new HealthCheck(
        "partitions-recovered",
        false,
        status.recovering().size()
            + " of "
            + status.hosted()
            + " partitions hosted here still recovering: "
            + slowest
            + (status.recovering().size() > LISTED ? ", ..." : ""));
  }

  private CompletionStage<HealthCheck> registry() {
    long started = System.nanoTime();
    return admin
        .listTopics()
        .toCompletableFuture()
        .orTimeout(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (topics, error) ->
                error == null
                    ? new HealthCheck(
                        "topic-registry",
                        true,
                        topics.size()
                            + " topics, answered in "
                            + (System.nanoTime() - started) / 1_000_000
                            + " ms")
                    : new HealthCheck(
                        "topic-registry",
                        false,
                        "no answer within "
                            + PROBE_TIMEOUT.toMillis()
                            + " ms: "
                            + io.skald.framework.Stages.unwrap(error)));
  }

  /** The disk-space alarm: while raised the node refuses appends, so it is not ready. */
  private HealthCheck disk() {
    DiskSpace disk = DiskSpaceAlarm.get(system).state();
    if (!disk.watched()) {
      return new HealthCheck(
          "disk-space", true, "not watched (the journal is not on this node's disk)");
    }
    return new HealthCheck(
        "disk-space",
        !disk.alarm(),
        (disk.freeBytes() >> 20)
            + " MiB free on "
            + disk.path()
            + ", limit "
            + (disk.limitBytes() >> 20)
            + " MiB"
            + (disk.alarm() ? ": appends refused" : ""));
  }
}
