package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.PartitionLag;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.consumer.RecordFilter;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Server-side filtered subscriptions on a real node: only matching records reach the handler, the
 * others advance the committed position, across a rebalance and a restart.
 */
class FilteredSubscriptionTest {
  private static final String[] REGIONS = {"eu", "us", "apac"};
  private static final RecordFilter EU_NOT_TEST =
      RecordFilter.parse("key like 'order.*.eu' and not header('tier') = 'test'");

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

  /** Sends records i in [from, to): key order.<i % 50>.<region>, every 7th tagged tier=test. */
  private static Set<String> produce(Skald skald, int from, int to) {
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    List<CompletableFuture<?>> acks = new ArrayList<>();
    Set<String> matching = new HashSet<>();
    for (int i = from; i < to; i++) {
      String key = "order." + (i % 50) + "." + REGIONS[i % 3];
      Map<String, String> headers = i % 7 == 0 ? Map.of("tier", "test") : Map.of();
      acks.add(producer.send("orders", key, "v" + i, headers).toCompletableFuture());
      if (EU_NOT_TEST.matches(key, headers)) {
        matching.add("v" + i);
      }
    }
    acks.forEach(CompletableFuture::join);
    return matching;
  }

  record Handled(String member, String key, String value, int index) {}

  private static Subscription subscribe(
      Skald skald, String member, ConcurrentLinkedQueue<Handled> log) {
    return skald.subscribe(
        SubscriptionSpec.of("eu-billing", Codecs.string(), Codecs.string())
            .withTopics("orders")
            .withFilter(EU_NOT_TEST),
        (ConsumerRecord<String, String> record) -> {
          log.add(
              new Handled(
                  member,
                  record.key(),
                  record.value(),
                  Integer.parseInt(record.value().substring(1))));
          return CompletableFuture.completedFuture(null);
        });
  }

  private static void assertCaughtUp(Skald skald) {
    List<PartitionLag> lag = skald.admin().lag("eu-billing", "orders").toCompletableFuture().join();
    for (PartitionLag partition : lag) {
      assertEquals(
          partition.logEndOffset(),
          partition.committedOffset(),
          "records filtered out advance the committed position: " + partition);
    }
  }

  @Test
  void onlyMatchingRecordsAreHandledAcrossARebalanceAndARestart() throws Exception {
    final Skald skald = start();
    skald.admin().createTopic(TopicSpec.of("orders", 4)).toCompletableFuture().join();
    ConcurrentLinkedQueue<Handled> handled = new ConcurrentLinkedQueue<>();

    // given a first member reading while records arrive
    Subscription first = subscribe(skald, "first", handled);
    Set<String> expected = new HashSet<>(produce(skald, 0, 1_500));
    Await.until(skald.system(), Duration.ofSeconds(20), () -> assertFalse(handled.isEmpty()));

    // when a second member joins, more records arrive, and the first one leaves
    Subscription second = subscribe(skald, "second", handled);
    expected.addAll(produce(skald, 1_500, 3_000));
    Await.until(
        skald.system(),
        Duration.ofSeconds(20),
        () -> assertTrue(handled.stream().anyMatch(h -> h.member().equals("second"))));
    first.stop().toCompletableFuture().join();
    expected.addAll(produce(skald, 3_000, 4_000));
    Await.until(
        skald.system(),
        Duration.ofSeconds(30),
        () -> {
          assertEquals(expected.size(), handled.size());
          assertCaughtUp(skald);
        });

    // then each matching record was handled once, in per-key order, and nothing else was
    assertHandledOnceInKeyOrder(handled, expected);
    second.stop().toCompletableFuture().join();

    // and after a restart, only new matching records are delivered
    node.close();
    Skald restarted = start();
    ConcurrentLinkedQueue<Handled> afterRestart = new ConcurrentLinkedQueue<>();
    Subscription again = subscribe(restarted, "again", afterRestart);
    Set<String> fresh = produce(restarted, 4_000, 4_600);
    Await.until(
        restarted.system(),
        Duration.ofSeconds(30),
        () -> {
          assertEquals(fresh.size(), afterRestart.size());
          assertCaughtUp(restarted);
        });
    assertHandledOnceInKeyOrder(afterRestart, fresh);
    again.stop().toCompletableFuture().join();

    // and a new group reading from the start after the restart is served from the journal
    ConcurrentLinkedQueue<Handled> audit = new ConcurrentLinkedQueue<>();
    Subscription auditor =
        restarted.subscribe(
            SubscriptionSpec.of("eu-audit", Codecs.string(), Codecs.string())
                .withTopics("orders")
                .withFilter(EU_NOT_TEST.expression()),
            (ConsumerRecord<String, String> record) -> {
              audit.add(
                  new Handled(
                      "audit",
                      record.key(),
                      record.value(),
                      Integer.parseInt(record.value().substring(1))));
              return CompletableFuture.completedFuture(null);
            });
    expected.addAll(fresh);
    Await.until(
        restarted.system(),
        Duration.ofSeconds(30),
        () -> assertEquals(expected.size(), audit.size()));
    assertHandledOnceInKeyOrder(audit, expected);
    auditor.stop().toCompletableFuture().join();
  }

