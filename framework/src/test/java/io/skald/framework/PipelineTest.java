package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.consumer.DeliveryMode;
import io.skald.framework.consumer.RetryPolicy;
import io.skald.framework.consumer.StartPosition;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.deadletter.DeadLetter;
import io.skald.framework.deadletter.DeadLetterReason;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerRecord;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.stream.SkaldStreams;
import io.skald.framework.transaction.Pipeline;
import io.skald.framework.transaction.PipelineSpec;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Keep;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The consume-transform-produce pipeline: outputs and input positions in one transaction. */
class PipelineTest {
  private static SkaldTestNode node;
  private static Skald skald;

  @BeforeAll
  static void start() {
    node = SkaldTestNode.start();
    skald = node.skald();
  }

  @AfterAll
  static void stop() {
    node.close();
    node.deleteDataDir();
  }

  private static void topic(String name, int partitions) {
    skald.admin().createTopic(TopicSpec.of(name, partitions)).toCompletableFuture().join();
  }

  private static void produce(String topic, int count, int keys) {
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    List<CompletableFuture<?>> sent = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      sent.add(producer.send(topic, "k" + (i % keys), Integer.toString(i)).toCompletableFuture());
    }
    sent.forEach(CompletableFuture::join);
  }

  /** Everything a plain consumer reads from the topics, from the start. */
  private static List<ConsumerRecord<String, String>> reader(String group, String... topics) {
    List<ConsumerRecord<String, String>> seen = new CopyOnWriteArrayList<>();
    skald.subscribe(
        SubscriptionSpec.of(group, Codecs.string(), Codecs.string())
            .withTopics(topics)
            .withStartPosition(StartPosition.EARLIEST),
        record -> {
          seen.add(record);
          return CompletableFuture.completedFuture(null);
        });
    return seen;
  }

  private static void await(Duration max, Runnable assertion) {
    TestProbe<Object> probe = TestProbe.create(skald.system());
    probe.awaitAssert(
        max,
        () -> {
          assertion.run();
          return null;
        });
  }

  /** Per key, the values in the order the reader saw them. */
  private static Map<String, List<String>> byKey(List<ConsumerRecord<String, String>> records) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (ConsumerRecord<String, String> r : records) {
      out.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value());
    }
    return out;
  }

  private static long committed(String group, String topic, int partition) {
    return skald
        .admin()
        .committedOffsets(group)
        .toCompletableFuture()
        .join()
        .getOrDefault(new TopicPartition(topic, partition), -1L);
  }

  @Test
  void copiesEveryRecordToTwoTopicsExactlyOnceInKeyOrderAcrossARebalance() {
    topic("pl-in", 4);
    topic("pl-out-a", 3);
    topic("pl-out-b", 2);
    int count = 2_000;
    produce("pl-in", count / 2, 20);
    // #txn-pipeline-spec
    PipelineSpec<String, String, String, String> spec =
        PipelineSpec.of(
                SubscriptionSpec.of("pl-copier", Codecs.string(), Codecs.string())
                    .withTopics("pl-in")
                    .withStartPosition(StartPosition.EARLIEST),
                Codecs.string(),
                Codecs.string())
            .withBatchSize(50) // input records per transaction, at most
            .withCommitInterval(Duration.ofMillis(20)); // how long a transaction stays open
    // #txn-pipeline-spec
    List<ConsumerRecord<String, String>> outA = reader("pl-read-a", "pl-out-a");
    List<ConsumerRecord<String, String>> outB = reader("pl-read-b", "pl-out-b");

    // given one pipeline member, then a second one joining half-way (the partitions move)
    // #txn-pipeline
    Pipeline first =
        skald.pipeline(
            spec,
            (record, out) -> {
              out.send("pl-out-a", record.key(), "a" + record.value());
              out.send("pl-out-b", record.key(), "b" + record.value());
            });
    // #txn-pipeline
    await(Duration.ofSeconds(20), () -> assertTrue(outA.size() >= count / 4, "" + outA.size()));
    Pipeline second =
        skald.pipeline(
            spec,
            (record, out) -> {
              out.send("pl-out-a", record.key(), "a" + record.value());
              out.send("pl-out-b", record.key(), "b" + record.value());
            });
    produce("pl-in", count / 2, 20);

    // then each output holds every input's result once, in the input's per-key order
    await(
        Duration.ofSeconds(30),
        () -> {
          assertEquals(count, outA.size());
          assertEquals(count, outB.size());
        });
    Map<String, List<String>> expected = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      int n = i < count / 2 ? i : i - count / 2;
      String value = Integer.toString(n);
      expected.computeIfAbsent("k" + (n % 20), k -> new ArrayList<>()).add(value);
    }
    Map<String, List<String>> a = byKey(outA);
    Map<String, List<String>> b = byKey(outB);
    for (Map.Entry<String, List<String>> e : expected.entrySet()) {
      assertEquals(
          e.getValue().stream().map(v -> "a" + v).toList(), a.get(e.getKey()), "a " + e.getKey());
      assertEquals(
          e.getValue().stream().map(v -> "b" + v).toList(), b.get(e.getKey()), "b " + e.getKey());
    }
    await(
        Duration.ofSeconds(10),
        () -> {
          long positions = 0;
          for (int p = 0; p < 4; p++) {
            positions += committed("pl-copier", "pl-in", p);
          }
          assertEquals(count, positions);
        });
    assertTrue(first.committedTransactions() + second.committedTransactions() > 4);
    first.stop().toCompletableFuture().join();
    second.stop().toCompletableFuture().join();
  }

  @Test
  void aFailingHandlerAndARefusedOutputAreDeadLetteredInTheTransaction() {
    topic("pl-bad-in", 1);
    topic("pl-bad-out", 1);
    produce("pl-bad-in", 30, 3);
    Pipeline pipeline =
        skald.pipeline(
            PipelineSpec.of(
                    SubscriptionSpec.of("pl-bad", Codecs.string(), Codecs.string())
                        .withTopics("pl-bad-in")
                        .withStartPosition(StartPosition.EARLIEST)
                        .withRetryPolicy(RetryPolicy.none()),
                    Codecs.string(),
                    Codecs.string())
                .withBatchSize(10),
            (record, out) -> {
              if (record.value().equals("7")) {
                throw new IllegalStateException("cannot transform 7");
              }
              if (record.value().equals("13")) {
                out.send("pl-no-such-topic", record.key(), record.value());
                return;
              }
              out.send("pl-bad-out", record.key(), record.value());
            });
    List<ConsumerRecord<String, String>> out = reader("pl-bad-read", "pl-bad-out");

    // then the 28 good records are written once, the two bad ones dead-lettered with their cause
    await(Duration.ofSeconds(20), () -> assertEquals(28, out.size()));
    await(
        Duration.ofSeconds(10),
        () -> assertEquals(2L, skald.deadLetters("pl-bad").size().toCompletableFuture().join()));
    List<DeadLetter> letters = skald.deadLetters("pl-bad").list(0, 10).toCompletableFuture().join();
    assertEquals("7", letters.get(0).valueAsString());
    assertEquals(IllegalStateException.class.getName(), letters.get(0).errorClass());
    assertEquals("13", letters.get(1).valueAsString());
    assertEquals(DeadLetterReason.REFUSED, letters.get(1).reason());
    assertEquals(UnknownTopicException.class.getName(), letters.get(1).errorClass());
    await(Duration.ofSeconds(10), () -> assertEquals(30, committed("pl-bad", "pl-bad-in", 0)));
    assertTrue(out.stream().noneMatch(r -> r.value().equals("7") || r.value().equals("13")));
    pipeline.stop().toCompletableFuture().join();
  }

  @Test
  void aSpecThatCannotKeepOrderOrCommitItsPositionsIsRefused() {
    SubscriptionSpec<String, String> input =
        SubscriptionSpec.of("pl-spec", Codecs.string(), Codecs.string()).withTopics("x");
    assertThrows(
        IllegalArgumentException.class,
        () -> PipelineSpec.of(input.withParallelism(4), Codecs.string(), Codecs.string()).input());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            PipelineSpec.of(
                input.withDeliveryMode(DeliveryMode.AT_MOST_ONCE),
                Codecs.string(),
                Codecs.string()));
    assertThrows(
        IllegalArgumentException.class,
        () -> PipelineSpec.of(input, Codecs.string(), Codecs.string()).withBatchSize(0));
    assertEquals(
        DeliveryMode.TRANSACTIONAL,
        PipelineSpec.of(input, Codecs.string(), Codecs.string()).input().deliveryMode());
    assertTrue(
        PipelineSpec.of(
                    SubscriptionSpec.of("g".repeat(196), Codecs.string(), Codecs.string()),
                    Codecs.string(),
                    Codecs.string())
                .transactionalId("t".repeat(200), 3)
                .length()
            <= 200);
  }

  @Test
  void aStreamWithAnAsynchronousStageCopiesExactlyOnce() {
    topic("pl-stream-in", 2);
    topic("pl-stream-out", 2);
    produce("pl-stream-in", 300, 10);
    List<ConsumerRecord<String, String>> out = reader("pl-stream-read", "pl-stream-out");
    PipelineSpec<String, String, String, String> spec =
        PipelineSpec.of(
                SubscriptionSpec.of("pl-streamer", Codecs.string(), Codecs.string())
                    .withTopics("pl-stream-in")
                    .withStartPosition(StartPosition.EARLIEST),
                Codecs.string(),
                Codecs.string())
            .withBatchSize(40);
    // #txn-stream
    Pair<CompletionStage<Pipeline>, CompletionStage<Done>> running =
        SkaldStreams.pipelineSource(skald, spec)
            .mapAsync(
                4,
                element ->
                    CompletableFuture.supplyAsync(() -> "x" + element.record().value())
                        .thenApply(
                            value ->
                                element.withOutputs(
                                    List.of(
                                        ProducerRecord.of(
                                            "pl-stream-out", element.record().key(), value)))))
            .toMat(SkaldStreams.pipelineSink(), Keep.both())
            .run(skald.system());
    // #txn-stream
    await(Duration.ofSeconds(20), () -> assertEquals(300, out.size()));
    Map<String, List<String>> byKey = byKey(out);
    for (int k = 0; k < 10; k++) {
      List<String> expected = new ArrayList<>();
      for (int i = k; i < 300; i += 10) {
        expected.add("x" + i);
      }
      assertEquals(expected, byKey.get("k" + k), "key k" + k);
    }
    // stopping the pipeline completes the stream
    running.first().toCompletableFuture().join().stop().toCompletableFuture().join();
    running.second().toCompletableFuture().join();
  }
}
