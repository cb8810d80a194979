package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.InvalidTopicException;
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

/** Producer rate limits on a real node: delay in send order, or refuse; counted in metrics. */
class ProducerRateLimitTest {
  private SkaldTestNode node;
  private Skald skald;

  @BeforeEach
  void start() {
    node = SkaldTestNode.start();
    skald = node.skald();
    io.skald.framework.testing.Meters.record(skald);
    skald.admin().createTopic(TopicSpec.of("orders", 2)).toCompletableFuture().join();
    skald.admin().createTopic(TopicSpec.of("emails", 1)).toCompletableFuture().join();
  }

  @AfterEach
  void stop() {
    node.close();
    node.deleteDataDir();
  }

  private double counter(String name, String topic) {
    return io.skald.framework.testing.Meters.count(skald, name, "topic", topic);
  }

  @Test
  void recordsOverTheLimitAreDelayedInSendOrder() {
    // 500 records/s with a 100 ms burst: 50 at once, then one every 2 ms
    Producer<String, String> producer =
        skald.producer(
            ProducerSettings.of(Codecs.string(), Codecs.string())
                .withRateLimit(RateLimit.recordsPerSecond(500).withBurst(Duration.ofMillis(100))));
    long start = System.nanoTime();
    List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      sent.add(producer.send("orders", "one-key", "v" + i).toCompletableFuture());
    }
    long previous = -1;
    for (CompletableFuture<RecordMetadata> ack : sent) {
      long offset = ack.join().offset();
      assertTrue(offset > previous, "send order is kept: " + offset + " after " + previous);
      previous = offset;
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    // the limiter never releases early: 250 records beyond the burst take at least 0.5 s
    assertTrue(seconds >= 0.49, "300 records at 500/s with a burst of 50 took " + seconds + " s");
    assertTrue(counter("skald.producer.quota.delayed", "orders") >= 200);
  }

  @Test
  void aByteLimitDelaysByTheEncodedSize() {
    // 20,000 bytes/s, burst 50 ms = 1,000 bytes; 20 records of ~1,000 bytes take about a second
    Producer<String, String> producer =
        skald.producer(
            ProducerSettings.of(Codecs.string(), Codecs.string())
                .withTopicRateLimit(
                    "orders", RateLimit.bytesPerSecond(20_000).withBurst(Duration.ofMillis(50))));
    String value = "x".repeat(1_000);
    long start = System.nanoTime();
    List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      sent.add(producer.send("orders", "k" + i, value).toCompletableFuture());
    }
    sent.forEach(CompletableFuture::join);
    double seconds = (System.nanoTime() - start) / 1e9;
    assertTrue(seconds >= 0.9, "20 KB at 20 KB/s with a 1 KB burst took " + seconds + " s");
    // another topic of the same producer is not limited
    long other = System.nanoTime();
    for (int i = 0; i < 20; i++) {
      producer.send("emails", "k", value).toCompletableFuture().join();
    }
    assertTrue((System.nanoTime() - other) / 1e9 < seconds, "emails is not limited");
  }

  @Test
  void aRefusingLimitFailsTheSendAndTakesNothing() {
    Producer<String, String> producer =
        skald.producer(
            ProducerSettings.of(Codecs.string(), Codecs.string())
                .withTopicRateLimit(
                    "emails",
                    RateLimit.recordsPerSecond(10)
                        .withBurst(Duration.ofSeconds(1))
                        .whenExceeded(RateLimit.WhenExceeded.REFUSE)));
    int accepted = 0;
    int refused = 0;
    for (int i = 0; i < 40; i++) {
      try {
        producer.send("emails", "k", "mail " + i).toCompletableFuture().join();
        accepted++;
      } catch (CompletionException e) {
        QuotaExceededException quota = assertInstanceOf(QuotaExceededException.class, e.getCause());
        assertTrue(quota.retryAfterMillis() > 0);
        assertTrue(quota.getMessage().contains("'emails'"), quota.getMessage());
        refused++;
      }
    }
    assertTrue(accepted >= 10 && refused > 0, accepted + " accepted, " + refused + " refused");
    // exactly the accepted records are in the log: a refused one was not written
    long logEnd =
        skald
            .admin()
            .partitionOffsets(new TopicPartition("emails", 0))
            .toCompletableFuture()
            .join()
            .logEndOffset();
    assertEquals(accepted, logEnd);
    // counted by the producer's actor, after the send failed: wait for it
    int refusals = refused;
    io.skald.testkit.Await.until(
        skald.system(),
        Duration.ofSeconds(10),
        () -> assertEquals(refusals, counter("skald.producer.quota.refused", "emails"), 0.0));
  }

  @Test
  void invalidLimitsAreRefusedAtConfigurationTime() {
    assertThrows(IllegalArgumentException.class, () -> RateLimit.recordsPerSecond(-1));
    assertThrows(IllegalArgumentException.class, () -> RateLimit.recordsPerSecond(0));
    assertThrows(IllegalArgumentException.class, () -> RateLimit.recordsPerSecond(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> RateLimit.bytesPerSecond(-5));
    assertThrows(
        IllegalArgumentException.class,
        () -> RateLimit.recordsPerSecond(1).andBytesPerSecond(Double.POSITIVE_INFINITY));
    assertThrows(
        IllegalArgumentException.class,
        () -> RateLimit.recordsPerSecond(1).withBurst(Duration.ZERO));
    assertThrows(
        InvalidTopicException.class,
        () ->
            ProducerSettings.of(Codecs.string(), Codecs.string())
                .withTopicRateLimit("not a topic!", RateLimit.recordsPerSecond(1)));
  }
}
