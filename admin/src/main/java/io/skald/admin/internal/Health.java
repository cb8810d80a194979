package io.skald.admin.internal;

import io.skald.framework.Skald;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * INTERNAL API: liveness and readiness of the node. Live: its actor system runs. Ready: it is an
 * {@code Up} member of the cluster, the topic registry (a sharded entity recovered from the
 * journal) answers within two seconds, and the disk-space alarm is not raised.
 */
final class Health {
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

  record Check(String name, boolean up, String detail) {}

  private final Skald skald;

  Health(Skald skald) {
    this.skald = skald;
  }

  /** The disk-space alarm: while raised the node refuses appends, so it is not ready. */
  private Check disk() {
    io.skald.framework.admin.DiskSpace disk = skald.diskSpace();
    if (!disk.watched()) {
      return new Check("disk-space", true, "not watched (the journal is not on this node's disk)");
    }
    return new Check(
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

  boolean live() {
    return !skald.system().getWhenTerminated().toCompletableFuture().isDone();
  }

  CompletionStage<List<Check>> ready() {
    Cluster cluster = Cluster.get(skald.system());
    MemberStatus status = cluster.selfMember().status();
    Check member =
        new Check(
            "cluster-member",
            status == MemberStatus.up(),
            cluster.selfMember().address() + " is " + status);
    long started = System.nanoTime();
    return skald
        .admin()
        .listTopics()
        .toCompletableFuture()
        .orTimeout(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (topics, error) ->
                error == null
                    ? new Check(
                        "topic-registry",
                        true,
                        topics.size()
                            + " topics, answered in "
                            + (System.nanoTime() - started) / 1_000_000
                            + " ms")
                    : new Check(
                        "topic-registry",
                        false,
                        "no answer within " + PROBE_TIMEOUT.toMillis() + " ms: " + error))
        .thenApply(registry -> List.of(member, registry, disk()))
        .exceptionally(
            e -> List.of(member, new Check("topic-registry", false, e.toString()), disk()))
        .thenCompose(CompletableFuture::completedFuture);
  }
}
