package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.deadletter.DeadLetter;
import io.skald.framework.deadletter.DeadLetterQueue;
import io.skald.framework.deadletter.DeadLetterReason;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.ScheduledDelivery;
import io.skald.framework.testing.DelayedSchedulerMain;
import io.skald.testkit.Await;
import io.skald.testkit.ForkedJvm;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DelayedDeliveryTest {

  record Arrival(String value, long arrivedAtMillis, long recordTimestamp, String due) {}

  private static Subscription collect(
      Skald skald, String group, ConcurrentLinkedQueue<Arrival> into) {
    return skald.subscribe(
        SubscriptionSpec.of(group, Codecs.string(), Codecs.string()).withTopics("reminders"),
        record -> {
          into.add(
              new Arrival(
                  record.value(),
                  System.currentTimeMillis(),
                  record.timestamp(),
                  record.headers().get("skald.delivery-due")));
          return CompletableFuture.completedFuture(null);
        });
  }

  /** A topic, a producer to it, and the records a group of it received. */
  record Reminders(Producer<String, String> producer, ConcurrentLinkedQueue<Arrival> arrivals) {
    static Reminders open(Skald skald, TopicSpec spec) {
      skald.admin().createTopic(spec).toCompletableFuture().join();
      ConcurrentLinkedQueue<Arrival> arrivals = new ConcurrentLinkedQueue<>();
      collect(skald, "readers", arrivals);
      return new Reminders(
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string())), arrivals);
    }
  }

  @Test
  void delayedRecordsArriveInDueOrderNotBeforeTheirTime() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      Reminders reminders = Reminders.open(skald, TopicSpec.of("reminders", 1));
      Producer<String, String> producer = reminders.producer();
      ConcurrentLinkedQueue<Arrival> arrivals = reminders.arrivals();
      Instant now = Instant.now();
      ScheduledDelivery later =
          producer
              .sendAt("reminders", "k", "later", Map.of(), now.plusMillis(1200))
              .toCompletableFuture()
              .join();
      ScheduledDelivery sooner =
          producer
              .sendAt("reminders", "k", "sooner", Map.of(), now.plusMillis(600))
              .toCompletableFuture()
              .join();
      producer.send("reminders", "k", "now").toCompletableFuture().join();
      Await.until(skald.system(), Duration.ofSeconds(10), () -> assertEquals(3, arrivals.size()));
      List<Arrival> list = List.copyOf(arrivals);
      assertEquals(List.of("now", "sooner", "later"), list.stream().map(Arrival::value).toList());
      assertTrue(list.get(1).recordTimestamp() >= sooner.due().toEpochMilli());
      assertTrue(list.get(2).recordTimestamp() >= later.due().toEpochMilli());
      assertEquals(Long.toString(later.due().toEpochMilli()), list.get(2).due());
      CompletableFuture<ScheduledDelivery> negative =
          producer
              .sendDelayed("reminders", "k", "x", Map.of(), Duration.ofSeconds(-1))
              .toCompletableFuture();
      assertTrue(negative.isCompletedExceptionally());
      node.deleteDataDir();
    }
  }

  @Test
  void aDelayedRecordSurvivesKillMinus9AndIsDeliveredAfterItsTime() throws Exception {
    // given a process that durably scheduled a record 2 s ahead
    Path dataDir = SkaldTestNode.newDataDir();
    long due;
    try (ForkedJvm child = ForkedJvm.start(DelayedSchedulerMain.class, dataDir, "256m")) {
      due =
          Long.parseLong(child.awaitLine(line -> line.startsWith("SCHEDULED "), 60).substring(10));
      // when it is killed before the record is due
      child.kill();
    }
    assertTrue(System.currentTimeMillis() < due, "killed before the record was due");

    // then after a restart the record arrives, not before its time
    try (SkaldTestNode node = SkaldTestNode.start(dataDir, true, "")) {
      ConcurrentLinkedQueue<Arrival> arrivals = new ConcurrentLinkedQueue<>();
      collect(node.skald(), "reminder-readers", arrivals);
      Await.until(
          node.skald().system(), Duration.ofSeconds(20), () -> assertEquals(1, arrivals.size()));
      Arrival arrival = arrivals.peek();
      assertEquals("pay now", arrival.value());
      assertTrue(arrival.recordTimestamp() >= due, "written at or after its due time");
      assertTrue(arrival.arrivedAtMillis() >= due);
    } finally {
      SkaldTestNode.deleteRecursively(dataDir);
    }
  }

  @Test
  void dueRecordsThatTogetherExceedTheBatchLimitAreAllDelivered() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      Reminders reminders = Reminders.open(skald, TopicSpec.of("reminders", 1));
      Producer<String, String> producer = reminders.producer();
      ConcurrentLinkedQueue<Arrival> arrivals = reminders.arrivals();
      // three records of 600 kB fall due together: one append of all three would be over the
      // 1 MiB batch limit, which the partition refuses
      Instant due = Instant.now().plusMillis(300);
      for (int i = 0; i < 3; i++) {
        producer
            .sendAt("reminders", "k", i + "x".repeat(600_000), Map.of(), due)
            .toCompletableFuture()
            .join();
      }
      producer.sendAt("reminders", "k", "small", Map.of(), due).toCompletableFuture().join();
      Await.until(skald.system(), Duration.ofSeconds(15), () -> assertEquals(4, arrivals.size()));
      assertEquals(
          List.of('0', '1', '2', 's'),
          arrivals.stream().map(a -> a.value().charAt(0)).toList(),
          "in due order");
      node.deleteDataDir();
    }
  }

  @Test
  void aDueRecordOverALoweredTopicLimitIsDeadLetteredAndDoesNotHoldBackTheOthers() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      io.skald.framework.internal.metrics.SkaldMetrics.get(skald.system())
          .registry()
          .add(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
      TopicSpec spec = TopicSpec.of("reminders", 1);
      Reminders reminders = Reminders.open(skald, spec);
      Producer<String, String> producer = reminders.producer();
      ConcurrentLinkedQueue<Arrival> arrivals = reminders.arrivals();
      Instant due = Instant.now().plusMillis(500);
      String big = "b".repeat(50_000);
      producer.sendAt("reminders", "k", "before", Map.of(), due).toCompletableFuture().join();
      producer.sendAt("reminders", "k", big, Map.of("h", "1"), due).toCompletableFuture().join();
      producer.sendAt("reminders", "k", "after", Map.of(), due).toCompletableFuture().join();
      // the limit is lowered after the record was accepted for later delivery
      skald.admin().alterTopic(spec.withMaxRecordBytes(10_000)).toCompletableFuture().join();
      Await.until(skald.system(), Duration.ofSeconds(15), () -> assertEquals(2, arrivals.size()));
      assertEquals(List.of("before", "after"), arrivals.stream().map(Arrival::value).toList());

      // the refused record is kept, with the cause, where dead letters are operated on
      DeadLetterQueue dlq = skald.deadLetters(ScheduledDelivery.DEAD_LETTER_GROUP);
      AtomicReference<List<DeadLetter>> letters = new AtomicReference<>();
      Await.until(
          skald.system(),
          Duration.ofSeconds(15),
          () -> {
            letters.set(dlq.list(0, 10).toCompletableFuture().join());
            assertEquals(1, letters.get().size());
          });
      DeadLetter letter = letters.get().get(0);
      assertEquals(DeadLetterReason.REFUSED, letter.reason());
      assertEquals(new TopicPartition("reminders", 0), letter.original());
      assertEquals(-1, letter.originalOffset(), "never written to its topic");
      assertEquals(big, new String(letter.value(), java.nio.charset.StandardCharsets.UTF_8));
      assertEquals("1", letter.headers().get("h"));
      assertTrue(letter.errorMessage().contains("10000"), letter.errorMessage());
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () ->
              assertEquals(
                  1.0,
                  io.skald.framework.internal.metrics.SkaldMetrics.get(skald.system())
                      .registry()
                      .find("skald.delayed.dead.letters")
                      .tag("topic", "reminders")
                      .counters()
                      .stream()
                      .mapToDouble(io.micrometer.core.instrument.Counter::count)
                      .sum(),
                  "counted for alerting"));

      // once the limit is raised again, the operator replays it to its topic
      skald.admin().alterTopic(spec).toCompletableFuture().join();
      dlq.replayAll().toCompletableFuture().join();
      Await.until(skald.system(), Duration.ofSeconds(15), () -> assertEquals(3, arrivals.size()));
      assertEquals(big, List.copyOf(arrivals).get(2).value());
      node.deleteDataDir();
    }
  }

  @Test
  void aDelayedRecordIsCheckedAgainstTheLimitWithTheHeaderItWillBeWrittenWith() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      skald
          .admin()
          .createTopic(TopicSpec.of("reminders", 1).withMaxRecordBytes(1_000))
          .toCompletableFuture()
          .join();
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      // the largest value that fits the limit without the due header
      int length = 1_000;
      while (io.skald.framework.internal.log.RecordFormat.encodedSize(
              "k".getBytes(java.nio.charset.StandardCharsets.UTF_8),
              "v".repeat(length).getBytes(java.nio.charset.StandardCharsets.UTF_8),
              Map.of())
          > 1_000) {
        length--;
      }
      String value = "v".repeat(length);
      producer.send("reminders", "k", value).toCompletableFuture().join();
      CompletableFuture<ScheduledDelivery> later =
          producer
              .sendDelayed("reminders", "k", value, Map.of(), Duration.ofMinutes(1))
              .toCompletableFuture();
      java.util.concurrent.CompletionException refused =
          org.junit.jupiter.api.Assertions.assertThrows(
              java.util.concurrent.CompletionException.class, later::join);
      assertTrue(
          refused.getCause() instanceof io.skald.framework.producer.RecordTooLargeException,
          String.valueOf(refused.getCause()));
      node.deleteDataDir();
    }
  }
}
