package io.skald.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.cluster.testing.PostgresPerClass;
import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.internal.share.SharePartition;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.testkit.Await;
import io.skald.testkit.ClusterTestNode;
import io.skald.testkit.LocalCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Shared consumption across two nodes on PostgreSQL: members on both nodes take records of share
 * partitions hosted on either (every request and record crosses the network one way or the other),
 * and when a node leaves while its member holds records that it never finishes, those come back to
 * the other node's members after the visibility timeout — also the ones whose share-partition moved
 * with the node, recovered from the journal with their locks.
 */
class SharedConsumptionClusterTest {
  @RegisterExtension static final PostgresPerClass postgres = new PostgresPerClass();

  private static final Executor WORK = CompletableFuture.delayedExecutor(5, TimeUnit.MILLISECONDS);

  record Delivery(String member, String value, int deliveryCount, Instant at) {}

  @Test
  void aLeavingNodesHeldRecordsComeBackAfterTheTimeoutAndEveryRecordIsDoneOnce() throws Exception {
    String url = postgres.createDatabase("shared");
    List<Skald> nodes = ClusterTestNode.startCluster(url, 2, "");
    try {
      Skald stays = nodes.get(0);
      Skald leaves = nodes.get(1);
      Await.until(
          stays.system(),
          Duration.ofSeconds(30),
          () -> assertEquals(2, LocalCluster.upMembers(stays)));
      stays.admin().createTopic(TopicSpec.of("jobs", 4)).toCompletableFuture().join();
      Duration visibility = Duration.ofSeconds(3);
      SubscriptionSpec<String, String> spec =
          SubscriptionSpec.of("workers", Codecs.string(), Codecs.string())
              .withTopics("jobs")
              .withSharedConsumption(visibility);
      ConcurrentLinkedQueue<Delivery> deliveries = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<Delivery> completed = new ConcurrentLinkedQueue<>();

      // given a member on the leaving node that never finishes, and three healthy ones elsewhere
      leaves.subscribe(
          spec,
          (ConsumerRecord<String, String> record) -> {
            deliveries.add(new Delivery("victim", record.value(), record.attempt(), Instant.now()));
            return new CompletableFuture<Void>();
          });
      for (int m = 0; m < 3; m++) {
        String name = "member-" + m;
        stays.subscribe(
            spec,
            (ConsumerRecord<String, String> record) -> {
              Delivery delivery =
                  new Delivery(name, record.value(), record.attempt(), Instant.now());
              deliveries.add(delivery);
              return CompletableFuture.runAsync(() -> completed.add(delivery), WORK);
            });
      }
      Producer<String, String> producer =
          stays.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      Set<String> expected = new HashSet<>();
      List<CompletableFuture<?>> acks = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        acks.add(producer.send("jobs", null, "job-" + i).toCompletableFuture());
        expected.add("job-" + i);
      }
      acks.forEach(CompletableFuture::join);
      Await.until(
          stays.system(),
          Duration.ofSeconds(30),
          () -> assertTrue(deliveries.stream().anyMatch(d -> d.member().equals("victim"))));
      int movedSharePartitions = hostedSharePartitions(leaves).size();

      // when the node leaves (its member cannot finish: the shutdown gives up on it)
      leaves.close();
      nodes.remove(leaves);

      // then every record is completed once by a healthy member
      Await.until(
          stays.system(),
          Duration.ofSeconds(60),
          () ->
              assertEquals(
                  expected, completed.stream().map(Delivery::value).collect(Collectors.toSet())));
      Map<String, Long> completions =
          completed.stream().collect(Collectors.groupingBy(Delivery::value, Collectors.counting()));
      assertTrue(
          completions.values().stream().allMatch(n -> n == 1),
          "completed once each: "
              + completions.entrySet().stream().filter(e -> e.getValue() > 1).toList());
      // and the victim's records came back only after their visibility timeout
      List<Delivery> held = deliveries.stream().filter(d -> d.member().equals("victim")).toList();
      for (Delivery taken : held) {
        Delivery again =
            completed.stream()
                .filter(d -> d.value().equals(taken.value()))
                .findFirst()
                .orElseThrow();
        assertEquals(taken.deliveryCount() + 1, again.deliveryCount(), "counted: " + again);
        Duration hidden = Duration.between(taken.at(), again.at());
        assertTrue(
            hidden.compareTo(visibility.minusMillis(200)) >= 0,
            taken.value() + " was hidden " + hidden + ", not the visibility timeout");
      }
      System.out.printf(
          "shared on 2 nodes: %d records, %d held by the leaving node's member, %d share-partitions"
              + " moved with it%n",
          expected.size(), held.size(), movedSharePartitions);
    } finally {
      ClusterTestNode.closeAll(nodes);
    }
  }

  private static Set<String> hostedSharePartitions(Skald node) {
    TestProbe<org.apache.pekko.cluster.sharding.ShardRegion.CurrentShardRegionState> probe =
        TestProbe.create(node.system());
    ClusterSharding.get(node.system())
        .shardState()
        .tell(new GetShardRegionState(SharePartition.ENTITY_TYPE_KEY, probe.getRef()));
    Set<String> hosted = new HashSet<>();
    for (org.apache.pekko.cluster.sharding.ShardRegion.ShardState shard :
        probe.receiveMessage(Duration.ofSeconds(10)).getShards()) {
      hosted.addAll(shard.getEntityIds());
    }
    return hosted;
  }
}
