package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.BacklogLimit;
import io.skald.framework.admin.EnsuredTopic;
import io.skald.framework.admin.InvalidTopicException;
import io.skald.framework.admin.PartitionOffsets;
import io.skald.framework.admin.Retention;
import io.skald.framework.admin.TopicConflictException;
import io.skald.framework.admin.TopicDifference;
import io.skald.framework.admin.TopicSetting;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.StartPosition;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.internal.log.PartitionEntity;
import io.skald.framework.internal.log.PartitionProtocol;
import io.skald.framework.internal.log.RecordFormat;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.RecordTooLargeException;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
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
  void alterTopicRefusesUnknownTopicsAndShrinkingAndChangesNothing() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      assertInstanceOf(
          UnknownTopicException.class,
          failureOf(skald.admin().alterTopic(TopicSpec.of("nowhere", 1))));
      assertTrue(join(skald.admin().listTopics()).isEmpty());

      join(skald.admin().createTopic(TopicSpec.of("jobs", 3)));
      TopicSpec shrunk =
          TopicSpec.of("jobs", 2).withRetention(Retention.forever().withMaxRecords(5));
      TopicConflictException conflict =
          assertInstanceOf(
              TopicConflictException.class, failureOf(skald.admin().alterTopic(shrunk)));
      assertTrue(conflict.getMessage().contains("can only grow"), conflict.getMessage());
      // a record limit that no partition batch can hold is refused before anything is stored
      InvalidTopicException tooLarge =
          assertInstanceOf(
              InvalidTopicException.class,
              failureOf(
                  skald
                      .admin()
                      .alterTopic(TopicSpec.of("jobs", 3).withMaxRecordBytes(8 * 1024 * 1024))));
      assertTrue(tooLarge.getMessage().contains("max-batch-bytes"), tooLarge.getMessage());
      assertInstanceOf(
          InvalidTopicException.class,
          assertThrows(
              InvalidTopicException.class, () -> TopicSpec.of("jobs", 3).withMaxRecordBytes(-1)));
      assertEquals(TopicSpec.of("jobs", 3), join(skald.admin().describeTopic("jobs")).get());
    }
  }

  @Test
  void aTopicsRecordLimitIsEnforcedByProducersAndByItsPartitions() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      // #jd-max-record-bytes
      skald
          .admin()
          .createTopic(TopicSpec.of("photos", 1).withMaxRecordBytes(1024))
          .toCompletableFuture()
          .join();
      // #jd-max-record-bytes
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      String big = "x".repeat(2000);
      RecordTooLargeException refused =
          assertInstanceOf(
              RecordTooLargeException.class, failureOf(producer.send("photos", "k", big)));
      assertTrue(refused.getMessage().contains("maxRecordBytes is 1024"), refused.getMessage());
      assertEquals(0, join(producer.send("photos", "k", "small")).offset());

      // raised: the same record is accepted; lowered again: refused; nothing else was written
      join(skald.admin().alterTopic(TopicSpec.of("photos", 1).withMaxRecordBytes(4096)));
      assertEquals(1, join(producer.send("photos", "k", big)).offset());
      join(skald.admin().alterTopic(TopicSpec.of("photos", 1)));
      assertEquals(2, join(producer.send("photos", "k", big)).offset()); // the node's 1 MB
      join(skald.admin().alterTopic(TopicSpec.of("photos", 1).withMaxRecordBytes(1024)));
      assertInstanceOf(RecordTooLargeException.class, failureOf(producer.send("photos", "k", big)));

      // a producer that missed the change is stopped by the partition itself
      RecordFormat.Writer writer = new RecordFormat.Writer(4096);
      writer.writeRecord(null, "y".getBytes(StandardCharsets.UTF_8), Map.of());
      writer.writeRecord(null, big.getBytes(StandardCharsets.UTF_8), Map.of());
      byte[] payload = writer.toByteArray();
      PartitionProtocol.AppendResult result =
          join(
              PartitionEntity.ref(skald.system(), new TopicPartition("photos", 0))
                  .<PartitionProtocol.AppendResult>ask(
                      replyTo -> new PartitionProtocol.Append(2, payload, null, 0, replyTo),
                      Duration.ofSeconds(5)));
      PartitionProtocol.AppendFailed failed =
          assertInstanceOf(PartitionProtocol.AppendFailed.class, result);
      assertEquals(PartitionProtocol.AppendFailed.Refusal.RECORD_TOO_LARGE, failed.refusal());
      assertTrue(failed.detail().contains("maxRecordBytes 1024"), failed.detail());
      PartitionOffsets offsets =
          join(skald.admin().partitionOffsets(new TopicPartition("photos", 0)));
      assertEquals(3, offsets.logEndOffset());
      // two records of 2000 bytes and one of 5, each with a few bytes of framing
      assertTrue(offsets.sizeBytes() >= 4005 && offsets.sizeBytes() < 4100, offsets.toString());
    }
  }

  @Test
  void aTopicGrowsAndItsGroupReadsTheNewPartitionsFromTheirFirstRecord() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      join(skald.admin().createTopic(TopicSpec.of("events", 2)));
      Set<String> seen = ConcurrentHashMap.newKeySet();
      // LATEST: only what is written after the group joined; the new partitions' first records
      // are written before the group learns of them, and must not be skipped
      Subscription subscription =
          skald.subscribe(
              SubscriptionSpec.of("readers", Codecs.string(), Codecs.string())
                  .withTopics("events")
                  .withStartPosition(StartPosition.LATEST),
              record -> {
                seen.add(record.topicPartition().partition() + ":" + record.value());
                return CompletableFuture.completedFuture(null);
              });
      try {
        Await.until(
            skald.system(),
            Duration.ofSeconds(20),
            () -> assertEquals(2, subscription.assignment().size()));
        Producer<String, String> producer =
            skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
        join(producer.sendToPartition("events", 0, "k", "before", Map.of()));

        // #jd-grow-topic
        TopicSpec events = skald.admin().describeTopic("events").toCompletableFuture().join().get();
        TopicSpec previous =
            skald.admin().alterTopic(events.withPartitions(4)).toCompletableFuture().join();
        // #jd-grow-topic
        assertEquals(2, previous.partitions());
        join(producer.sendToPartition("events", 2, "k", "first", Map.of()));
        join(producer.sendToPartition("events", 3, "k", "first", Map.of()));
        // keyed records spread over all four partitions now
        Set<Integer> partitions = new java.util.HashSet<>();
        for (int i = 0; i < 40; i++) {
          partitions.add(join(producer.send("events", "key-" + i, "keyed")).partition());
        }
        assertEquals(Set.of(0, 1, 2, 3), partitions);

        Await.until(
            skald.system(),
            Duration.ofSeconds(20),
            () -> {
              assertEquals(4, subscription.assignment().size());
              assertTrue(
                  seen.containsAll(Set.of("0:before", "2:first", "3:first")), seen.toString());
            });
        assertEquals(
            0,
            join(skald.admin().partitionOffsets(new TopicPartition("events", 3))).logStartOffset());
      } finally {
        join(subscription.stop());
      }
    }
  }
}
