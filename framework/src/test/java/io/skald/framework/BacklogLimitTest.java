package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.skald.framework.admin.BacklogLimit;
import io.skald.framework.admin.PartitionOffsets;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.BackpressureException;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;

class BacklogLimitTest {
  private static final String CONFIG = "skald.framework.group.position-report-interval = 100ms";

  /** A member and what releases the records it holds. */
  private record Held(Subscription subscription, Runnable release) {
    void stop() {
      release.run();
      subscription.stop().toCompletableFuture().join();
    }
  }

  /** A group whose handler holds records until released. */
  private static Held holdingGroup(Skald skald, String group, String topic) {
    AtomicBoolean released = new AtomicBoolean();
    ConcurrentLinkedQueue<CompletableFuture<Void>> held = new ConcurrentLinkedQueue<>();
    Subscription subscription =
        skald.subscribe(
            SubscriptionSpec.of(group, Codecs.string(), Codecs.string()).withTopics(topic),
            record -> {
              if (released.get()) {
                return CompletableFuture.completedFuture(null);
              }
              CompletableFuture<Void> ack = new CompletableFuture<>();
              held.add(ack);
              if (released.get()) {
                ack.complete(null);
              }
              return ack;
            });
    // the group's position is committed and reported (three report intervals)
    Await.until(
        skald.system(),
        Duration.ofSeconds(10),
        () ->
            assertEquals(
                0L,
                skald
                    .admin()
                    .committedOffsets(group)
                    .toCompletableFuture()
                    .join()
                    .get(new TopicPartition(topic, 0))));
    TestProbe.create(skald.system()).expectNoMessage(Duration.ofMillis(300));
    return new Held(
        subscription,
        () -> {
          released.set(true);
          held.forEach(f -> f.complete(null));
        });
  }

  @Test
  void rejectNewRefusesRecordsAtTheLimitAndAcceptsThemAgainOnceConsumersCatchUp() {
    try (SkaldTestNode node = SkaldTestNode.start(SkaldTestNode.newDataDir(), false, CONFIG)) {
      Skald skald = node.skald();
      skald
          .admin()
          .createTopic(
              TopicSpec.of("jobs", 1)
                  .withBacklogLimit(new BacklogLimit(50, BacklogLimit.OverflowPolicy.REJECT_NEW)))
          .toCompletableFuture()
          .join();
      Held workers = holdingGroup(skald, "workers", "jobs");
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));

      // 50 unconsumed records fit; the 51st is refused with a typed error
      for (int i = 0; i < 50; i++) {
        producer.send("jobs", "k", "job-" + i).toCompletableFuture().join();
      }
      CompletionException full =
          assertThrows(
              CompletionException.class,
              () -> producer.send("jobs", "k", "job-50").toCompletableFuture().join());
      assertEquals(
          BackpressureException.Limit.PARTITION_BACKLOG,
          assertInstanceOf(BackpressureException.class, full.getCause()).limit());

      // once the group catches up, the producer succeeds again
      workers.release().run();
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () -> producer.send("jobs", "k", "job-again").toCompletableFuture().join());
      workers.stop();
      node.deleteDataDir();
    }
  }

  @Test
  void dropOldestKeepsTheNewestRecordsWithinTheLimit() {
    try (SkaldTestNode node = SkaldTestNode.start(SkaldTestNode.newDataDir(), false, CONFIG)) {
      Skald skald = node.skald();
      skald
          .admin()
          .createTopic(
              TopicSpec.of("ticks", 1)
                  .withBacklogLimit(new BacklogLimit(20, BacklogLimit.OverflowPolicy.DROP_OLDEST)))
          .toCompletableFuture()
          .join();
      Held charts = holdingGroup(skald, "charts", "ticks");
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      for (int i = 0; i < 100; i++) {
        producer.send("ticks", "k", "t" + i).toCompletableFuture().join();
      }
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () ->
              assertEquals(
                  new PartitionOffsets(80, 100),
                  skald
                      .admin()
                      .partitionOffsets(new TopicPartition("ticks", 0))
                      .toCompletableFuture()
                      .join()
                      .bounds()));
      charts.stop();
      node.deleteDataDir();
    }
  }
}
