package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.RecordMetadata;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ProduceConsumeTest {
  private static SkaldTestNode node;
  private static Skald skald;

  @BeforeAll
  static void start() {
    node = SkaldTestNode.start();
    skald = node.skald();
  }

  @AfterAll
  static void stop() {
    node.close();
    node.deleteDataDir();
  }

  @Test
  void durableSendsGetConsecutiveOffsetsAndAreConsumedInOrder() {
    // given
    skald.admin().createTopic(TopicSpec.of("basic", 1)).toCompletableFuture().join();
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));

    // when
    List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      sends.add(producer.send("basic", "k", "v" + i, Map.of("n", "" + i)).toCompletableFuture());
    }
    ConcurrentLinkedQueue<ConsumerRecord<String, String>> seen = new ConcurrentLinkedQueue<>();
    Subscription subscription =
        skald.subscribe(
            SubscriptionSpec.of("g1", Codecs.string(), Codecs.string()).withTopics("basic"),
            record -> {
              seen.add(record);
              return CompletableFuture.completedFuture(null);
            });

    // then
    for (int i = 0; i < 100; i++) {
      RecordMetadata meta = sends.get(i).join();
      assertEquals(i, meta.offset());
      assertEquals(0, meta.partition());
    }
    TestProbe<Object> probe = TestProbe.create(skald.system());
    probe.awaitAssert(
        Duration.ofSeconds(10),
        () -> {
          assertEquals(100, seen.size());
          return null;
        });
    int i = 0;
    for (ConsumerRecord<String, String> record : seen) {
      assertEquals(i, record.offset());
      assertEquals("v" + i, record.value());
      assertEquals("" + i, record.headers().get("n"));
      assertTrue(record.timestamp() > 0);
      i++;
    }
    probe.awaitAssert(
        Duration.ofSeconds(10),
        () -> {
          assertEquals(
              100L,
              skald
                  .admin()
                  .committedOffsets("g1")
                  .toCompletableFuture()
                  .join()
                  .get(new TopicPartition("basic", 0)));
          return null;
        });
    subscription.stop().toCompletableFuture().join();
  }

  @Test
  void journalAndSnapshotsLiveUnderTheConfiguredDataDirectory() {
    // given a node started on its own data directory
    // when a topic is created
    skald.admin().createTopic(TopicSpec.of("placed", 1)).toCompletableFuture().join();

    // then the journal is written there, not in the working directory
    assertTrue(java.nio.file.Files.isDirectory(node.dataDir().resolve("journal")));
    assertTrue(
        java.nio.file.Files.exists(node.dataDir().resolve("journal").resolve("CURRENT")),
        "LevelDB files under " + node.dataDir());
  }
}
