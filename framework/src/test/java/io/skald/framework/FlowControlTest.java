package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.PartitionLag;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.RecordMetadata;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FlowControlTest {
  private static final int RECORDS = 6_000;
  private static final int PREFETCH = 200;

  @Test
  void aSlowHandlerBoundsWhatIsBufferedLosesNothingAndLagIsReported() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      skald.admin().createTopic(TopicSpec.of("firehose", 2)).toCompletableFuture().join();

      // given a handler that takes at least a millisecond per record
      Set<String> handled = ConcurrentHashMap.newKeySet();
      Subscription subscription =
          skald.subscribe(
              SubscriptionSpec.of("slowpokes", Codecs.string(), Codecs.string())
                  .withTopics("firehose")
                  .withPrefetch(PREFETCH),
              record ->
                  CompletableFuture.runAsync(
                      () -> handled.add(record.partition() + "@" + record.offset()),
                      CompletableFuture.delayedExecutor(1, TimeUnit.MILLISECONDS)));

      // when a producer sends at full speed (about 100x faster than the handler)
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
      for (int i = 0; i < RECORDS; i++) {
        sends.add(producer.send("firehose", "k" + i, "v" + i).toCompletableFuture());
      }
      CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();

      // then, sampled all along, the member never buffers more than its window per partition...
      AtomicInteger maxBuffered = new AtomicInteger();
      AtomicBoolean sawLag = new AtomicBoolean();
      Await.until(
          skald.system(),
          Duration.ofSeconds(60),
          () -> {
            maxBuffered.accumulateAndGet(subscription.bufferedRecords(), Math::max);
            List<PartitionLag> lag =
                skald.admin().lag("slowpokes", "firehose").toCompletableFuture().join();
            for (PartitionLag p : lag) {
              long from = Math.max(Math.max(p.committedOffset(), 0), p.logStartOffset());
              assertEquals(p.logEndOffset() - from, p.lag(), "lag is end minus committed");
            }
            if (lag.stream().mapToLong(PartitionLag::lag).sum() > 0) {
              sawLag.set(true);
            }
            // ...and in the end every record is handled and nothing is left behind
            assertEquals(RECORDS, handled.size());
            assertEquals(0, lag.stream().mapToLong(PartitionLag::lag).sum());
          });
      assertTrue(sawLag.get(), "lag was reported while the handler fell behind");
      assertTrue(maxBuffered.get() > 0, "records were buffered");
      assertTrue(
          maxBuffered.get() <= 2 * PREFETCH,
          "buffered at most the window per partition, saw " + maxBuffered.get());
      long depth =
          skald.admin().lag("slowpokes", "firehose").toCompletableFuture().join().stream()
              .mapToLong(PartitionLag::depth)
              .sum();
      assertEquals(RECORDS, depth);
      subscription.stop().toCompletableFuture().join();
      node.deleteDataDir();
    }
  }
}
