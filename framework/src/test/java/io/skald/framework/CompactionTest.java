package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.Compaction;
import io.skald.framework.admin.InvalidTopicException;
import io.skald.framework.admin.PartitionOffsets;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.StartPosition;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.internal.log.RecordBatch;
import io.skald.framework.producer.InvalidRecordException;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.RecordMetadata;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.Test;

class CompactionTest {
  private static final String TOPIC = "prices";

  /** A record as a consumer saw it. */
  private record Seen(long offset, String key, String value) {}

  private static Producer<String, String> producer(Skald skald) {
    return skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
  }

  /** Sends one version of every key, awaited, and returns each key's offset. */
  private static Map<String, Long> round(Producer<String, String> producer, int version) {
    Map<String, CompletableFuture<RecordMetadata>> sends = new HashMap<>();
    for (int k = 0; k < 10; k++) {
      sends.put("k" + k, producer.send(TOPIC, "k" + k, "v" + version).toCompletableFuture());
    }
    Map<String, Long> offsets = new HashMap<>();
    sends.forEach((key, send) -> offsets.put(key, send.join().offset()));
    return offsets;
  }

  private static long tombstone(Producer<String, String> producer, String key) {
    return producer.sendTombstone(TOPIC, key).toCompletableFuture().join().offset();
  }

  /** Reads the whole partition from the start with a new group, until its lag is zero. */
  private static List<Seen> readAll(Skald skald, String group) {
    Map<Long, Seen> seen = new ConcurrentHashMap<>();
    Subscription s =
        skald.subscribe(
            SubscriptionSpec.of(group, Codecs.string(), Codecs.string())
                .withTopics(TOPIC)
                .withStartPosition(StartPosition.EARLIEST),
            r -> {
              seen.put(r.offset(), new Seen(r.offset(), r.key(), r.value()));
              return CompletableFuture.completedFuture(null);
            });
    Await.until(
        skald.system(),
        Duration.ofSeconds(20),
        () ->
            assertEquals(
                0, skald.admin().lag(group, TOPIC).toCompletableFuture().join().get(0).lag()));
    s.stop().toCompletableFuture().join();
    List<Seen> ordered = new ArrayList<>(seen.values());
    ordered.sort((a, b) -> Long.compare(a.offset(), b.offset()));
    return ordered;
  }

  private static List<RecordBatch> journal(Skald skald) {
    return PersistenceQuery.get(Adapter.toClassic(skald.system()))
        .getReadJournalFor(
            CurrentEventsByPersistenceIdQuery.class, "skald.framework.persistence.leveldb-query")
        .currentEventsByPersistenceId("skald-partition|" + TOPIC + "~0", 0, Long.MAX_VALUE)
        .map(EventEnvelope::event)
        .filter(e -> e instanceof RecordBatch)
        .map(e -> (RecordBatch) e)
        .runWith(Sink.seq(), skald.system())
        .toCompletableFuture()
        .join();
  }

