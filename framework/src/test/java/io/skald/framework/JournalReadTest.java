package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skald.framework.admin.PartitionOffsets;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.RecordMetadata;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Offsets older than the tail cache are located through the sparse index (restored from a snapshot
 * after a restart) and read from the journal.
 */
class JournalReadTest {
  private static final String SMALL_CACHE =
      "skald.framework.partition.tail-cache-bytes = 1\n"
          + "skald.framework.partition.index-interval = 3\n"
          + "skald.framework.partition.snapshot-every = 7\n"
          + "skald.framework.producer.max-in-flight-per-partition = 1\n";

  @Test
  void oldOffsetsAreReadFromTheJournalBeforeAndAfterRestart() {
    Path dataDir = SkaldTestNode.newDataDir();
    Map<Long, String> written = new ConcurrentHashMap<>();
    try {
      // given many small batches in one partition, most of them evicted from the tail cache
      try (SkaldTestNode node = SkaldTestNode.start(dataDir, false, SMALL_CACHE)) {
        Skald skald = node.skald();
        skald.admin().createTopic(TopicSpec.of("history", 1)).toCompletableFuture().join();
        Producer<String, String> producer =
            skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
        for (int round = 0; round < 60; round++) {
          List<CompletableFuture<RecordMetadata>> acks = new ArrayList<>();
          for (int i = 0; i < 25; i++) {
            String value = "r" + round + "-" + i;
            acks.add(
                producer
                    .send("history", "k" + i, value)
                    .toCompletableFuture()
                    .thenApply(
                        meta -> {
                          written.put(meta.offset(), value);
                          return meta;
                        }));
          }
          CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
        }
        // then a new group reads everything from offset 0
        assertEquals(written, readAll(skald, "before-restart"));
      }
      // and after a restart (index restored from a snapshot plus the events after it)
      try (SkaldTestNode node = SkaldTestNode.start(dataDir, false, SMALL_CACHE)) {
        assertEquals(
            new PartitionOffsets(0, written.size()),
            (node.skald()
                    .admin()
                    .partitionOffsets(new TopicPartition("history", 0))
                    .toCompletableFuture()
                    .join())
                .bounds());
        assertEquals(written, readAll(node.skald(), "after-restart"));
      }
    } finally {
      SkaldTestNode.deleteRecursively(dataDir);
    }
  }

  private static Map<Long, String> readAll(Skald skald, String group) {
    Map<Long, String> read = new ConcurrentHashMap<>();
    Subscription subscription =
        skald.subscribe(
            SubscriptionSpec.of(group, Codecs.string(), Codecs.string())
                .withTopics("history")
                .withPrefetch(40),
            record -> {
              read.put(record.offset(), record.value());
              return CompletableFuture.completedFuture(null);
            });
    Await.until(skald.system(), Duration.ofSeconds(20), () -> assertEquals(1_500, read.size()));
    subscription.stop().toCompletableFuture().join();
    return read;
  }
}
