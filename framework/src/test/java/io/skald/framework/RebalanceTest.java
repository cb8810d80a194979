package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.RecordMetadata;
import io.skald.framework.testing.Kill;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RebalanceTest {
  private SkaldTestNode node;
  private Skald skald;
  private Producer<String, String> producer;

  record Handled(String member, TopicPartition tp, long offset) {}

  @BeforeEach
  void start() {
    node = SkaldTestNode.start();
    skald = node.skald();
    skald.admin().createTopic(TopicSpec.of("payments", 4)).toCompletableFuture().join();
    producer = skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
  }

  @AfterEach
  void stop() {
    node.close();
    node.deleteDataDir();
  }

  private SubscriptionSpec<String, String> spec() {
    return SubscriptionSpec.of("settlement", Codecs.string(), Codecs.string())
        .withTopics("payments");
  }

  private Subscription acking(String name, ConcurrentLinkedQueue<Handled> log) {
    return skald.subscribe(
        spec(),
        record -> {
          log.add(new Handled(name, record.topicPartition(), record.offset()));
          return CompletableFuture.completedFuture(null);
        });
  }

  private Map<TopicPartition, Set<Long>> produce(int from, int count) {
    List<CompletableFuture<RecordMetadata>> acks = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      acks.add(producer.send("payments", "account-" + (i % 97), "p" + i).toCompletableFuture());
    }
    Map<TopicPartition, Set<Long>> written = new HashMap<>();
    for (CompletableFuture<RecordMetadata> ack : acks) {
      RecordMetadata meta = ack.join();
      written.computeIfAbsent(meta.topicPartition(), tp -> new HashSet<>()).add(meta.offset());
    }
    return written;
  }

  @Test
  void deadMembersUnackedRecordsAreRedeliveredAndLeavingMemberHandsOverWithoutLoss()
      throws Exception {
    // given three members; the victim never acknowledges what it receives
    ConcurrentLinkedQueue<Handled> survivors = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Handled> held = new ConcurrentLinkedQueue<>();
    Subscription steady = acking("steady", survivors);
    Subscription leaver = acking("leaver", survivors);
    Subscription victim =
        skald.subscribe(
            spec(),
            record -> {
              held.add(new Handled("victim", record.topicPartition(), record.offset()));
              return new CompletableFuture<>();
            });
    Await.until(
        skald.system(),
        Duration.ofSeconds(15),
        () -> {
          assertFalse(victim.assignment().isEmpty());
          Set<TopicPartition> all = new HashSet<>(steady.assignment());
          all.addAll(leaver.assignment());
          all.addAll(victim.assignment());
          assertEquals(4, all.size());
        });
    Set<TopicPartition> victimPartitions = victim.assignment();
    Map<TopicPartition, Set<Long>> written = produce(0, 2_000);
    Await.until(
        skald.system(),
        Duration.ofSeconds(15),
        () -> {
          Set<TopicPartition> stuck = new HashSet<>();
          held.forEach(h -> stuck.add(h.tp()));
          assertEquals(victimPartitions, stuck, "the victim holds a record of each partition");
        });

    // when the victim dies without leaving
    Kill.member(skald.system(), victim);

    // then its partitions go to the survivors and every record it held is delivered again
    Await.until(
        skald.system(),
        Duration.ofSeconds(15),
        () -> {
          Set<Handled> redelivered = new HashSet<>();
          survivors.forEach(h -> redelivered.add(new Handled("victim", h.tp(), h.offset())));
          for (Handled h : held) {
            assertTrue(redelivered.contains(h), "redelivered: " + h);
          }
        });

    // when another member leaves gracefully and more records are produced
    leaver.stop().toCompletableFuture().join();
    Map<TopicPartition, Set<Long>> more = produce(2_000, 1_000);
    more.forEach((tp, offsets) -> written.get(tp).addAll(offsets));

    // then the last member owns everything and the survivors handled each record exactly once
    Await.until(
        skald.system(),
        Duration.ofSeconds(15),
        () -> {
          assertEquals(4, steady.assignment().size());
          assertEquals(3_000, survivors.size());
        });
    Map<TopicPartition, Set<Long>> handled = new HashMap<>();
    for (Handled h : survivors) {
      assertTrue(
          handled.computeIfAbsent(h.tp(), tp -> new HashSet<>()).add(h.offset()),
          "handled twice: " + h);
    }
    assertEquals(written, handled, "nothing acknowledged as produced is lost");
    Set<String> workers = new HashSet<>();
    survivors.forEach(h -> workers.add(h.member()));
    assertEquals(Set.of("steady", "leaver"), workers);
    assertTrue(victim.whenTerminated().toCompletableFuture().isDone());
    steady.stop().toCompletableFuture().join();
  }
}