  @Test
  void compactionKeepsTheLatestValuePerKeyAndDropsTombstonedKeys() {
    Path dataDir = SkaldTestNode.newDataDir();
    try {
      Map<String, Long> latest;
      long end;
      try (SkaldTestNode node = SkaldTestNode.start(dataDir, false, "")) {
        Skald skald = node.skald();
        // given a compacted topic whose tombstones go at the next compaction
        skald
            .admin()
            .createTopic(
                TopicSpec.of(TOPIC, 1)
                    .withCompaction(
                        Compaction.latestPerKey()
                            .withTombstoneRetention(Duration.ZERO)
                            .withMinDirtyRecords(1_000_000)))
            .toCompletableFuture()
            .join();
        Producer<String, String> producer = producer(skald);
        // and five versions of ten keys, then tombstones for k3 and k7
        latest = new HashMap<>();
        for (int version = 0; version < 5; version++) {
          latest.putAll(round(producer, version));
        }
        long tombstone3 = tombstone(producer, "k3");
        tombstone(producer, "k7");
        end = tombstone3 + 2;

        // before compaction a reader sees every record, tombstones as null values
        List<Seen> before = readAll(skald, "before");
        assertEquals(52, before.size());
        assertEquals(new Seen(tombstone3, "k3", null), before.get(50));

        // when the topic is compacted
        skald.admin().compact(TOPIC).toCompletableFuture().join();

        // then a reader from the start sees the latest value of every live key, at its offset
        List<Seen> after = readAll(skald, "after");
        List<Seen> expected = new ArrayList<>();
        for (int k = 0; k < 10; k++) {
          if (k != 3 && k != 7) {
            expected.add(new Seen(latest.get("k" + k), "k" + k, "v4"));
          }
        }
        expected.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        assertEquals(expected, after);
        // and the offsets are unchanged: the log still ends where it ended
        assertEquals(
            new PartitionOffsets(0, end),
            (skald
                    .admin()
                    .partitionOffsets(new TopicPartition(TOPIC, 0))
                    .toCompletableFuture()
                    .join())
                .bounds());
        // and the superseded journal events are deleted, not hidden
        Await.until(
            skald.system(),
            Duration.ofSeconds(10),
            () -> {
              List<RecordBatch> events = journal(skald);
              assertTrue(
                  events.stream().allMatch(b -> b.compacted() != null),
                  "only compacted chunks remain: " + events.size() + " events");
              assertEquals(8, events.stream().mapToInt(RecordBatch::count).sum());
            });

        // when k0 gets a new value and k1 a tombstone, and the topic is compacted again
        latest.put("k0", producer.send(TOPIC, "k0", "v5").toCompletableFuture().join().offset());
        tombstone(producer, "k1");
        end += 2;
        skald.admin().compact(TOPIC).toCompletableFuture().join();
      }

      // then after a restart the second compaction holds: k0 is new, k1 is gone
      try (SkaldTestNode node = SkaldTestNode.start(dataDir, false, "")) {
        Skald skald = node.skald();
        List<Seen> after = readAll(skald, "after-restart");
        List<Seen> expected = new ArrayList<>();
        for (int k = 0; k < 10; k++) {
          if (k != 1 && k != 3 && k != 7) {
            expected.add(new Seen(latest.get("k" + k), "k" + k, k == 0 ? "v5" : "v4"));
          }
        }
        expected.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        assertEquals(expected, after);
        assertEquals(
            end,
            skald
                .admin()
                .partitionOffsets(new TopicPartition(TOPIC, 0))
                .toCompletableFuture()
                .join()
                .logEndOffset());
        // and new records follow the compacted ones
        producer(skald).send(TOPIC, "k9", "v6").toCompletableFuture().join();
        assertEquals(List.of(new Seen(end, "k9", "v6")), readAll(skald, "after-restart"));
      }
    } finally {
      SkaldTestNode.deleteRecursively(dataDir);
    }
  }

  @Test
  void aCompactedTopicCompactsByItselfAfterEnoughNewRecords() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      skald
          .admin()
          .createTopic(
              TopicSpec.of(TOPIC, 1)
                  .withCompaction(Compaction.latestPerKey().withMinDirtyRecords(50)))
          .toCompletableFuture()
          .join();
      Producer<String, String> producer = producer(skald);
      for (int version = 0; version < 20; version++) {
        round(producer, version);
      }
      // 200 records of 10 keys: compactions ran on their own and kept few records
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () -> {
            List<RecordBatch> events = journal(skald);
            assertTrue(events.stream().anyMatch(b -> b.compacted() != null), "compacted");
            assertTrue(
                events.stream().mapToInt(RecordBatch::count).sum() < 120,
                "records in the journal: " + events.stream().mapToInt(RecordBatch::count).sum());
          });
      List<Seen> all = readAll(skald, "readers");
      Map<String, String> values = new HashMap<>();
      all.forEach(seen -> values.put(seen.key(), seen.value()));
      for (int k = 0; k < 10; k++) {
        assertEquals("v19", values.get("k" + k));
      }
    }
  }

  @Test
  void compactedTopicsRefuseKeylessRecordsAndOthersRefuseCompact() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      skald
          .admin()
          .createTopic(TopicSpec.of(TOPIC, 2).withCompaction(Compaction.latestPerKey()))
          .toCompletableFuture()
          .join();
      skald.admin().createTopic(TopicSpec.of("plain", 1)).toCompletableFuture().join();
      Producer<String, String> producer = producer(skald);

      CompletionException keyless =
          assertThrows(
              CompletionException.class,
              () -> producer.send(TOPIC, null, "v").toCompletableFuture().join());
      assertInstanceOf(InvalidRecordException.class, keyless.getCause());
      assertTrue(keyless.getCause().getMessage().contains("compacted"));

      CompletionException nullValue =
          assertThrows(
              CompletionException.class,
              () -> producer.send(TOPIC, "k", null).toCompletableFuture().join());
      assertTrue(nullValue.getCause().getMessage().contains("sendTombstone"));

      CompletionException notCompacted =
          assertThrows(
              CompletionException.class,
              () -> skald.admin().compact("plain").toCompletableFuture().join());
      assertInstanceOf(InvalidTopicException.class, notCompacted.getCause());

      // a compaction of an empty topic is a no-op
      skald.admin().compact(TOPIC).toCompletableFuture().join();
      assertFalse(
          skald.admin().describeTopic(TOPIC).toCompletableFuture().join().isEmpty(),
          "the topic is still there");
    }
  }
}
