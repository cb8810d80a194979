package io.skald.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.cluster.testing.BrokerNodeMain;
import io.skald.cluster.testing.PostgresPerClass;
import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.TopicPartition;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.StartPosition;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.transaction.Pipeline;
import io.skald.framework.transaction.PipelineSpec;
import io.skald.testkit.Await;
import io.skald.testkit.ClusterTestNode;
import io.skald.testkit.ForkedJvm;
import io.skald.testkit.LocalCluster;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A pipeline on a service node copies records while the transaction coordinator's node, one of
 * three broker JVMs, is killed with SIGKILL: the coordinator recovers on another node from the
 * shared journal, the pipeline's commit in flight is resolved (completed if it was decided,
 * otherwise written again), and every output holds each input's result exactly once, in order.
 */
class TransactionFailoverTest {
  @RegisterExtension static final PostgresPerClass postgres = new PostgresPerClass();

  private static final int RECORDS = 1_000;
  private static final int KEYS = 20;

  /** Where a record is in the log. */
  record At(String topic, int partition, long offset) {}

  @Test
  void killingTheCoordinatorsNodeLosesAndDuplicatesNothing() throws Exception {
    String url = postgres.createDatabase("txn_failover");
    Path work = SkaldTestNode.newDataDir();
    Map<Integer, ForkedJvm> brokers = new LinkedHashMap<>();
    Skald service = null;
    try {
      int seed = LocalCluster.freePort();
      List<Integer> ports = List.of(seed, LocalCluster.freePort(), LocalCluster.freePort());
      for (int port : ports) {
        Path dir = Files.createDirectories(work.resolve("b" + port));
        ForkedJvm jvm =
            ForkedJvm.start(
                BrokerNodeMain.class,
                dir,
                "256m",
                Integer.toString(port),
                Integer.toString(seed),
                url);
        brokers.put(port, jvm);
        if (port == seed) {
          jvm.awaitLine("READY"::equals, 90); // the others join through it, and start together
        }
      }
      for (Map.Entry<Integer, ForkedJvm> b : brokers.entrySet()) {
        if (b.getKey() != seed) {
          b.getValue().awaitLine("READY"::equals, 90);
        }
      }
      Skald node =
          ClusterTestNode.start(
              LocalCluster.freePort(),
              List.of(seed),
              url,
              "skald.framework.cluster.role = broker\nskald.saga.role = broker\n");
      service = node;
      Await.until(
          node.system(),
          Duration.ofSeconds(30),
          () -> assertEquals(4, LocalCluster.upMembers(node)));
      node.admin().createTopic(TopicSpec.of("tx-in", 1)).toCompletableFuture().join();
      node.admin().createTopic(TopicSpec.of("tx-out-a", 2)).toCompletableFuture().join();
      node.admin().createTopic(TopicSpec.of("tx-out-b", 1)).toCompletableFuture().join();
      Producer<String, String> producer =
          node.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      List<CompletableFuture<?>> sent = new ArrayList<>();
      for (int i = 0; i < RECORDS; i++) {
        sent.add(
            producer.send("tx-in", "k" + (i % KEYS), Integer.toString(i)).toCompletableFuture());
      }
      sent.forEach(CompletableFuture::join);
      Map<At, String> read =
          new ConcurrentHashMap<>(); // the readers may redeliver; the log may not
      node.subscribe(
          SubscriptionSpec.of("tx-readers", Codecs.string(), Codecs.string())
              .withTopics("tx-out-a", "tx-out-b")
              .withStartPosition(StartPosition.EARLIEST),
          record -> {
            read.put(new At(record.topic(), record.partition(), record.offset()), record.value());
            return CompletableFuture.completedFuture(null);
          });
      Pipeline pipeline =
          node.pipeline(
              PipelineSpec.of(
                      SubscriptionSpec.of("tx-copier", Codecs.string(), Codecs.string())
                          .withTopics("tx-in")
                          .withStartPosition(StartPosition.EARLIEST),
                      Codecs.string(),
                      Codecs.string())
                  .withBatchSize(20)
                  .withCommitInterval(Duration.ofMillis(20)),
              (record, out) -> {
                out.send("tx-out-a", record.key(), "a:" + record.value());
                out.send("tx-out-b", record.key(), "b:" + record.value());
              });
      TopicPartition input = new TopicPartition("tx-in", 0);
      Await.until(
          node.system(),
          Duration.ofSeconds(60),
          () -> assertTrue(position(node, input) >= 150, "position " + position(node, input)));

      // when the node hosting the transaction coordinator is killed mid-copy
      String coordinator = "tx-copier-tx-in-0";
      java.util.concurrent.atomic.AtomicInteger host =
          new java.util.concurrent.atomic.AtomicInteger();
      Await.until(
          node.system(),
          Duration.ofSeconds(20),
          () -> {
            for (int port : brokers.keySet()) {
              Path entities = work.resolve("b" + port).resolve("entities");
              try {
                if (Files.exists(entities) && Files.readAllLines(entities).contains(coordinator)) {
                  host.set(port);
                }
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            }
            assertTrue(host.get() > 0, "no broker reports hosting " + coordinator);
          });
      int victim = host.get();
      long atKill = position(node, input);
      brokers.remove(victim).kill();
      long killedAt = System.nanoTime();

      // then the copy completes, every input's result once per output, in per-key order
      Await.until(
          node.system(),
          Duration.ofSeconds(90),
          () -> assertEquals(RECORDS, position(node, input)));
      long recoveredMillis = (System.nanoTime() - killedAt) / 1_000_000;
      Await.until(
          node.system(), Duration.ofSeconds(30), () -> assertEquals(2 * RECORDS, read.size()));
      Map<String, List<Integer>> perKey = new TreeMap<>();
      List<Map.Entry<At, String>> ordered = new ArrayList<>(read.entrySet());
      ordered.sort(
          Map.Entry.comparingByKey(
              java.util.Comparator.comparing(At::topic)
                  .thenComparingInt(At::partition)
                  .thenComparingLong(At::offset)));
      for (Map.Entry<At, String> e : ordered) {
        String[] v = e.getValue().split(":");
        perKey
            .computeIfAbsent(
                e.getKey().topic() + "/k" + (Integer.parseInt(v[1]) % KEYS), k -> new ArrayList<>())
            .add(Integer.parseInt(v[1]));
      }
      int copied = 0;
      for (Map.Entry<String, List<Integer>> e : perKey.entrySet()) {
        List<Integer> values = e.getValue();
        for (int i = 1; i < values.size(); i++) {
          assertTrue(values.get(i - 1) < values.get(i), e.getKey() + " in order: " + values);
        }
        copied += values.size();
      }
      assertEquals(2 * RECORDS, copied, "each input once per output");
      System.out.println(
          "transaction failover: killed the coordinator's node at position "
              + atKill
              + ", copy complete "
              + recoveredMillis
              + " ms later; "
              + pipeline.committedTransactions()
              + " transactions committed, "
              + pipeline.abortedTransactions()
              + " written again");
      pipeline.stop().toCompletableFuture().join();
    } finally {
      if (service != null) {
        service.close();
      }
      for (ForkedJvm jvm : brokers.values()) {
        jvm.close();
      }
      SkaldTestNode.deleteRecursively(work);
    }
  }

  private static long position(Skald node, TopicPartition tp) {
    return node.admin()
        .committedOffsets("tx-copier")
        .toCompletableFuture()
        .join()
        .getOrDefault(tp, 0L);
  }
}
