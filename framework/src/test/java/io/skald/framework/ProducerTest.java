package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.TopicSpec;
import io.skald.framework.producer.Acks;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.RecordMetadata;
import io.skald.testkit.SkaldTestNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ProducerTest {
  private static SkaldTestNode node;
  private static Skald skald;

  @BeforeAll
  static void start() {
    node = SkaldTestNode.start();
    skald = node.skald();
    skald.admin().createTopic(TopicSpec.of("spread", 4)).toCompletableFuture().join();
  }

  @AfterAll
  static void stop() {
    node.close();
    node.deleteDataDir();
  }

  @Test
  void sameKeySamePartitionKeylessSpreadAndNamedPartitionsAreHonoured() {
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    // same key: one partition, consecutive offsets
    List<RecordMetadata> keyed = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      keyed.add(producer.send("spread", "customer-42", "v" + i).toCompletableFuture().join());
    }
    assertEquals(1, keyed.stream().map(RecordMetadata::partition).distinct().count());
    for (int i = 1; i < keyed.size(); i++) {
      assertEquals(keyed.get(i - 1).offset() + 1, keyed.get(i).offset());
    }
    // no key: spread evenly
    Map<Integer, Integer> perPartition = new HashMap<>();
    for (int i = 0; i < 40; i++) {
      RecordMetadata meta = producer.send("spread", null, "x" + i).toCompletableFuture().join();
      perPartition.merge(meta.partition(), 1, Integer::sum);
    }
    assertEquals(Map.of(0, 10, 1, 10, 2, 10, 3, 10), perPartition);
    // a named partition
    assertEquals(
        3,
        producer
            .sendToPartition("spread", 3, "any", "y", Map.of())
            .toCompletableFuture()
            .join()
            .partition());
  }

  @Test
  void fireAndForgetCompletesAtOnceAndStillWrites() {
    skald.admin().createTopic(TopicSpec.of("metrics", 1)).toCompletableFuture().join();
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()).withAcks(Acks.NONE));
    List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      sends.add(producer.send("metrics", "cpu", "" + i).toCompletableFuture());
    }
    sends.forEach(s -> assertTrue(s.isDone()));
    assertEquals(-1, sends.get(0).join().offset());
    io.skald.testkit.Await.until(
        skald.system(),
        java.time.Duration.ofSeconds(10),
        () ->
            assertEquals(
                100,
                skald
                    .admin()
                    .partitionOffsets(new TopicPartition("metrics", 0))
                    .toCompletableFuture()
                    .join()
                    .logEndOffset()));
  }

  @Test
  void aClosedProducerRefusesNewRecordsButFinishesAcceptedOnes() {
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    CompletableFuture<RecordMetadata> accepted =
        producer.send("spread", "k", "before close").toCompletableFuture();
    producer.close();
    CompletionException refused =
        assertThrows(
            CompletionException.class,
            () -> producer.send("spread", "k", "after close").toCompletableFuture().join());
    assertInstanceOf(IllegalStateException.class, refused.getCause());
    assertTrue(accepted.join().offset() >= 0);
  }
}
