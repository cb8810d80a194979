package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.Autoscaling;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Autoscaling on a real node: parallelism grows with lag, shrinks when idle, keeps key order. */
class AutoscalingTest {
  private SkaldTestNode node;
  private Skald skald;
  private final ScheduledExecutorService work = Executors.newScheduledThreadPool(2);

  @BeforeEach
  void start() {
    node = SkaldTestNode.start();
    skald = node.skald();
    io.skald.framework.testing.Meters.record(skald);
    skald.admin().createTopic(TopicSpec.of("jobs", 1)).toCompletableFuture().join();
  }

  @AfterEach
  void stop() {
    work.shutdownNow();
    node.close();
    node.deleteDataDir();
  }

  private double changes(String direction) {
    return io.skald.framework.testing.Meters.count(
        skald, "skald.consumer.autoscaled", "direction", direction);
  }

  private void send(int from, int to) {
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    List<CompletableFuture<?>> acks = new ArrayList<>();
    for (int i = from; i < to; i++) {
      acks.add(
          producer.send("jobs", "job-" + (i % 300), Integer.toString(i)).toCompletableFuture());
    }
    acks.forEach(CompletableFuture::join);
  }

  @Test
  void parallelismGrowsWithLagShrinksWhenIdleAndKeepsKeyOrder() {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    AtomicInteger handled = new AtomicInteger();
    Map<String, Integer> lastPerKey = new ConcurrentHashMap<>();
    List<String> disorder = new java.util.concurrent.CopyOnWriteArrayList<>();
    Subscription subscription =
        skald.subscribe(
            SubscriptionSpec.of("workers", Codecs.string(), Codecs.string())
                .withTopics("jobs")
                .withPrefetch(200)
                .withAutoscaling(
                    Autoscaling.between(1, 16)
                        .scaleUpAtLag(50)
                        .scaleUpAfter(Duration.ofMillis(200))
                        .scaleDownAfter(Duration.ofMillis(500))),
            record -> {
              int now = running.incrementAndGet();
              most.accumulateAndGet(now, Math::max);
              int index = Integer.parseInt(record.value());
              Integer before = lastPerKey.put(record.key(), index);
              if (before != null && before > index) {
                disorder.add(record.key() + ": " + before + " then " + index);
              }
              CompletableFuture<Void> done = new CompletableFuture<>();
              work.schedule(
                  () -> {
                    running.decrementAndGet();
                    handled.incrementAndGet();
                    done.complete(null);
                  },
                  20,
                  TimeUnit.MILLISECONDS);
              return done;
            });

    // a backlog of 1,500 records of 20 ms each: at parallelism 1 it would take 30 s
    send(0, 1_500);
    Await.until(skald.system(), Duration.ofSeconds(60), () -> assertEquals(1_500, handled.get()));
    assertTrue(most.get() >= 8, "parallelism grew with the lag, reached " + most.get());
    assertTrue(most.get() <= 16, "and stayed within max: " + most.get());
    assertTrue(changes("up") >= 3, "doublings counted: " + changes("up"));
    assertTrue(disorder.isEmpty(), "per-key order: " + disorder);

    // when idle it halves back to min
    Await.until(
        skald.system(),
        Duration.ofSeconds(20),
        () -> assertTrue(changes("down") >= changes("up"), "back to 1: " + changes("down")));
    most.set(0);
    send(1_500, 1_530); // a lag of 30, under the scale-up line
    Await.until(skald.system(), Duration.ofSeconds(20), () -> assertEquals(1_530, handled.get()));
    assertEquals(1, most.get(), "at min again, a small lag does not scale up");
    subscription.stop().toCompletableFuture().join();
  }

  @Test
  void invalidPoliciesAreRefusedAtConfigurationTime() {
    assertThrows(IllegalArgumentException.class, () -> Autoscaling.between(0, 4));
    assertThrows(IllegalArgumentException.class, () -> Autoscaling.between(4, 2));
    assertThrows(IllegalArgumentException.class, () -> Autoscaling.between(1, 4).scaleUpAtLag(0));
    assertThrows(
        IllegalArgumentException.class,
        () -> Autoscaling.between(1, 4).scaleUpAtLag(10).scaleDownAtLag(10));
    assertThrows(
        IllegalArgumentException.class,
        () -> Autoscaling.between(1, 4).scaleDownAfter(Duration.ZERO));
    IllegalArgumentException overPrefetch =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SubscriptionSpec.of("g", Codecs.string(), Codecs.string())
                    .withTopics("jobs")
                    .withAutoscaling(Autoscaling.between(1, 1_000))
                    .validate());
    assertTrue(overPrefetch.getMessage().contains("prefetch"), overPrefetch.getMessage());
  }
}
