package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.BacklogLimit;
import io.skald.framework.admin.EnsuredTopic;
import io.skald.framework.admin.Retention;
import io.skald.framework.admin.TopicConflictException;
import io.skald.framework.admin.TopicDifference;
import io.skald.framework.admin.TopicSetting;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** Declaring topics at every start-up ({@code ensureTopic}) and changing them later. */
class TopicLifecycleTest {
  private static final String CONFIG =
      "skald.framework.partition.index-interval = 1\n"
          + "skald.framework.partition.retention-check-interval = 100ms\n";

  private static <T> T join(CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }

  private static Throwable failureOf(CompletionStage<?> stage) {
    return assertThrows(CompletionException.class, () -> join(stage)).getCause();
  }

  private static void produce(Skald skald, String topic, int batches) {
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    for (int batch = 0; batch < batches; batch++) {
      CompletableFuture<?>[] sends = new CompletableFuture<?>[10];
      for (int i = 0; i < 10; i++) {
        sends[i] = producer.send(topic, "k", "r" + i).toCompletableFuture();
      }
      CompletableFuture.allOf(sends).join();
    }
  }

  @Test
  void ensureTopicCreatesOnceThenReportsDifferencesWithoutFailing() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      EnsuredTopic first = join(skald.admin().ensureTopic(TopicSpec.of("orders", 4)));
      assertTrue(first.created());
      assertTrue(first.matches());
      EnsuredTopic again = join(skald.admin().ensureTopic(TopicSpec.of("orders", 4)));
      assertFalse(again.created());
      assertTrue(again.matches());

      // the code now asks for a retention the stored topic does not have: start-up goes on
      TopicSpec withRetention =
          TopicSpec.of("orders", 4)
              .withRetention(Retention.forever().withMaxAge(Duration.ofDays(7)));
      EnsuredTopic differs = join(skald.admin().ensureTopic(withRetention));
      assertFalse(differs.created());
      assertEquals(TopicSpec.of("orders", 4), differs.topic());
      assertEquals(
          List.of(new TopicDifference(TopicSetting.RETENTION, "forever", "maxAge PT168H")),
          differs.differences());
      assertEquals(TopicSpec.of("orders", 4), join(skald.admin().describeTopic("orders")).get());

      // another partition count would move keys to other partitions: that fails
      Throwable partitions = failureOf(skald.admin().ensureTopic(TopicSpec.of("orders", 8)));
      TopicConflictException conflict = assertInstanceOf(TopicConflictException.class, partitions);
      assertEquals(TopicSetting.PARTITIONS, conflict.differences().get(0).setting());
      assertTrue(conflict.getMessage().contains("4 partitions, not 8"), conflict.getMessage());
    }
  }

  @Test
  void createTopicNamesTheDifferingSettings() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      join(skald.admin().createTopic(TopicSpec.of("audit", 4)));
      Throwable failure =
          failureOf(
              skald
                  .admin()
                  .createTopic(
                      TopicSpec.of("audit", 4)
                          .withBacklogLimit(
                              new BacklogLimit(100, BacklogLimit.OverflowPolicy.REJECT_NEW))));
      TopicConflictException conflict = assertInstanceOf(TopicConflictException.class, failure);
      assertEquals(
          "topic 'audit' exists with another definition: backlog limit none (requested 100"
              + " records, REJECT_NEW); use ensureTopic to accept the stored settings or"
              + " alterTopic to change them",
          conflict.getMessage());
      assertEquals(TopicSetting.BACKLOG_LIMIT, conflict.differences().get(0).setting());
    }
  }

  @Test
  void alterTopicAppliesToRunningPartitionsAndSurvivesRestart() {
    Path dir = SkaldTestNode.newDataDir();
    TopicSpec plain = TopicSpec.of("clicks", 1);
    TopicSpec limited = plain.withRetention(Retention.forever().withMaxRecords(30));
    try (SkaldTestNode node = SkaldTestNode.start(dir, false, CONFIG)) {
      Skald skald = node.skald();
      join(skald.admin().createTopic(plain));
      produce(skald, "clicks", 10);
      TopicPartition tp = new TopicPartition("clicks", 0);
      assertEquals(0, join(skald.admin().partitionOffsets(tp)).logStartOffset());

      assertEquals(plain, join(skald.admin().alterTopic(limited)));
      assertEquals(limited, join(skald.admin().describeTopic("clicks")).get());
      // the running partition applied it: at most 30 records (whole batches of ten) remain
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () -> assertEquals(70, join(skald.admin().partitionOffsets(tp)).logStartOffset()));
      // altering to the same definition again is a no-op
      assertEquals(limited, join(skald.admin().alterTopic(limited)));
    }
    try (SkaldTestNode node = SkaldTestNode.start(dir, false, CONFIG)) {
      Skald skald = node.skald();
      assertEquals(limited, join(skald.admin().describeTopic("clicks")).get());
      // the recovered partition enforces the altered retention on new writes
      produce(skald, "clicks", 5);
      TopicPartition tp = new TopicPartition("clicks", 0);
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () -> assertEquals(120, join(skald.admin().partitionOffsets(tp)).logStartOffset()));
      // ensureTopic with the code's original definition keeps the altered retention
      EnsuredTopic ensured = join(skald.admin().ensureTopic(plain));
      assertEquals(limited, ensured.topic());
      assertEquals(TopicSetting.RETENTION, ensured.differences().get(0).setting());
    } finally {
      SkaldTestNode.deleteRecursively(dir);
    }
  }

  @Test
  void alterTopicRefusesUnknownTopicsAndPartitionChangesAndChangesNothing() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      assertInstanceOf(
          UnknownTopicException.class,
          failureOf(skald.admin().alterTopic(TopicSpec.of("nowhere", 1))));
      assertTrue(join(skald.admin().listTopics()).isEmpty());

      join(skald.admin().createTopic(TopicSpec.of("jobs", 2)));
      TopicSpec grown =
          TopicSpec.of("jobs", 3).withRetention(Retention.forever().withMaxRecords(5));
      TopicConflictException conflict =
          assertInstanceOf(
              TopicConflictException.class, failureOf(skald.admin().alterTopic(grown)));
      assertTrue(conflict.getMessage().contains("cannot change the partition count"));
      assertEquals(TopicSpec.of("jobs", 2), join(skald.admin().describeTopic("jobs")).get());
    }
  }
}
