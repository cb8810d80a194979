package io.skald.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.cluster.testing.ClusterNodeMain;
import io.skald.cluster.testing.Deliveries;
import io.skald.cluster.testing.KeyedLoad;
import io.skald.cluster.testing.PostgresPerClass;
import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.internal.log.PartitionEntity;
import io.skald.framework.producer.Acks;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.testkit.Await;
import io.skald.testkit.ClusterTestNode;
import io.skald.testkit.ForkedJvm;
import io.skald.testkit.LocalCluster;
import io.skald.testkit.SkaldTestNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A node dies abruptly (its JVM gets SIGKILL) while records flow: the split-brain resolver downs
 * it, the survivors take over its partitions and its group member's partitions, and every record
 * acknowledged to the producer is handled at least once, in per-key order, within a bounded time.
 */
class NodeFailureTest {
  private static final Duration CONVERGENCE = Duration.ofSeconds(30);
  @RegisterExtension static final PostgresPerClass postgres = new PostgresPerClass();

  @Test
  void survivorsTakeOverAKilledNodesPartitionsAndMembersWithoutLosingAckedRecords()
      throws Exception {
    String url = postgres.createDatabase("node_failure");
    int port1 = ClusterTestNode.freePort();
    int port3 = ClusterTestNode.freePort();
    Path victimDir = SkaldTestNode.newDataDir();
    List<Skald> survivors = new ArrayList<>();
    try {
      survivors.add(ClusterTestNode.start(port1, List.of(port1), url, ""));
      survivors.add(ClusterTestNode.start(ClusterTestNode.freePort(), List.of(port1), url, ""));
      Skald node1 = survivors.get(0);
      Skald node2 = survivors.get(1);
      node1.admin().createTopic(TopicSpec.of("orders", 12)).toCompletableFuture().join();
      Deliveries deliveries = new Deliveries();
      deliveries.subscribe(node2, "shipping", "orders", "node2");

      try (ForkedJvm node3 =
          ForkedJvm.start(
              ClusterNodeMain.class,
              victimDir,
              "256m",
              Integer.toString(port3),
              Integer.toString(port1),
              url)) {
        node3.awaitLine("READY"::equals, 60);
        Address victimAddress = new Address("pekko", ClusterTestNode.SYSTEM, "127.0.0.1", port3);
        Await.until(
            node1.system(),
            Duration.ofSeconds(30),
            () -> assertEquals(3, LocalCluster.upMembers(node1)));

        Producer<String, String> producer =
            node1.producer(
                ProducerSettings.of(Codecs.string(), Codecs.string())
                    .withAcks(Acks.DURABLE)
                    .withIdempotence());
        KeyedLoad load = new KeyedLoad(producer, "orders", 200, 500);
        Set<String> acked = load.acked();
        // until 5,000 records sent after the kill are acknowledged
        CompletableFuture<Void> sending = load.sendInBackgroundUntilMarkedPlus(5_000);

        // Kill the victim in the middle of the flow, once it hosts partitions and handles records.
        Await.until(
            node1.system(),
            Duration.ofSeconds(60),
            () -> {
              assertTrue(acked.size() >= 5_000, "acked " + acked.size());
              assertTrue(
                  victimDir.resolve("handled.txt").toFile().length() > 0,
                  "the victim's member handles records yet");
              assertTrue(hostedShards(node1, victimAddress) > 0, "the victim hosts partitions");
            });
        assertTrue(!sending.isDone(), "records still flow when the victim dies");
        node3.kill();
        long killedAt = System.nanoTime();
        load.mark();
        sending.get(120, java.util.concurrent.TimeUnit.SECONDS);
        long sendsDone = System.nanoTime();

        // Membership converges: the victim is downed and removed.
        Await.until(
            node1.system(),
            CONVERGENCE,
            () -> {
              assertEquals(2, LocalCluster.upMembers(node1));
              assertEquals(
                  2,
                  java.util.stream.StreamSupport.stream(
                          Cluster.get(node1.system()).state().getMembers().spliterator(), false)
                      .count());
              assertTrue(
                  !Cluster.get(node1.system()).state().getUnreachable().iterator().hasNext());
            });
        long convergedAt = System.nanoTime();

        // Every acknowledged record is handled: by the victim before it died, or by node 2.
        deliveries.addAll(
            "node3",
            Files.readAllLines(victimDir.resolve("handled.txt"), StandardCharsets.UTF_8).stream()
                .filter(line -> !line.isEmpty())
                .toList());
        Await.until(
            node1.system(),
            Duration.ofSeconds(60),
            () -> assertEquals("", deliveries.describeMissing(acked)));
        long allHandledAt = System.nanoTime();
        assertEquals(List.of(), deliveries.orderViolations());
        assertEquals(List.of(), load.failures(), "sends failed");
        assertEquals(0, hostedShards(node1, victimAddress));
        System.out.printf(
            "node failure: %d records acked; membership converged %.1f s after the kill; "
                + "longest gap between acks %.1f s; all handled %.1f s after the last ack; "
                + "handled by the victim %d, by node 2 %d (redelivered %d)%n",
            acked.size(),
            (convergedAt - killedAt) / 1e9,
            load.longestGapNanos() / 1e9,
            (allHandledAt - sendsDone) / 1e9,
            deliveries.counts().getOrDefault("node3", 0),
            deliveries.counts().getOrDefault("node2", 0),
            deliveries.counts().values().stream().mapToInt(Integer::intValue).sum()
                - deliveries.distinctCount());
      }
    } finally {
      ClusterTestNode.closeAll(survivors);
      SkaldTestNode.deleteRecursively(victimDir);
    }
  }

  /** Shards of the partition entity type the cluster places on {@code address}. */
  static int hostedShards(Skald node, Address address) {
    return ClusterTestNode.shardsByNode(node, PartitionEntity.ENTITY_TYPE_KEY)
        .getOrDefault(address, 0);
  }
}
