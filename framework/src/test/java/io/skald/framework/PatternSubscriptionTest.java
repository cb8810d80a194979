package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.consumer.StartPosition;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Pattern subscriptions on a real node: topics created later join (read from their first record),
 * deleted ones leave without stopping the group, members join and leave, the node restarts.
 */
class PatternSubscriptionTest {
  private final Path dataDir = SkaldTestNode.newDataDir();
  private SkaldTestNode node;

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
    SkaldTestNode.deleteRecursively(dataDir);
  }

  private Skald start() {
    node = SkaldTestNode.start(dataDir, false, "");
    return node.skald();
  }

  record Handled(String member, String topic, String key, String value) {}

  private static Subscription subscribe(
      Skald skald, String member, ConcurrentLinkedQueue<Handled> log) {
    return skald.subscribe(
        SubscriptionSpec.of("order-audit", Codecs.string(), Codecs.string())
            .withTopicPattern("orders\\..*")
            .withStartPosition(StartPosition.LATEST),
        (ConsumerRecord<String, String> record) -> {
          log.add(new Handled(member, record.topic(), record.key(), record.value()));
          return CompletableFuture.completedFuture(null);
        });
  }

  private static Set<String> send(Skald skald, String topic, int from, int to) {
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
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

  private static void create(Skald skald, String topic, int partitions) {
    skald.admin().createTopic(TopicSpec.of(topic, partitions)).toCompletableFuture().join();
  }

  private static Set<String> topicsOf(Subscription... subscriptions) {
    Set<String> topics = new HashSet<>();
    for (Subscription s : subscriptions) {
      s.assignment().forEach(tp -> topics.add(tp.topic()));
    }
    return topics;
  }

  @Test
  void topicsCreatedLaterJoinDeletedOnesLeaveAcrossARebalanceAndARestart() throws Exception {
    final Skald skald = start();
    create(skald, "orders.eu", 2);
    create(skald, "orders.us", 2);
    create(skald, "payments", 1);
    send(skald, "orders.eu", 0, 50); // before the group: LATEST skips them
    ConcurrentLinkedQueue<Handled> handled = new ConcurrentLinkedQueue<>();

    // given a pattern subscription that starts at the log end
    Subscription first = subscribe(skald, "first", handled);
    Await.until(
        skald.system(),
        Duration.ofSeconds(15),
        () -> {
          assertEquals(4, first.assignment().size(), "orders.eu and orders.us, not payments");
          // LATEST is resolved (and committed) by each partition's worker: wait for all four
          assertEquals(
              4, skald.admin().committedOffsets("order-audit").toCompletableFuture().join().size());
        });
    Set<String> expected = new HashSet<>();
    expected.addAll(send(skald, "orders.eu", 50, 250));
    expected.addAll(send(skald, "orders.us", 0, 200));
    send(skald, "payments", 0, 100);

    // when a matching topic is created and written to at once, a second member joins, the first
    // leaves, and a matched topic is deleted
    create(skald, "orders.apac", 3);
    expected.addAll(send(skald, "orders.apac", 0, 300));
    Await.until(
        skald.system(),
        Duration.ofSeconds(20),
        () -> assertTrue(topicsOf(first).contains("orders.apac")));
    Subscription second = subscribe(skald, "second", handled);
    expected.addAll(send(skald, "orders.apac", 300, 400));
    Await.until(
        skald.system(),
        Duration.ofSeconds(20),
        () -> {
          assertFalse(second.assignment().isEmpty());
          assertEquals(7, first.assignment().size() + second.assignment().size());
        });
    first.stop().toCompletableFuture().join();
    Await.until(
        skald.system(),
        Duration.ofSeconds(20),
        () -> assertEquals(values(handled), expected, "every matching record, once"));
    skald.admin().deleteTopic("orders.us").toCompletableFuture().join();
    Await.until(
        skald.system(),
        Duration.ofSeconds(20),
        () -> assertEquals(Set.of("orders.eu", "orders.apac"), topicsOf(second)));
    expected.addAll(send(skald, "orders.eu", 250, 300));
    Await.until(
        skald.system(), Duration.ofSeconds(20), () -> assertEquals(expected, values(handled)));

    // then nothing was handled twice or out of order, nothing from payments, and the group runs
    assertOnceInKeyOrder(handled);
    assertFalse(second.whenTerminated().toCompletableFuture().isDone(), "the group still runs");
    second.stop().toCompletableFuture().join();

    // and after a restart only new records are delivered, of the topics that still match
    node.close();
    Skald restarted = start();
    ConcurrentLinkedQueue<Handled> again = new ConcurrentLinkedQueue<>();
    Subscription third = subscribe(restarted, "third", again);
    Await.until(
        restarted.system(),
        Duration.ofSeconds(20),
        () -> assertEquals(Set.of("orders.eu", "orders.apac"), topicsOf(third)));
    Set<String> fresh = new HashSet<>(send(restarted, "orders.eu", 300, 350));
    fresh.addAll(send(restarted, "orders.apac", 400, 450));
    Await.until(
        restarted.system(), Duration.ofSeconds(20), () -> assertEquals(fresh, values(again)));
    assertOnceInKeyOrder(again);
    third.stop().toCompletableFuture().join();
  }

  @Test
  void anInvalidPatternIsRefusedAtConfigurationTime() {
    IllegalArgumentException error =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SubscriptionSpec.of("g", Codecs.string(), Codecs.string())
                    .withTopicPattern("orders.("));
    assertTrue(error.getMessage().contains("invalid topic pattern 'orders.('"), error.getMessage());
    IllegalArgumentException none =
        assertThrows(
            IllegalArgumentException.class,
            () -> SubscriptionSpec.of("g", Codecs.string(), Codecs.string()).validate());
    assertTrue(none.getMessage().contains("withTopicPattern"), none.getMessage());
  }

  private static Set<String> values(ConcurrentLinkedQueue<Handled> handled) {
    return handled.stream().map(Handled::value).collect(Collectors.toSet());
  }

  private static void assertOnceInKeyOrder(ConcurrentLinkedQueue<Handled> handled) {
    Set<String> seen = new HashSet<>();
    Map<String, Integer> last = new HashMap<>();
    for (Handled h : handled) {
      assertTrue(seen.add(h.value()), "handled twice: " + h);
      assertTrue(h.topic().startsWith("orders."), "not matched: " + h);
      int index = Integer.parseInt(h.value().substring(h.value().indexOf(':') + 1));
      Integer before = last.put(h.topic() + "/" + h.key(), index);
      assertTrue(before == null || before < index, "out of order: " + h);
    }
  }
}
