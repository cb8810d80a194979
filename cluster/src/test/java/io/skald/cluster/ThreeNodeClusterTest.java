package io.skald.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.skald.testkit.LocalCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three nodes (three actor systems with their own remoting ports) on one shared PostgreSQL journal:
 * sharding spreads a topic's partitions over all of them, and a producer on one node and a group
 * with members on the two others exchange records with per-key order.
 */
class ThreeNodeClusterTest {
  @RegisterExtension static final PostgresPerClass postgres = new PostgresPerClass();

  @Test
  void partitionsSpreadOverThreeNodesAndRecordsFlowBetweenThem() throws Exception {
    String url = postgres.createDatabase("three_nodes");
    List<Skald> nodes = ClusterTestNode.startCluster(url, 3, "");
    try {
      for (Skald node : nodes) {
        Await.until(
            node.system(),
            Duration.ofSeconds(30),
            () -> assertEquals(3, LocalCluster.upMembers(node)));
      }
      Skald producerNode = nodes.get(0);
      producerNode.admin().createTopic(TopicSpec.of("orders", 12)).toCompletableFuture().join();

      Deliveries deliveries = new Deliveries();
      for (Skald node : nodes.subList(1, 3)) {
        String name = node.system().address().toString();
        deliveries.subscribe(node, "shipping", "orders", name);
      }

      int keys = 200;
      int perKey = 100;
      Producer<String, String> producer =
          producerNode.producer(
              ProducerSettings.of(Codecs.string(), Codecs.string())
                  .withAcks(Acks.DURABLE)
                  .withIdempotence());
      KeyedLoad load = new KeyedLoad(producer, "orders", keys, 2_000);
      load.send(round -> round < perKey);
      assertEquals(List.of(), load.failures());
      Set<String> acked = load.acked();
      assertEquals(keys * perKey, acked.size());

      Await.until(
          producerNode.system(),
          Duration.ofSeconds(60),
          () -> assertEquals("", deliveries.describeMissing(acked)));
      assertEquals(List.of(), deliveries.orderViolations());
      Map<String, Integer> counts = deliveries.counts();
      assertEquals(2, counts.size(), "both members handled records: " + counts);

      // Sharding started the partitions where the first messages found them; its rebalancing
      // spreads them over all three nodes.
      Await.until(
          producerNode.system(),
          Duration.ofSeconds(30),
          () -> {
            Map<String, Set<String>> placement = new TreeMap<>();
            for (Skald node : nodes) {
              placement.put(node.system().address().toString(), hostedPartitions(node, "orders"));
            }
            Set<String> all = new HashSet<>();
            placement.values().forEach(all::addAll);
            assertEquals(12, all.size(), "every partition runs somewhere: " + placement);
            placement.forEach(
                (node, partitions) ->
                    assertTrue(!partitions.isEmpty(), node + " hosts no partition: " + placement));
          });
    } finally {
      ClusterTestNode.closeAll(nodes);
    }
  }

  @Test
  void aNodeThatJoinsTakesOverPartitionsWhileRecordsFlow() throws Exception {
    String url = postgres.createDatabase("joining");
    // five appends in flight per partition, so hand-offs drop some in the middle of a pipeline
    String pipelined = "skald.framework.producer.max-in-flight-per-partition = 5";
    List<Skald> nodes = ClusterTestNode.startCluster(url, 2, pipelined);
    try {
      Skald node1 = nodes.get(0);
      node1.admin().createTopic(TopicSpec.of("orders", 12)).toCompletableFuture().join();
      Deliveries deliveries = new Deliveries();
      deliveries.subscribe(nodes.get(1), "shipping", "orders", "node2");
      // Idempotent (the default): an append that meets a shard hand-off is dropped by sharding;
      // the next one is refused as out of order, and the producer sends both again in order; the
      // partition writes each once. (A plain producer's send would fail with
      // DeliveryTimeoutException instead, see docs/cluster.md.)
      KeyedLoad load =
          new KeyedLoad(
              node1.producer(ProducerSettings.of(Codecs.string(), Codecs.string())),
              "orders",
              100,
              500);
      CompletableFuture<Void> sending = load.sendInBackgroundUntilMarkedPlus(10_000);
      Await.until(
          node1.system(), Duration.ofSeconds(30), () -> assertTrue(load.acked().size() >= 3_000));

      // a third node joins in the middle of the flow; sharding hands partitions over to it
      Skald node3 = ClusterTestNode.join(nodes, url, pipelined);
      nodes.add(node3);
      load.mark();
      Await.until(
          node1.system(),
          Duration.ofSeconds(30),
          () -> assertTrue(!hostedPartitions(node3, "orders").isEmpty(), "node 3 hosts none yet"));
      sending.get(120, java.util.concurrent.TimeUnit.SECONDS);

      assertEquals(List.of(), load.failures(), "sends failed");
      Await.until(
          node1.system(),
          Duration.ofSeconds(60),
          () -> assertEquals("", deliveries.describeMissing(load.acked())));
      assertEquals(List.of(), deliveries.orderViolations());
      // and each record is in the log once: resent appends were not written twice
      long inLog = 0;
      for (int p = 0; p < 12; p++) {
        inLog +=
            node1
                .admin()
                .partitionOffsets(new io.skald.framework.TopicPartition("orders", p))
                .toCompletableFuture()
                .join()
                .logEndOffset();
      }
      assertEquals(load.acked().size(), inLog, "records in the log");
    } finally {
      ClusterTestNode.closeAll(nodes);
    }
  }

