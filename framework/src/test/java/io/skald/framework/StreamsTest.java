package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerRecord;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.stream.SkaldStreams;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StreamsTest {
  private SkaldTestNode node;
  private Skald skald;

  @BeforeEach
  void start() {
    node = SkaldTestNode.start();
    skald = node.skald();
    skald.admin().createTopic(TopicSpec.of("clicks", 4)).toCompletableFuture().join();
  }

  @AfterEach
  void stop() {
    node.close();
    node.deleteDataDir();
  }

  private long committed(String group) {
    return skald.admin().committedOffsets(group).toCompletableFuture().join().values().stream()
        .mapToLong(Long::longValue)
        .sum();
  }

  @Test
  void aSourceThroughASlowStageCommitsFiftyThousandRecordsAtLeastOnce() throws Exception {
    // given 50,000 records produced through the producer sink
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    Source.from(IntStream.range(0, 50_000).boxed().toList())
        .map(i -> ProducerRecord.of("clicks", "user-" + (i % 500), "click-" + i))
        .runWith(SkaldStreams.producerSink(producer, 1_000), skald.system())
        .toCompletableFuture()
        .get(60, TimeUnit.SECONDS);

    // when a committable source feeds a slow stage and then the commit sink
    Set<String> seen = ConcurrentHashMap.newKeySet();
    SkaldStreams.committableSource(
            skald,
            SubscriptionSpec.of("analytics", Codecs.string(), Codecs.string())
                .withTopics("clicks")
                .withParallelism(64))
        .throttle(25_000, Duration.ofSeconds(1))
        .map(
            committable -> {
              ConsumerRecord<String, String> r = committable.record();
              seen.add(r.partition() + "@" + r.offset());
              return committable;
            })
        .runWith(SkaldStreams.commitSink(), skald.system());

    // then every record passed and the commits cover exactly all of them
    Await.until(
        skald.system(),
        Duration.ofSeconds(60),
        () -> {
          assertEquals(50_000, seen.size());
          assertEquals(50_000L, committed("analytics"));
        });
  }

  @Test
  void cancellingTheStreamStopsFetchingAndLeavesTheGroup() throws Exception {
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    for (int i = 0; i < 1_000; i++) {
      producer.send("clicks", "user-" + i, "c" + i);
    }
    producer.send("clicks", "last", "last").toCompletableFuture().join();

    // when a stream takes 100 records, commits them, and completes (cancelling the source)
    var result =
        SkaldStreams.committableSource(
                skald,
                SubscriptionSpec.of("sampler", Codecs.string(), Codecs.string())
                    .withTopics("clicks")
                    .withPrefetch(50))
            .take(100)
            .map(
                c -> {
                  c.commit();
                  return c.record().partition() + "@" + c.record().offset();
                })
            .toMat(Sink.seq(), org.apache.pekko.stream.javadsl.Keep.both())
            .run(skald.system());
    List<String> taken = result.second().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals(100, taken.size());
    // at-least-once: a redelivery (after a rejoin under load) may repeat a record in the stream
    long distinct = taken.stream().distinct().count();

    // then the member stops: it leaves the group, and the group stops short of the end
    Subscription subscription =
        result.first().subscription().toCompletableFuture().get(10, TimeUnit.SECONDS);
    subscription.whenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    long position = committed("sampler");
    assertTrue(
        position >= distinct && position < 1_001,
        "committed " + position + " after taking " + distinct + " distinct records: " + taken);
  }
}