  @Test
  void aFilterThatMatchesNothingStillMovesTheGroupToTheLogEnd() throws Exception {
    Skald skald = start();
    skald.admin().createTopic(TopicSpec.of("orders", 2)).toCompletableFuture().join();
    ConcurrentLinkedQueue<Handled> handled = new ConcurrentLinkedQueue<>();
    Subscription none =
        skald.subscribe(
            SubscriptionSpec.of("eu-billing", Codecs.string(), Codecs.string())
                .withTopics("orders")
                .withFilter("header('never') exists"),
            record -> {
              handled.add(new Handled("none", record.key(), record.value(), 0));
              return CompletableFuture.completedFuture(null);
            });
    produce(skald, 0, 2_000);
    Await.until(skald.system(), Duration.ofSeconds(20), () -> assertCaughtUp(skald));
    assertEquals(0, handled.size());
    none.stop().toCompletableFuture().join();
  }

  @Test
  void aTopicExchangeIsATopicReadByFilteredGroups() throws Exception {
    Skald skald = start();
    ConcurrentLinkedQueue<String> euQueue = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> paidQueue = new ConcurrentLinkedQueue<>();
    // #pattern-topic-exchange
    // RabbitMQ: a topic exchange "events" with two queues bound by routing-key patterns.
    // Skald: one topic; each "queue" is a group whose filter is its binding.
    skald.admin().createTopic(TopicSpec.of("events", 4)).toCompletableFuture().join();
    Subscription eu =
        skald.subscribe(
            SubscriptionSpec.of("eu-orders", Codecs.string(), Codecs.string())
                .withTopics("events")
                .withFilter("key like 'order.*.eu'"),
            record -> {
              euQueue.add(record.key());
              return CompletableFuture.completedFuture(null);
            });
    Subscription paid =
        skald.subscribe(
            SubscriptionSpec.of("paid-anywhere", Codecs.string(), Codecs.string())
                .withTopics("events")
                .withFilter("key like 'order.paid.#' or header('status') = 'paid'"),
            record -> {
              paidQueue.add(record.key());
              return CompletableFuture.completedFuture(null);
            });
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    producer.send("events", "order.paid.eu", "{...}").toCompletableFuture().join();
    producer.send("events", "order.shipped.us", "{...}").toCompletableFuture().join();
    producer
        .send("events", "invoice.42", "{...}", Map.of("status", "paid"))
        .toCompletableFuture()
        .join();
    // #pattern-topic-exchange
    Await.until(
        skald.system(),
        Duration.ofSeconds(15),
        () -> {
          assertEquals(List.of("order.paid.eu"), List.copyOf(euQueue));
          assertEquals(Set.of("order.paid.eu", "invoice.42"), Set.copyOf(paidQueue));
        });
    eu.stop().toCompletableFuture().join();
    paid.stop().toCompletableFuture().join();
  }

  private static void assertHandledOnceInKeyOrder(
      ConcurrentLinkedQueue<Handled> handled, Set<String> expected) {
    Set<String> values = new HashSet<>();
    Map<String, Integer> lastIndexPerKey = new HashMap<>();
    for (Handled h : handled) {
      assertTrue(values.add(h.value()), "handled twice: " + h);
      assertTrue(EU_NOT_TEST.matches(h.key(), Map.of()), "filtered out but delivered: " + h);
      Integer last = lastIndexPerKey.put(h.key(), h.index());
      assertTrue(last == null || last < h.index(), "out of order for " + h.key() + ": " + h);
    }
    assertEquals(expected, values);
  }
}
