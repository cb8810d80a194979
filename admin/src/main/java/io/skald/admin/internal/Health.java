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
 * {@code Up} member of the cluster, and the topic registry (a sharded entity recovered from the
 * journal) answers within two seconds.
 */
final class Health {
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

  record Check(String name, boolean up, String detail) {}

  private final Skald skald;

  Health(Skald skald) {
    this.skald = skald;
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
        .thenApply(registry -> List.of(member, registry))
        .exceptionally(e -> List.of(member, new Check("topic-registry", false, e.toString())))
        .thenCompose(CompletableFuture::completedFuture);
  }
}
