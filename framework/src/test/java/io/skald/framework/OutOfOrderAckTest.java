package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class OutOfOrderAckTest {

  private static long committed(Skald skald) {
    return skald
        .admin()
        .committedOffsets("ledger")
        .toCompletableFuture()
        .join()
        .getOrDefault(new TopicPartition("entries", 0), -1L);
  }

  @Test
  void acksCompleteOutOfOrderButTheCommitNeverPassesAnUnfinishedRecord() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      skald.admin().createTopic(TopicSpec.of("entries", 1)).toCompletableFuture().join();
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      for (int i = 0; i < 4; i++) {
        producer.send("entries", "key-" + i, "e" + i).toCompletableFuture().join();
      }

      // given four records of different keys in the handler at once, none acknowledged
      Map<Long, CompletableFuture<Void>> acks = new ConcurrentHashMap<>();
      Subscription subscription =
          skald.subscribe(
              SubscriptionSpec.of("ledger", Codecs.string(), Codecs.string())
                  .withTopics("entries")
                  .withParallelism(4),
              record -> acks.computeIfAbsent(record.offset(), o -> new CompletableFuture<>()));
      Await.until(skald.system(), Duration.ofSeconds(10), () -> assertEquals(4, acks.size()));
      Await.until(skald.system(), Duration.ofSeconds(10), () -> assertEquals(0L, committed(skald)));

      // when they are acknowledged in reverse order, the commit waits for the lowest
      acks.get(3L).complete(null);
      acks.get(2L).complete(null);
      acks.get(1L).complete(null);
      // five commit intervals (100 ms each in tests) pass without the commit moving
      org.apache.pekko.actor.testkit.typed.javadsl.TestProbe.create(skald.system())
          .expectNoMessage(Duration.ofMillis(500));
      assertEquals(0L, committed(skald), "offset 0 is unfinished: nothing passes it");
      // then acknowledging offset 0 releases them all at once
      acks.get(0L).complete(null);
      Await.until(skald.system(), Duration.ofSeconds(10), () -> assertEquals(4L, committed(skald)));
      subscription.stop().toCompletableFuture().join();
      node.deleteDataDir();
    }
  }
}
