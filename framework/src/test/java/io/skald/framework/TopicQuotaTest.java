package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.EnsuredTopic;
import io.skald.framework.admin.TopicSetting;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.QuotaExceededException;
import io.skald.framework.producer.RateLimit;
import io.skald.framework.producer.RecordMetadata;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Topic quotas on a real node: enforced by the partitions for every producer together, delaying or
 * refusing by policy, counted in metrics, changed by altering the topic, kept across a restart.
 */
class TopicQuotaTest {
  private SkaldTestNode node;
  private Skald skald;

  @BeforeEach
  void start() {
    node = SkaldTestNode.start();
    skald = node.skald();
    io.skald.framework.testing.Meters.record(skald);
  }

  @AfterEach
  void stop() {
    node.close();
    node.deleteDataDir();
  }

  private Producer<String, String> producer() {
    return skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
  }

  private double count(String name, String tag, String value) {
    return io.skald.framework.testing.Meters.count(skald, name, tag, value);
  }

  private long end(String topic, int partition) {
    return skald
        .admin()
        .partitionOffsets(new TopicPartition(topic, partition))
        .toCompletableFuture()
        .join()
        .logEndOffset();
  }

  /** What a bucket refilling at {@code rate} per second gained since {@code start}, plus one. */
  private static double refill(long start, double rate) {
    return rate * (System.nanoTime() - start) / 1e9 + 1;
  }

  @Test
  void twoProducersShareADelayingQuota() {
    // 400 records/s for the topic (200/s per partition), bursts of 100 ms: two producers sending
    // 400 records each as fast as they can take about 2 s together, where each alone would be
    // done in 1 s
    skald
        .admin()
        .createTopic(
            TopicSpec.of("emails", 2)
                .withRateLimit(RateLimit.recordsPerSecond(400).withBurst(Duration.ofMillis(100))))
        .toCompletableFuture()
        .join();
    Producer<String, String> first = producer();
    Producer<String, String> second = producer();
    first.send("emails", "warm", "up").toCompletableFuture().join(); // both know the topic
    second.send("emails", "warm", "up").toCompletableFuture().join();
    long start = System.nanoTime();
    List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      sent.add(first.send("emails", "a" + i, "v").toCompletableFuture());
      sent.add(second.send("emails", "b" + i, "v").toCompletableFuture());
    }
    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join(); // nothing refused
    double seconds = (System.nanoTime() - start) / 1e9;
    assertTrue(
        seconds >= 1.5, "800 records under a shared quota of 400/s took only " + seconds + " s");
    long written = end("emails", 0) + end("emails", 1);
    assertEquals(802, written, "every record is written once");
    assertTrue(count("skald.topic.quota.exceeded", "outcome", "delayed") > 0);
    assertTrue(count("skald.producer.quota.throttled", "topic", "emails") > 0);
  }

  @Test
  void aRefusingQuotaAddedByAlteringTheTopicRefusesAnyProducerOverIt() {
    TopicSpec plain = TopicSpec.of("sms", 1);
    skald.admin().createTopic(plain).toCompletableFuture().join();
    RateLimit quota =
        RateLimit.recordsPerSecond(50)
            .withBurst(Duration.ofSeconds(1))
            .whenExceeded(RateLimit.WhenExceeded.REFUSE);
    TopicSpec limited = plain.withRateLimit(quota);
    EnsuredTopic ensured = skald.admin().ensureTopic(limited).toCompletableFuture().join();
    assertEquals(TopicSetting.RATE_LIMIT, ensured.differences().get(0).setting());
    skald.admin().alterTopic(limited).toCompletableFuture().join();
    assertEquals(
        quota, skald.admin().describeTopic("sms").toCompletableFuture().join().get().rateLimit());

    // a burst of 50 records: the first producer's 30 fit, the second's 30 do not all fit
    Producer<String, String> first = producer();
    Producer<String, String> second = producer();
    List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < 30; i++) {
      sent.add(first.send("sms", "k", "a" + i).toCompletableFuture());
    }
    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
    for (int i = 0; i < 30; i++) {
      sent.add(second.send("sms", "k", "b" + i).toCompletableFuture());
    }
    int acknowledged = 0;
    QuotaExceededException refusal = null;
    StringBuilder trace = new StringBuilder();
    for (CompletableFuture<RecordMetadata> ack : sent) {
      try {
        trace.append(ack.join().offset()).append(' ');
        acknowledged++;
      } catch (CompletionException e) {
        trace.append("X ");
        refusal = assertInstanceOf(QuotaExceededException.class, e.getCause());
      }
    }
    assertTrue(refusal != null, "the second producer went over the quota");
    assertTrue(refusal.retryAfterMillis() > 0);
    assertTrue(refusal.getMessage().contains("topic 'sms'"), refusal.getMessage());
    // the bucket holds 50 and refills at 50/s while the test sends
    assertTrue(
        acknowledged >= 30 && acknowledged <= 50 + refill(start, 50),
        acknowledged + " acknowledged");
    long written = end("sms", 0);
    assertEquals(
        acknowledged, written, "what was acknowledged is written, and nothing else " + trace);
    assertEquals(60 - acknowledged, count("skald.topic.quota.exceeded", "outcome", "refused"));

    // the quota is part of the durable definition: after a restart it still refuses
    java.nio.file.Path dir = node.dataDir();
    node.close();
    node = SkaldTestNode.start(dir, false, "");
    skald = node.skald();
    io.skald.framework.testing.Meters.record(skald);
    assertEquals(
        quota, skald.admin().describeTopic("sms").toCompletableFuture().join().get().rateLimit());
    second = producer();
    List<CompletableFuture<RecordMetadata>> afterRestart = new ArrayList<>();
    long restarted = System.nanoTime();
    for (int i = 0; i < 80; i++) {
      afterRestart.add(second.send("sms", "k", "r" + i).toCompletableFuture());
    }
    int refusedAfterRestart = 0;
    for (CompletableFuture<RecordMetadata> ack : afterRestart) {
      try {
        ack.join();
      } catch (CompletionException e) {
        assertInstanceOf(QuotaExceededException.class, e.getCause());
        refusedAfterRestart++;
      }
    }
    assertTrue(
        refusedAfterRestart > 0 && 80 - refusedAfterRestart <= 50 + refill(restarted, 50),
        refusedAfterRestart + " of 80 refused after a restart");
    assertEquals(acknowledged + 80 - refusedAfterRestart, end("sms", 0));

    // removing the quota lets everything through again
    skald.admin().alterTopic(plain).toCompletableFuture().join();
    List<CompletableFuture<RecordMetadata>> free = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      free.add(second.send("sms", "k", "c" + i).toCompletableFuture());
    }
    CompletableFuture.allOf(free.toArray(CompletableFuture[]::new)).join();
  }
}
