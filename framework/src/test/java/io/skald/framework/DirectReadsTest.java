package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.Compaction;
import io.skald.framework.admin.Retention;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.internal.journal.LeveldbDirectReads;
import io.skald.framework.internal.log.RecordBatch;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.RecordMetadata;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.ArrayList;
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

/**
 * Reads older than the tail cache go straight to the embedded LevelDB journal. With the cache off
 * every fetch does, so these readers race appends, retention and compaction on the direct path.
 */
class DirectReadsTest {
  private static final String NO_CACHE =
      "skald.framework.partition.tail-cache-bytes = 0\n"
          + "skald.framework.partition.retention-check-interval = 100ms\n";

  private static String pid(String topic) {
    return "skald-partition|" + topic + "~0";
  }

  /** What a direct read returns: sequence number and event description. */
  private static List<String> direct(Skald skald, String topic) {
    LeveldbDirectReads reads =
        LeveldbDirectReads.of(Adapter.toClassic(skald.system())).orElseThrow();
    List<String> seen = new ArrayList<>();
    assertTrue(
        reads.read(
            pid(topic),
            0,
            Long.MAX_VALUE,
            (seqNr, event) -> {
              seen.add(seqNr + ":" + describe(event));
              return true;
            }));
    return seen;
  }

  /** What Pekko's replay of the same persistence id returns. */
  private static List<String> replayed(Skald skald, String topic) {
    List<EventEnvelope> events =
        PersistenceQuery.get(Adapter.toClassic(skald.system()))
            .getReadJournalFor(
                CurrentEventsByPersistenceIdQuery.class,
                "skald.framework.persistence.leveldb-query")
            .currentEventsByPersistenceId(pid(topic), 0, Long.MAX_VALUE)
            .runWith(Sink.seq(), skald.system())
            .toCompletableFuture()
            .join();
    List<String> seen = new ArrayList<>();
    for (EventEnvelope e : events) {
      seen.add(e.sequenceNr() + ":" + describe(e.event()));
    }
    return seen;
  }

  private static String describe(Object event) {
    if (event instanceof RecordBatch b) {
      return "batch " + b.baseOffset() + "+" + b.count() + (b.compacted() == null ? "" : " chunk");
    }
    return event.toString();
  }

  @Test
  void aDirectReadSeesExactlyWhatTheJournalReplaySees() {
    try (SkaldTestNode node = SkaldTestNode.start(SkaldTestNode.newDataDir(), false, NO_CACHE)) {
      Skald skald = node.skald();
      skald
          .admin()
          .createTopic(
              TopicSpec.of("kept", 1).withRetention(Retention.forever().withMaxRecords(300)))
          .toCompletableFuture()
          .join();
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      for (int batch = 0; batch < 100; batch++) {
        List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          sends.add(producer.send("kept", "k" + i, "v" + (batch * 10 + i)).toCompletableFuture());
        }
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
      }
      // retention deleted the journal's oldest events: both reads skip them alike
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () -> assertTrue(!replayed(skald, "kept").get(0).startsWith("1:"), "retention ran"));
      List<String> replayed = replayed(skald, "kept");
      assertEquals(replayed, direct(skald, "kept"));
      // and a persistence id that was never written has no events and gets no id
      LeveldbDirectReads reads =
          LeveldbDirectReads.of(Adapter.toClassic(skald.system())).orElseThrow();
      assertTrue(reads.read("no-such-entity", 0, Long.MAX_VALUE, (s, e) -> false));
      node.deleteDataDir();
    }
  }

  @Test
  void readersRacingAppendsAndCompactionGetEachRecordAtItsOffset() throws Exception {
    try (SkaldTestNode node = SkaldTestNode.start(SkaldTestNode.newDataDir(), false, NO_CACHE)) {
      Skald skald = node.skald();
      skald.admin().createTopic(TopicSpec.of("plain", 1)).toCompletableFuture().join();
      // the journal (started by the topic's creation) serves reads directly
      assertTrue(LeveldbDirectReads.of(Adapter.toClassic(skald.system())).isPresent());
      skald
          .admin()
          .createTopic(
              TopicSpec.of("state", 1)
                  .withCompaction(Compaction.latestPerKey().withMinDirtyRecords(200)))
          .toCompletableFuture()
          .join();
      Map<String, Map<Long, String>> seen = new ConcurrentHashMap<>();
      List<Subscription> readers = new ArrayList<>();
      // two groups on each topic, reading while the records are written
      for (String topic : List.of("plain", "state")) {
        for (String group : List.of("a", "b")) {
          Map<Long, String> byOffset = new ConcurrentHashMap<>();
          seen.put(topic + "/" + group, byOffset);
          readers.add(
              skald.subscribe(
                  SubscriptionSpec.of(topic + "-" + group, Codecs.string(), Codecs.string())
                      .withTopics(topic),
                  r -> {
                    String before = byOffset.putIfAbsent(r.offset(), r.value());
                    assertTrue(before == null || before.equals(r.value()), "offset " + r.offset());
                    return CompletableFuture.completedFuture(null);
                  }));
        }
      }
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      Map<String, Map<Long, String>> written = new ConcurrentHashMap<>();
      written.put("plain", new ConcurrentHashMap<>());
      written.put("state", new ConcurrentHashMap<>());
      for (int round = 0; round < 40; round++) {
        List<CompletableFuture<?>> sends = new ArrayList<>();
        for (String topic : List.of("plain", "state")) {
          for (int i = 0; i < 50; i++) {
            String value = topic + "-" + round + "-" + i;
            sends.add(
                producer
                    .send(topic, "k" + (i % 20), value)
                    .thenAccept(m -> written.get(topic).put(m.offset(), value))
                    .toCompletableFuture());
          }
        }
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
        if (round % 10 == 9) {
          skald.admin().compact("state").toCompletableFuture().join();
        }
      }
      Await.until(
          skald.system(),
          Duration.ofSeconds(30),
          () -> {
            assertEquals(2_000, seen.get("plain/a").size());
            assertEquals(2_000, seen.get("plain/b").size());
            // the compacted topic's readers reach its end; what compaction removed may be missed
            assertTrue(seen.get("state/a").containsKey(1_999L));
            assertTrue(seen.get("state/b").containsKey(1_999L));
          });
      for (Subscription s : readers) {
        s.stop().toCompletableFuture().join();
      }
      for (Map.Entry<String, Map<Long, String>> reader : seen.entrySet()) {
        Map<Long, String> sent = written.get(reader.getKey().split("/")[0]);
        for (Map.Entry<Long, String> record : reader.getValue().entrySet()) {
          assertNotNull(sent.get(record.getKey()), reader.getKey() + " " + record);
          assertEquals(sent.get(record.getKey()), record.getValue(), reader.getKey());
        }
      }
      assertEquals(written.get("plain"), seen.get("plain/a"));
      node.deleteDataDir();
    }
  }
}
