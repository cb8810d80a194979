package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.DeliveryMode;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.testing.ExactlyOnceNodeMain;
import io.skald.framework.testing.Kill;
import io.skald.testkit.AccountEntity;
import io.skald.testkit.Await;
import io.skald.testkit.ForkedJvm;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DeliveryGuaranteesTest {

  @Test
  void aCrashBetweenHandlingAndCommitRedeliversButTheInboxAppliesEachEffectOnce() throws Exception {
    // given a process that applied 50 deposits but never committed, killed with SIGKILL
    Path dataDir = SkaldTestNode.newDataDir();
    try (ForkedJvm child = ForkedJvm.start(ExactlyOnceNodeMain.class, dataDir, "256m")) {
      child.awaitLine("APPLIED"::equals, 90);
      child.kill();
    }

    // when the group restarts
    try (SkaldTestNode node = SkaldTestNode.start(dataDir, true, "")) {
      Skald skald = node.skald();
      AccountEntity.init(skald);
      AtomicInteger deliveries = new AtomicInteger();
      Subscription ledger =
          skald.subscribe(
              SubscriptionSpec.of("ledger", Codecs.string(), Codecs.string())
                  .withTopics("deposits"),
              record -> {
                deliveries.incrementAndGet();
                return ExactlyOnceNodeMain.credit(
                    skald, record.key(), record.messageId(), Long.parseLong(record.value()));
              });

      // then at-least-once delivered every deposit again...
      Await.until(
          skald.system(),
          Duration.ofSeconds(30),
          () -> {
            assertEquals(ExactlyOnceNodeMain.DEPOSITS, deliveries.get());
            assertEquals(
                (long) ExactlyOnceNodeMain.DEPOSITS,
                skald
                    .admin()
                    .committedOffsets("ledger")
                    .toCompletableFuture()
                    .join()
                    .get(new TopicPartition("deposits", 0)));
          });
      // ...but each effect was applied once
      AccountEntity.Account account =
          AccountEntity.ref(skald.system(), "acct-1")
              .<AccountEntity.Account>ask(AccountEntity.GetAccount::new, Duration.ofSeconds(5))
              .toCompletableFuture()
              .join();
      assertEquals(ExactlyOnceNodeMain.DEPOSITS, account.balance());
      assertEquals(ExactlyOnceNodeMain.DEPOSITS, account.effects());
      ledger.stop().toCompletableFuture().join();
    } finally {
      SkaldTestNode.deleteRecursively(dataDir);
    }
  }

  @Test
  void atMostOnceNeverRedeliversWhatTheDeadMemberWasGiven() throws Exception {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      skald.admin().createTopic(TopicSpec.of("metrics", 1)).toCompletableFuture().join();
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      for (int i = 0; i < 20; i++) {
        producer.send("metrics", "cpu", "m" + i).toCompletableFuture().join();
      }
      SubscriptionSpec<String, String> spec =
          SubscriptionSpec.of("dashboards", Codecs.string(), Codecs.string())
              .withTopics("metrics")
              .withDeliveryMode(DeliveryMode.AT_MOST_ONCE);

      // given a member that is handed the first record and never finishes it
      ConcurrentLinkedQueue<Long> first = new ConcurrentLinkedQueue<>();
      Subscription doomed =
          skald.subscribe(
              spec,
              record -> {
                first.add(record.offset());
                return new CompletableFuture<>();
              });
      Await.until(skald.system(), Duration.ofSeconds(10), () -> assertFalse(first.isEmpty()));
      // the commit already covers everything that member fetched
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () ->
              assertEquals(
                  20L,
                  skald
                      .admin()
                      .committedOffsets("dashboards")
                      .toCompletableFuture()
                      .join()
                      .get(new TopicPartition("metrics", 0))));

      // when it dies and another member takes over
      Kill.member(skald.system(), doomed);
      Set<Long> second = ConcurrentHashMap.newKeySet();
      Subscription survivor =
          skald.subscribe(
              spec,
              record -> {
                second.add(record.offset());
                return CompletableFuture.completedFuture(null);
              });
      for (int i = 20; i < 25; i++) {
        producer.send("metrics", "cpu", "m" + i).toCompletableFuture().join();
      }

      // then nothing the dead member was given is delivered again, and new records flow
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () -> assertEquals(Set.of(20L, 21L, 22L, 23L, 24L), second));
      Set<Long> overlap = new HashSet<>(first);
      overlap.retainAll(second);
      assertTrue(overlap.isEmpty());
      survivor.stop().toCompletableFuture().join();
      node.deleteDataDir();
    }
  }
}
