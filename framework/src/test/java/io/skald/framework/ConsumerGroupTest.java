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

class ConsumerGroupTest {
  private static final int RECORDS = 10_000;
  private static final int KEYS = 200;

  private SkaldTestNode node;
  private Skald skald;

  record Handled(String member, TopicPartition tp, long offset, String key, int sequence) {}

  @BeforeEach
  void start() {
    node = SkaldTestNode.start();
    skald = node.skald();
  }

  @AfterEach
  void stop() {
    node.close();
    node.deleteDataDir();
  }

  private Subscription member(String group, String name, ConcurrentLinkedQueue<Handled> log) {
    return skald.subscribe(
        SubscriptionSpec.of(group, Codecs.string(), Codecs.string())
            .withTopics("orders")
            .withParallelism(4),
        record -> {
          log.add(
              new Handled(
                  name,
                  record.topicPartition(),
                  record.offset(),
                  record.key(),
                  Integer.parseInt(record.value())));
          return CompletableFuture.completedFuture(null);
        });
  }

  private void joinAndAwaitPartitions(List<Subscription> members, Subscription joining) {
    members.add(joining);
    Await.until(
        skald.system(),
        Duration.ofSeconds(20),
        () -> assertFalse(joining.assignment().isEmpty(), "partitions assigned to the new member"));
  }

  @Test
  void groupSharesPartitionsExactlyOnceWhileEveryGroupGetsEveryRecordInKeyOrder() {
    // given a topic of 4 partitions, group A with 3 members (joining while records flow) and group
    // B
    // with 1
    skald.admin().createTopic(TopicSpec.of("orders", 4)).toCompletableFuture().join();
    ConcurrentLinkedQueue<Handled> groupA = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Handled> groupB = new ConcurrentLinkedQueue<>();
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    List<Subscription> members = new ArrayList<>();
    members.add(member("group-a", "a1", groupA));
    members.add(member("group-b", "b1", groupB));

    // when 10,000 keyed records are produced, the other two members of A joining halfway
    Map<String, Integer> nextSequence = new HashMap<>();
    List<CompletableFuture<RecordMetadata>> acks = new ArrayList<>();
    for (int i = 0; i < RECORDS; i++) {
      String key = "customer-" + (i % KEYS);
      int sequence = nextSequence.merge(key, 1, Integer::sum);
      acks.add(producer.send("orders", key, Integer.toString(sequence)).toCompletableFuture());
      // Each joining member gets its partitions before production goes on (and a2 has handled
      // something before a3 joins), so the records after a join are certainly shared: with
      // asynchronous sends, the old members could otherwise consume everything before a rebalance.
      if (i == RECORDS / 4) {
        joinAndAwaitPartitions(members, member("group-a", "a2", groupA));
      }
      if (i == RECORDS / 2) {
        Await.until(
            skald.system(),
            Duration.ofSeconds(20),
            () -> assertTrue(groupA.stream().anyMatch(h -> h.member().equals("a2")), "a2 works"));
        joinAndAwaitPartitions(members, member("group-a", "a3", groupA));
      }
    }
    CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();

    // then
    Await.until(
        skald.system(),
        // below the 30 s rebalance timeout: a partition that is not released promptly fails this
        Duration.ofSeconds(20),
        () -> {
          assertEquals(RECORDS, groupA.size());
          assertEquals(RECORDS, groupB.size());
        });
    assertExactlyOnce(groupA);
    assertExactlyOnce(groupB);
    assertKeyOrder(groupA);
    assertKeyOrder(groupB);
    Set<String> membersThatWorked = new HashSet<>();
    groupA.forEach(h -> membersThatWorked.add(h.member()));
    assertEquals(Set.of("a1", "a2", "a3"), membersThatWorked, "the group shared the work");
    Await.until(
        skald.system(),
        Duration.ofSeconds(10),
        () -> {
          Set<TopicPartition> owned = new HashSet<>();
          int total = 0;
          for (Subscription s : members.subList(0, 1)) {
            total += s.assignment().size();
          }
          for (Subscription s : members) {
            if (s.group().equals("group-a")) {
              owned.addAll(s.assignment());
            }
          }
          assertEquals(4, owned.size(), "every partition is owned in group A");
          assertTrue(total >= 1);
        });
    long committed =
        skald.admin().committedOffsets("group-a").toCompletableFuture().join().values().stream()
            .mapToLong(Long::longValue)
            .sum();
    assertTrue(committed <= RECORDS);
    members.forEach(s -> s.stop().toCompletableFuture().join());
    Await.until(
        skald.system(),
        Duration.ofSeconds(10),
        () -> {
          long sum =
              skald
                  .admin()
                  .committedOffsets("group-b")
                  .toCompletableFuture()
                  .join()
                  .values()
                  .stream()
                  .mapToLong(Long::longValue)
                  .sum();
          assertEquals(RECORDS, sum, "group B committed everything");
        });
  }

  private static void assertExactlyOnce(ConcurrentLinkedQueue<Handled> log) {
    Map<TopicPartition, Set<Long>> offsets = new HashMap<>();
    for (Handled h : log) {
      assertTrue(
          offsets.computeIfAbsent(h.tp(), tp -> new HashSet<>()).add(h.offset()),
          "handled twice: " + h);
    }
    long total = 0;
    for (Map.Entry<TopicPartition, Set<Long>> e : offsets.entrySet()) {
      int size = e.getValue().size();
      for (long o = 0; o < size; o++) {
        assertTrue(
            e.getValue().contains(o),
            "gap at "
                + e.getKey()
                + "@"
                + o
                + " of "
                + size
                + ", max "
                + e.getValue().stream().mapToLong(Long::longValue).max().orElse(-1));
      }
      total += size;
    }
    assertEquals(RECORDS, total);
  }

  private static void assertKeyOrder(ConcurrentLinkedQueue<Handled> log) {
    Map<String, Integer> last = new HashMap<>();
    for (Handled h : log) {
      int previous = last.getOrDefault(h.key(), 0);
      assertEquals(previous + 1, h.sequence(), "key " + h.key() + " out of order at " + h);
      last.put(h.key(), h.sequence());
    }
  }
}
