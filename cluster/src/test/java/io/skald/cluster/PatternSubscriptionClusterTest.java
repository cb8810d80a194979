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
 * test waits), reads it from its first record, and a member leaving mid-stream loses nothing.
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
    } finally {
      ClusterTestNode.closeAll(nodes);
    }
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