  @Test
  void aNodeThatLeavesGracefullyHandsOverItsPartitionsAndMember() throws Exception {
    String url = postgres.createDatabase("leaving");
    List<Skald> nodes = ClusterTestNode.startCluster(url, 3, "");
    try {
      Skald leaving = nodes.get(2);
      Skald node1 = nodes.get(0);
      Await.until(
          node1.system(),
          Duration.ofSeconds(30),
          () -> assertEquals(3, LocalCluster.upMembers(node1)));
      node1.admin().createTopic(TopicSpec.of("orders", 12)).toCompletableFuture().join();
      Deliveries deliveries = new Deliveries();
      deliveries.subscribe(nodes.get(1), "shipping", "orders", "node2");
      deliveries.subscribe(leaving, "shipping", "orders", "leaving");
      KeyedLoad load =
          new KeyedLoad(
              node1.producer(
                  ProducerSettings.of(Codecs.string(), Codecs.string()).withIdempotence()),
              "orders",
              100,
              500);
      CompletableFuture<Void> sending = load.sendInBackgroundUntilMarkedPlus(10_000);
      Await.until(
          node1.system(),
          Duration.ofSeconds(30),
          () -> {
            assertTrue(load.acked().size() >= 3_000);
            assertTrue(deliveries.counts().getOrDefault("leaving", 0) > 0);
            assertTrue(!hostedPartitions(leaving, "orders").isEmpty());
          });

      // The way a rolling restart stops a node: coordinated shutdown. Its member leaves the group
      // committing what it handled, its shards are handed off, it leaves the cluster.
      leaving.close();
      nodes.remove(leaving);
      load.mark();
      Await.until(
          node1.system(),
          Duration.ofSeconds(30),
          () -> assertEquals(2, LocalCluster.upMembers(node1)));
      sending.get(120, java.util.concurrent.TimeUnit.SECONDS);

      assertEquals(List.of(), load.failures(), "sends failed");
      Await.until(
          node1.system(),
          Duration.ofSeconds(60),
          () -> assertEquals("", deliveries.describeMissing(load.acked())));
      assertEquals(List.of(), deliveries.orderViolations());
      int handled = deliveries.counts().values().stream().mapToInt(Integer::intValue).sum();
      System.out.printf(
          "graceful leave: %d acked, %d handled by the leaving node, %d redelivered%n",
          load.acked().size(),
          deliveries.counts().get("leaving"),
          handled - deliveries.distinctCount());
    } finally {
      ClusterTestNode.closeAll(nodes);
    }
  }

  @Test
  void partitionsStayOnNodesWithTheBrokerRole() throws Exception {
    String url = postgres.createDatabase("roles");
    String broker =
        "pekko.cluster.roles = [broker]\n"
            + "skald.framework.cluster.role = broker\n"
            + "skald.saga.role = broker\n";
    String service = "skald.framework.cluster.role = broker\nskald.saga.role = broker\n";
    int port1 = ClusterTestNode.freePort();
    List<Skald> nodes = new ArrayList<>();
    try {
      nodes.add(ClusterTestNode.start(port1, List.of(port1), url, broker));
      nodes.add(ClusterTestNode.start(ClusterTestNode.freePort(), List.of(port1), url, broker));
      Skald serviceNode =
          ClusterTestNode.start(ClusterTestNode.freePort(), List.of(port1), url, service);
      nodes.add(serviceNode);
      Await.until(
          serviceNode.system(),
          Duration.ofSeconds(30),
          () -> assertEquals(3, LocalCluster.upMembers(serviceNode)));

      // The service node uses the log as usual: it creates a topic, produces and consumes ...
      serviceNode.admin().createTopic(TopicSpec.of("payments", 6)).toCompletableFuture().join();
      Deliveries deliveries = new Deliveries();
      deliveries.subscribe(serviceNode, "ledger", "payments", "service");
      Producer<String, String> producer =
          serviceNode.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      Set<String> sent = new HashSet<>();
      List<CompletableFuture<?>> acks = new ArrayList<>();
      for (int i = 0; i < 600; i++) {
        String value = "k" + (i % 30) + ":" + (i / 30);
        sent.add(value);
        acks.add(producer.send("payments", "k" + (i % 30), value).toCompletableFuture());
      }
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
      Await.until(
          serviceNode.system(),
          Duration.ofSeconds(30),
          () -> assertEquals("", deliveries.describeMissing(sent)));
      assertEquals(List.of(), deliveries.orderViolations());

      // ... while every partition and group coordinator runs on the two broker nodes.
      for (var typeKey :
          List.of(
              PartitionEntity.ENTITY_TYPE_KEY,
              io.skald.framework.internal.group.GroupCoordinator.ENTITY_TYPE_KEY)) {
        Map<org.apache.pekko.actor.Address, Integer> shards =
            ClusterTestNode.shardsByNode(nodes.get(0), typeKey);
        assertEquals(
            0,
            shards.getOrDefault(serviceNode.system().address(), 0),
            typeKey.name() + " shards per node: " + shards);
        assertTrue(
            shards.values().stream().mapToInt(Integer::intValue).sum() > 0,
            typeKey.name() + " shards per node: " + shards);
      }
    } finally {
      ClusterTestNode.closeAll(nodes);
    }
  }

  static Set<String> hostedPartitions(Skald node, String topic) {
    TestProbe<org.apache.pekko.cluster.sharding.ShardRegion.CurrentShardRegionState> probe =
        TestProbe.create(node.system());
    ClusterSharding.get(node.system())
        .shardState()
        .tell(new GetShardRegionState(PartitionEntity.ENTITY_TYPE_KEY, probe.getRef()));
    Set<String> hosted = new HashSet<>();
    for (org.apache.pekko.cluster.sharding.ShardRegion.ShardState shard :
        probe.receiveMessage(Duration.ofSeconds(10)).getShards()) {
      for (String id : shard.getEntityIds()) {
        if (id.startsWith(topic)) {
          hosted.add(id);
        }
      }
    }
    return hosted;
  }
}
