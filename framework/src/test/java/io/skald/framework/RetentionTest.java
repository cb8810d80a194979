package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.PartitionOffsets;
import io.skald.framework.admin.Retention;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.Test;

class RetentionTest {
  private static final String CONFIG =
      "skald.framework.partition.index-interval = 1\n"
          + "skald.framework.partition.retention-check-interval = 100ms\n";

  private static PartitionOffsets offsets(Skald skald, String topic) {
    return skald
        .admin()
        .partitionOffsets(new TopicPartition(topic, 0))
        .toCompletableFuture()
        .join();
  }

  /** Sends records in batches of ten, one journal event each (each batch is awaited). */
  private static void produce(Skald skald, String topic, int from, int count) {
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    for (int batch = 0; batch < count / 10; batch++) {
      CompletableFuture<?>[] sends = new CompletableFuture<?>[10];
      for (int i = 0; i < 10; i++) {
        int n = from + batch * 10 + i;
        sends[i] = producer.send(topic, "k", "r" + n).toCompletableFuture();
      }
      CompletableFuture.allOf(sends).join();
    }
  }

  private static List<EventEnvelope> journalEvents(Skald skald, String topic) {
    return PersistenceQuery.get(Adapter.toClassic(skald.system()))
        .getReadJournalFor(
            CurrentEventsByPersistenceIdQuery.class, "skald.framework.persistence.leveldb-query")
        .currentEventsByPersistenceId("skald-partition|" + topic + "~0", 0, Long.MAX_VALUE)
        .runWith(Sink.seq(), skald.system())
        .toCompletableFuture()
        .join();
  }

  private static Map<Long, String> readAll(Skald skald, String topic, String group, int expected) {
    Map<Long, String> read = new ConcurrentHashMap<>();
    Subscription s =
        skald.subscribe(
            SubscriptionSpec.of(group, Codecs.string(), Codecs.string()).withTopics(topic),
            r -> {
              read.put(r.offset(), r.value());
              return CompletableFuture.completedFuture(null);
            });
    Await.until(skald.system(), Duration.ofSeconds(15), () -> assertEquals(expected, read.size()));
    s.stop().toCompletableFuture().join();
    return read;
  }

  @Test
  void retentionByCountDeletesJournalEntriesAndSurvivesRestart() {
    Path dataDir = SkaldTestNode.newDataDir();
    try {
      try (SkaldTestNode node = SkaldTestNode.start(dataDir, false, CONFIG)) {
        Skald skald = node.skald();
        // given a topic that keeps 100 records per partition
        skald
            .admin()
            .createTopic(
                TopicSpec.of("audit", 1).withRetention(Retention.forever().withMaxRecords(100)))
            .toCompletableFuture()
            .join();
        List<EventEnvelope> before = journalEvents(skald, "audit");

        // when 500 records are written
        produce(skald, "audit", 0, 500);

        // then the log starts at 400 and the older journal events are gone from the journal
        Await.until(
            skald.system(),
            Duration.ofSeconds(10),
            () -> {
              assertEquals(new PartitionOffsets(400, 500), offsets(skald, "audit").bounds());
              List<EventEnvelope> events = journalEvents(skald, "audit");
              assertTrue(
                  events.get(0).sequenceNr() > 30, "first event now " + events.get(0).sequenceNr());
            });
        assertTrue(before.isEmpty());
        Map<Long, String> read = readAll(skald, "audit", "auditors", 100);
        assertEquals("r400", read.get(400L));
        assertEquals("r499", read.get(499L));
      }
      // and after a restart the log still starts at 400
      try (SkaldTestNode node = SkaldTestNode.start(dataDir, false, CONFIG)) {
        assertEquals(new PartitionOffsets(400, 500), offsets(node.skald(), "audit").bounds());
        Map<Long, String> read = readAll(node.skald(), "audit", "late-readers", 100);
        assertEquals("r400", read.get(400L));
      }
    } finally {
      SkaldTestNode.deleteRecursively(dataDir);
    }
  }

  @Test
  void retentionByAgeAndBySizeRemoveOldRecords() {
    try (SkaldTestNode node = SkaldTestNode.start(SkaldTestNode.newDataDir(), false, CONFIG)) {
      Skald skald = node.skald();
      // by age: records older than 300 ms go
      skald
          .admin()
          .createTopic(
              TopicSpec.of("sessions", 1)
                  .withRetention(Retention.forever().withMaxAge(Duration.ofMillis(300))))
          .toCompletableFuture()
          .join();
      produce(skald, "sessions", 0, 100);
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () -> {
            // whole events older than the limit go; the newest event is kept (batches are the unit)
            long start = offsets(skald, "sessions").logStartOffset();
            assertTrue(start >= 80 && start < 100, "start " + start);
          });
      produce(skald, "sessions", 100, 50);
      assertTrue(offsets(skald, "sessions").logStartOffset() <= 100, "fresh records are kept");

      // by size: at most about 2 KB of payload
      skald
          .admin()
          .createTopic(
              TopicSpec.of("thumbnails", 1).withRetention(Retention.forever().withMaxBytes(2_000)))
          .toCompletableFuture()
          .join();
      produce(skald, "thumbnails", 0, 500);
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () -> {
            PartitionOffsets bounds = offsets(skald, "thumbnails");
            assertTrue(bounds.logStartOffset() > 200, "start " + bounds.logStartOffset());
            // records "r200".."r499" with key "k" take 8 bytes each: at least the limit stays,
            // and less than one more indexed event (index-interval 1: 10 records, 80 bytes)
            assertTrue(bounds.sizeBytes() >= 2_000, "kept " + bounds.sizeBytes() + " bytes");
            assertTrue(bounds.sizeBytes() < 2_000 + 80, "kept " + bounds.sizeBytes() + " bytes");
          });
      node.deleteDataDir();
    }
  }

  @Test
  void aSizeLimitKeepsAtLeastItsBytesOfLargeRecords() {
    // the default index (an entry every 16 events or 64 KiB) and 10 KB records, one event each:
    // the cut once left 3-8 records under a 100,000-byte limit
    try (SkaldTestNode node =
        SkaldTestNode.start(
            SkaldTestNode.newDataDir(),
            false,
            "skald.framework.partition.retention-check-interval = 100ms\n")) {
      Skald skald = node.skald();
      skald
          .admin()
          .createTopic(
              TopicSpec.of("images", 1).withRetention(Retention.forever().withMaxBytes(100_000)))
          .toCompletableFuture()
          .join();
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      String image = "x".repeat(10_000);
      for (int i = 0; i < 60; i++) {
        producer.send("images", "k" + i, image).toCompletableFuture().join();
      }
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () -> assertTrue(offsets(skald, "images").logStartOffset() > 0, "retention ran"));
      PartitionOffsets bounds = offsets(skald, "images");
      assertTrue(bounds.sizeBytes() >= 100_000, "kept " + bounds.sizeBytes() + " bytes");
      assertTrue(
          bounds.logEndOffset() - bounds.logStartOffset() >= 10,
          "kept " + (bounds.logEndOffset() - bounds.logStartOffset()) + " records");
      // and no more than one index interval (64 KiB) and a record beyond it
      assertTrue(bounds.sizeBytes() < 100_000 + 65_536 + 10_100, "kept " + bounds.sizeBytes());
      node.deleteDataDir();
    }
  }
}
