package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.skald.framework.admin.GroupActiveException;
import io.skald.framework.admin.OffsetReset;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.RecordMetadata;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

class ReplayTest {

  @Test
  void seekByTimestampAndGroupResetWithDryRun() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      skald.admin().createTopic(TopicSpec.of("orders", 1)).toCompletableFuture().join();
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      TopicPartition tp = new TopicPartition("orders", 0);

      // given records appended in three moments
      for (int i = 0; i < 5; i++) {
        producer.send("orders", "k", "early-" + i).toCompletableFuture().join();
      }
      long lastEarly =
          producer.send("orders", "k", "early-5").toCompletableFuture().join().timestamp();
      Await.until(
          skald.system(),
          Duration.ofSeconds(5),
          () -> assertEquals(true, System.currentTimeMillis() > lastEarly + 20));
      Instant cut = Instant.now();
      Await.until(
          skald.system(),
          Duration.ofSeconds(5),
          () -> assertEquals(true, Instant.now().isAfter(cut.plusMillis(20))));
      RecordMetadata firstLate =
          producer.send("orders", "k", "late-0").toCompletableFuture().join();
      for (int i = 1; i < 4; i++) {
        producer.send("orders", "k", "late-" + i).toCompletableFuture().join();
      }

      // then seek-by-timestamp finds the first record at or after the time
      assertEquals(
          firstLate.offset(),
          skald.admin().offsetForTimestamp(tp, cut).toCompletableFuture().join());
      assertEquals(
          0L, skald.admin().offsetForTimestamp(tp, Instant.EPOCH).toCompletableFuture().join());
      assertEquals(
          10L,
          skald
              .admin()
              .offsetForTimestamp(tp, Instant.now().plusSeconds(60))
              .toCompletableFuture()
              .join(),
          "no record that recent: the log end");

      // given a group that consumed everything and stopped
      ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
      SubscriptionSpec<String, String> spec =
          SubscriptionSpec.of("reporting", Codecs.string(), Codecs.string()).withTopics("orders");
      Subscription first =
          skald.subscribe(
              spec,
              r -> {
                seen.add(r.value());
                return CompletableFuture.completedFuture(null);
              });
      Await.until(skald.system(), Duration.ofSeconds(10), () -> assertEquals(10, seen.size()));

      // a reset is refused while the group has members
      CompletionException active =
          assertThrows(
              CompletionException.class,
              () ->
                  skald
                      .admin()
                      .resetOffsets("reporting", "orders", OffsetReset.earliest(), false)
                      .toCompletableFuture()
                      .join());
      assertInstanceOf(GroupActiveException.class, active.getCause());
      first.stop().toCompletableFuture().join();

      // a dry run shows the change and changes nothing
      Map<TopicPartition, Long> preview =
          skald
              .admin()
              .resetOffsets("reporting", "orders", OffsetReset.toTimestamp(cut), true)
              .toCompletableFuture()
              .join();
      assertEquals(Map.of(tp, firstLate.offset()), preview);
      assertEquals(
          10L, skald.admin().committedOffsets("reporting").toCompletableFuture().join().get(tp));

      // when the group is reset to the time and started again, it replays from there
      skald
          .admin()
          .resetOffsets("reporting", "orders", OffsetReset.toTimestamp(cut), false)
          .toCompletableFuture()
          .join();
      seen.clear();
      Subscription replay =
          skald.subscribe(
              spec,
              r -> {
                seen.add(r.value());
                return CompletableFuture.completedFuture(null);
              });
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () -> assertEquals(List.of("late-0", "late-1", "late-2", "late-3"), List.copyOf(seen)));
      replay.stop().toCompletableFuture().join();

      // offsets are clamped to the log
      assertEquals(
          Map.of(tp, 10L),
          skald
              .admin()
              .resetOffsets("reporting", "orders", OffsetReset.toOffset(99), true)
              .toCompletableFuture()
              .join());
      node.deleteDataDir();
    }
  }
}
