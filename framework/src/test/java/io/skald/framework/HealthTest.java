package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.skald.framework.admin.HealthCheck;
import io.skald.framework.admin.NodeHealth;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.RecordMetadata;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.Test;

/**
 * Readiness means something: on the real LevelDB journal every check passes; on Pekko's persistence
 * testkit journal, whose writes and reads can be made to fail, a failing journal write makes the
 * node not ready and a partition that cannot replay its log is reported recovering, and both
 * recover by themselves.
 */
class HealthTest {

  private static NodeHealth health(Skald skald) {
    return skald.health().toCompletableFuture().join();
  }

  @Test
  void aRunningNodeOnTheEmbeddedJournalIsReady() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      skald.admin().createTopic(TopicSpec.of("orders", 2)).toCompletableFuture().join();
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      producer.sendToPartition("orders", 0, "k", "a", Map.of()).toCompletableFuture().join();
      producer.sendToPartition("orders", 1, "k", "b", Map.of()).toCompletableFuture().join();
      // #jd-health
      NodeHealth health = skald.health().toCompletableFuture().join();
      if (!health.ready()) {
        health.checks().stream()
            .filter(check -> !check.up())
            .forEach(check -> System.err.println(check.name() + ": " + check.detail()));
      }
      // #jd-health
      assertTrue(health.live());
      assertTrue(health.ready(), health.toString());
      assertEquals(
          List.of(
              "cluster-member",
              "journal-writable",
              "partitions-recovered",
              "topic-registry",
              "disk-space"),
          health.checks().stream().map(HealthCheck::name).toList());
      assertTrue(
          health.check("partitions-recovered").detail().startsWith("2 partitions hosted"),
          health.check("partitions-recovered").detail());
      // the probe keeps a bounded journal: many probes in a row all succeed
      for (int i = 0; i < 150; i++) {
        assertTrue(health(skald).check("journal-writable").up());
      }
    }
  }

  private static Config testkitJournal(Path dataDir) {
    return PersistenceTestKitPlugin.getInstance()
        .config()
        .withFallback(
            SkaldTestNode.config(
                dataDir,
                false,
                "skald.framework.persistence.journal-plugin-id = \""
                    + PersistenceTestKitPlugin.PluginId()
                    + "\"\n"
                    + "skald.framework.persistence.leveldb-query.write-plugin = \""
                    + PersistenceTestKitPlugin.PluginId()
                    + "\"\n"));
  }

  @Test
  void aFailingJournalWriteMakesTheNodeNotReadyUntilWritesSucceedAgain() {
    Path dir = SkaldTestNode.newDataDir();
    try (Skald skald = Skald.start("health-journal", testkitJournal(dir))) {
      assertTrue(health(skald).ready(), health(skald).toString());
      PersistenceTestKit journal = PersistenceTestKit.create(skald.system());
      journal.failNextPersisted();
      NodeHealth failed = health(skald);
      assertFalse(failed.ready());
      HealthCheck write = failed.check("journal-writable");
      assertFalse(write.up());
      assertTrue(write.detail().contains("probe write failed"), write.detail());
      assertTrue(failed.check("cluster-member").up()); // only the failing check is down
      // the probe restarts after its failed write; the next write succeeds
      Await.until(
          skald.system(),
          Duration.ofSeconds(20),
          () -> assertTrue(health(skald).ready(), health(skald).toString()));
    } finally {
      SkaldTestNode.deleteRecursively(dir);
    }
  }

  @Test
  void aPartitionThatCannotReplayItsLogIsReportedRecoveringUntilItHas() throws Exception {
    Path dir = SkaldTestNode.newDataDir();
    try (Skald skald = Skald.start("health-recovery", testkitJournal(dir))) {
      skald.admin().createTopic(TopicSpec.of("orders", 1)).toCompletableFuture().join();
      PersistenceTestKit journal = PersistenceTestKit.create(skald.system());
      // the partition's first replays fail: it restarts with back-off and replays again
      journal.failNextNReads("skald-partition|orders~0", 4);
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      CompletableFuture<RecordMetadata> sent =
          producer.send("orders", "k", "v").toCompletableFuture();
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () -> {
            HealthCheck partitions = health(skald).check("partitions-recovered");
            assertFalse(partitions.up(), partitions.detail());
            assertTrue(partitions.detail().contains("orders~0"), partitions.detail());
          });
      assertFalse(health(skald).ready());
      Await.until(
          skald.system(),
          Duration.ofSeconds(30),
          () -> assertTrue(health(skald).ready(), health(skald).toString()));
      assertEquals(0, sent.get(30, TimeUnit.SECONDS).offset());
    } finally {
      SkaldTestNode.deleteRecursively(dir);
    }
  }
}
