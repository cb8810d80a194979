package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.StartPosition;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

class StartPositionTest {

  @Test
  void aNewGroupStartsAtTheEarliestOrTheLatestRecord() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      // given three records already in the log
      skald.admin().createTopic(TopicSpec.of("events", 1)).toCompletableFuture().join();
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      for (String v : List.of("old-1", "old-2", "old-3")) {
        producer.send("events", null, v).toCompletableFuture().join();
      }
      ConcurrentLinkedQueue<String> earliest = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<String> latest = new ConcurrentLinkedQueue<>();

      // when one group starts at the earliest and one at the latest record
      skald.subscribe(
          SubscriptionSpec.of("replayers", Codecs.string(), Codecs.string())
              .withTopics("events")
              .withStartPosition(StartPosition.EARLIEST),
          r -> {
            earliest.add(r.value());
            return CompletableFuture.completedFuture(null);
          });
      Subscription tail =
          skald.subscribe(
              SubscriptionSpec.of("tailers", Codecs.string(), Codecs.string())
                  .withTopics("events")
                  .withStartPosition(StartPosition.LATEST),
              r -> {
                latest.add(r.value());
                return CompletableFuture.completedFuture(null);
              });
      // the latest position is resolved and committed before anything new is produced
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () ->
              assertEquals(
                  3L,
                  skald
                      .admin()
                      .committedOffsets("tailers")
                      .toCompletableFuture()
                      .join()
                      .get(new TopicPartition("events", 0))));
      producer.send("events", null, "new-1").toCompletableFuture().join();

      // then
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () -> {
            assertEquals(List.of("old-1", "old-2", "old-3", "new-1"), List.copyOf(earliest));
            assertEquals(List.of("new-1"), List.copyOf(latest));
          });
      tail.stop().toCompletableFuture().join();
      node.deleteDataDir();
    }
  }
}
