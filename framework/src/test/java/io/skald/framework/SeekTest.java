package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

class SeekTest {

  @Test
  void aRunningMemberSeeksBackAndReplaysFromThere() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      skald.admin().createTopic(TopicSpec.of("prices", 1)).toCompletableFuture().join();
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      for (int i = 0; i < 100; i++) {
        producer.send("prices", "sku-" + (i % 7), "p" + i).toCompletableFuture().join();
      }
      TopicPartition tp = new TopicPartition("prices", 0);
      ConcurrentLinkedQueue<Long> seen = new ConcurrentLinkedQueue<>();
      Subscription subscription =
          skald.subscribe(
              SubscriptionSpec.of("pricing", Codecs.string(), Codecs.string()).withTopics("prices"),
              r -> {
                seen.add(r.offset());
                return CompletableFuture.completedFuture(null);
              });
      Await.until(skald.system(), Duration.ofSeconds(10), () -> assertEquals(100, seen.size()));

      // when the member seeks back to offset 90
      seen.clear();
      subscription.seek(tp, 90).toCompletableFuture().join();

      // then it replays 90..99 and the group's position ends at the log end again
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () -> {
            assertEquals(
                List.of(90L, 91L, 92L, 93L, 94L, 95L, 96L, 97L, 98L, 99L), List.copyOf(seen));
            assertEquals(
                100L,
                skald.admin().committedOffsets("pricing").toCompletableFuture().join().get(tp));
          });

      // and seeking a partition the member does not own fails
      CompletionException notOwned =
          assertThrows(
              CompletionException.class,
              () ->
                  subscription
                      .seek(new TopicPartition("other", 0), 0)
                      .toCompletableFuture()
                      .join());
      assertInstanceOf(IllegalStateException.class, notOwned.getCause());
      subscription.stop().toCompletableFuture().join();
      node.deleteDataDir();
    }
  }
}
