package io.skald.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.cluster.testing.PostgresPerClass;
import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.consumer.StartPosition;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.QuotaExceededException;
import io.skald.framework.producer.RateLimit;
import io.skald.framework.producer.RecordMetadata;
import io.skald.testkit.Await;
import io.skald.testkit.ClusterTestNode;
import io.skald.testkit.LocalCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A pattern subscription with members on two nodes picks up a topic created on the other node
 * through the creation announcement alone (the periodic listing is set to a minute, longer than the
 * test waits), reads it from its first record, and a member leaving mid-stream loses nothing. Then
 * a topic quota holds for producers on both nodes together.
 */
class PatternSubscriptionClusterTest {
  @RegisterExtension static final PostgresPerClass postgres = new PostgresPerClass();

  record Handled(String member, String topic, String value) {}

  @Test
  void aTopicCreatedOnAnotherNodeJoinsWithinMomentsAndIsReadFromItsFirstRecord() throws Exception {
    String url = postgres.createDatabase("pattern");
    List<Skald> nodes =
        ClusterTestNode.startCluster(
            url, 2, "skald.framework.consumer.pattern-refresh-interval = 60s\n");
    try {
      Skald first = nodes.get(0);
      Skald second = nodes.get(1);
      Await.until(
          first.system(),
          Duration.ofSeconds(30),
          () -> assertEquals(2, LocalCluster.upMembers(first)));
      first.admin().createTopic(TopicSpec.of("orders.eu", 2)).toCompletableFuture().join();
      ConcurrentLinkedQueue<Handled> handled = new ConcurrentLinkedQueue<>();
      SubscriptionSpec<String, String> spec =
          SubscriptionSpec.of("audit", Codecs.string(), Codecs.string())
              .withTopicPattern("orders\\..*")
              .withStartPosition(StartPosition.LATEST);
      first.subscribe(
          spec,
          (ConsumerRecord<String, String> record) -> {
            handled.add(new Handled("first", record.topic(), record.value()));
            return CompletableFuture.completedFuture(null);
          });
      var leaving =
          second.subscribe(
              spec,
              (ConsumerRecord<String, String> record) -> {
                handled.add(new Handled("second", record.topic(), record.value()));
                return CompletableFuture.completedFuture(null);
              });

      // when a topic is created on the second node and written at once, before any member reads it
      second.admin().createTopic(TopicSpec.of("orders.us", 4)).toCompletableFuture().join();
      Set<String> expected = send(second, "orders.us", 0, 300);
      expected.addAll(send(first, "orders.eu", 0, 100));

      // then the group reads all of it, within seconds (the announcement, not the 60 s listing)
      Await.until(
          first.system(),
          Duration.ofSeconds(30),
          () ->
              assertEquals(
                  expected,
                  handled.stream().map(Handled::value).collect(Collectors.toSet()),
                  "every record of both topics, the new one from its first record"));

      // and when a member leaves while more arrives, the other one takes over losing nothing
      leaving.stop().toCompletableFuture().join();
      expected.addAll(send(second, "orders.us", 300, 600));
      Await.until(
          first.system(),
          Duration.ofSeconds(30),
          () ->
              assertEquals(
                  expected, handled.stream().map(Handled::value).collect(Collectors.toSet())));
      assertTrue(
          handled.stream().anyMatch(h -> h.member().equals("second")),
          "the second node's member read some: " + handled.size());

      topicQuotaHoldsForProducersOnBothNodes(first, second);
    } finally {
      ClusterTestNode.closeAll(nodes);
    }
  }

  /**
   * A refusing quota of 50 records/s (25 per partition, bursts of 1 s) with its two partitions
   * spread over the nodes: each node's producer sends 20 records to each partition, which alone
   * would fit; together they do not, and the partitions refuse what is over, whichever node sent
   * it.
   */
  private static void topicQuotaHoldsForProducersOnBothNodes(Skald first, Skald second) {
    first
        .admin()
        .createTopic(
            TopicSpec.of("sms", 2)
                .withRateLimit(
                    RateLimit.recordsPerSecond(50).whenExceeded(RateLimit.WhenExceeded.REFUSE)))
        .toCompletableFuture()
        .join();
    long start = System.nanoTime();
    List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
    for (Skald node : List.of(first, second)) {
      Producer<String, String> producer =
          node.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      for (int i = 0; i < 40; i++) {
        sent.add(
            producer
                .sendToPartition("sms", i % 2, "k", "v" + i, java.util.Map.of())
                .toCompletableFuture());
      }
    }
    int acknowledged = 0;
    int refused = 0;
    for (CompletableFuture<RecordMetadata> ack : sent) {
      try {
        ack.join();
        acknowledged++;
      } catch (java.util.concurrent.CompletionException e) {
        assertTrue(e.getCause() instanceof QuotaExceededException, e.toString());
        refused++;
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    assertTrue(refused > 0, "80 records against a bucket of 50: none refused");
    // the buckets hold 50, and refill at 50/s while the test sends
    assertTrue(
        acknowledged <= 50 + 50 * seconds + 1, acknowledged + " acknowledged in " + seconds + " s");
    long written = 0;
    for (int p = 0; p < 2; p++) {
      written +=
          first
              .admin()
              .partitionOffsets(new io.skald.framework.TopicPartition("sms", p))
              .toCompletableFuture()
              .join()
              .logEndOffset();
    }
    assertEquals(acknowledged, written, "what was acknowledged is written, and nothing else");
  }

  private static Set<String> send(Skald node, String topic, int from, int to) {
    Producer<String, String> producer =
        node.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    List<CompletableFuture<?>> acks = new ArrayList<>();
    Set<String> values = new HashSet<>();
    for (int i = from; i < to; i++) {
      String value = topic + ":" + i;
      acks.add(producer.send(topic, "k" + (i % 20), value).toCompletableFuture());
      values.add(value);
    }
    acks.forEach(CompletableFuture::join);
    return values;
  }
}
