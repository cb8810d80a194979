package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
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

  @Test
  void delayedRecordsArriveInDueOrderNotBeforeTheirTime() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      skald.admin().createTopic(TopicSpec.of("reminders", 1)).toCompletableFuture().join();
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      ConcurrentLinkedQueue<Arrival> arrivals = new ConcurrentLinkedQueue<>();
      collect(skald, "readers", arrivals);
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
}
