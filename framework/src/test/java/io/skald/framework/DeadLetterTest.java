package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.consumer.OrderingPolicy;
import io.skald.framework.consumer.ProcessingTimeoutException;
import io.skald.framework.consumer.RejectRecordException;
import io.skald.framework.consumer.RetryPolicy;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.internal.deadletter.DeadLetterHeaders;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DeadLetterTest {
  private SkaldTestNode node;
  private Skald skald;
  private Producer<String, String> producer;

  record Event(String key, String value, long nanos, int attempt) {}

  @BeforeEach
  void start() {
    node = SkaldTestNode.start();
    skald = node.skald();
    skald.admin().createTopic(TopicSpec.of("transfers", 1)).toCompletableFuture().join();
    producer = skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
  }

  @AfterEach
  void stop() {
    node.close();
    node.deleteDataDir();
  }

  private List<ConsumerRecord<String, String>> deadLetters(String group, int expected) {
    ConcurrentLinkedQueue<ConsumerRecord<String, String>> letters = new ConcurrentLinkedQueue<>();
    Subscription reader =
        skald.subscribe(
            SubscriptionSpec.of(group + "-inspector", Codecs.string(), Codecs.string())
                .withTopics(group + ".dlq")
                .withoutDeadLetters(),
            record -> {
              letters.add(record);
              return CompletableFuture.completedFuture(null);
            });
    Await.until(
        skald.system(), Duration.ofSeconds(10), () -> assertEquals(expected, letters.size()));
    reader.stop().toCompletableFuture().join();
    return List.copyOf(letters);
  }

  @Test
  void aPoisonRecordIsDeadLetteredAfterExactlyThreeAttemptsWhileOtherKeysFlow() {
    // given: a poison record of key "bad" between good records of "bad" and other keys
    producer.send("transfers", "bad", "bad-1").toCompletableFuture().join();
    producer
        .send("transfers", "bad", "poison", Map.of("trace", "t-1"))
        .toCompletableFuture()
        .join();
    producer.send("transfers", "bad", "bad-3").toCompletableFuture().join();
    for (int i = 0; i < 5; i++) {
      producer.send("transfers", "good-" + i, "g" + i).toCompletableFuture().join();
    }
    ConcurrentLinkedQueue<Event> seen = new ConcurrentLinkedQueue<>();
    Instant started = Instant.now();

    // when a key-parking subscription retries with 3 attempts and a growing backoff
    Subscription subscription =
        skald.subscribe(
            SubscriptionSpec.of("payouts", Codecs.string(), Codecs.string())
                .withTopics("transfers")
                .withOrderingPolicy(OrderingPolicy.KEY_PARKING)
                .withRetryPolicy(
                    RetryPolicy.exponential(Duration.ofMillis(200), Duration.ofMillis(600), 2.0)
                        .withMaxAttempts(3)),
            record -> {
              seen.add(
                  new Event(record.key(), record.value(), System.nanoTime(), record.attempt()));
              if (record.value().equals("poison")) {
                throw new IllegalStateException("cannot pay out " + record.value());
              }
              return CompletableFuture.completedFuture(null);
            });

    // then the poison record ends in the DLQ with its context, after exactly 3 attempts
    List<ConsumerRecord<String, String>> letters = deadLetters("payouts", 1);
    ConsumerRecord<String, String> letter = letters.get(0);
    assertEquals("bad", letter.key());
    assertEquals("poison", letter.value());
    Map<String, String> h = letter.headers();
    assertEquals("transfers", h.get(DeadLetterHeaders.TOPIC));
    assertEquals("0", h.get(DeadLetterHeaders.PARTITION));
    assertEquals("1", h.get(DeadLetterHeaders.OFFSET));
    assertEquals("payouts", h.get(DeadLetterHeaders.GROUP));
    assertEquals("3", h.get(DeadLetterHeaders.ATTEMPTS));
    assertEquals("retries-exhausted", h.get(DeadLetterHeaders.REASON));
    assertEquals(IllegalStateException.class.getName(), h.get(DeadLetterHeaders.ERROR_CLASS));
    assertEquals("cannot pay out poison", h.get(DeadLetterHeaders.ERROR_MESSAGE));
    assertEquals("t-1", h.get("trace"), "original headers are kept");
    Instant first = Instant.parse(h.get(DeadLetterHeaders.FIRST_FAILURE));
    Instant last = Instant.parse(h.get(DeadLetterHeaders.LAST_FAILURE));
    assertTrue(!first.isBefore(started.minusSeconds(1)) && last.isAfter(first));

    Await.until(
        skald.system(),
        Duration.ofSeconds(10),
        () ->
            assertEquals(
                8L,
                skald
                    .admin()
                    .committedOffsets("payouts")
                    .toCompletableFuture()
                    .join()
                    .get(new TopicPartition("transfers", 0)),
                "the poison record is acknowledged once dead-lettered, the rest is committed"));
    List<Event> events = new ArrayList<>(seen);
    List<Event> poisonAttempts = events.stream().filter(e -> e.value().equals("poison")).toList();
    assertEquals(List.of(1, 2, 3), poisonAttempts.stream().map(Event::attempt).toList());

    // other keys were handled during the retries, before the last attempt
    long lastPoison = poisonAttempts.get(2).nanos();
    assertTrue(
        events.stream()
            .filter(e -> e.key().startsWith("good"))
            .allMatch(e -> e.nanos() < lastPoison),
        "other keys flow while the poison key is parked");
    // the poison key's next record waited for the poison record, then flowed in order
    List<String> badKey =
        events.stream().filter(e -> e.key().equals("bad")).map(Event::value).toList();
    assertEquals(List.of("bad-1", "poison", "poison", "poison", "bad-3"), badKey);

    // backoff: the gaps grow, with jitter within [half, full] of 200 ms then 400 ms (+ 300 ms
    // scheduling tolerance for a loaded machine)
    long gap1 = (poisonAttempts.get(1).nanos() - poisonAttempts.get(0).nanos()) / 1_000_000;
    long gap2 = (poisonAttempts.get(2).nanos() - poisonAttempts.get(1).nanos()) / 1_000_000;
    assertTrue(gap1 >= 100 && gap1 < 200 + 300, "first gap " + gap1 + " ms");
    assertTrue(gap2 >= 200 && gap2 < 400 + 300, "second gap " + gap2 + " ms");
    subscription.stop().toCompletableFuture().join();
  }

  @Test
  void partitionBlockingHoldsEveryKeyUntilThePoisonRecordIsDeadLettered() {
    producer.send("transfers", "bad", "poison").toCompletableFuture().join();
    producer.send("transfers", "other", "after").toCompletableFuture().join();
    ConcurrentLinkedQueue<String> order = new ConcurrentLinkedQueue<>();
    Subscription subscription =
        skald.subscribe(
            SubscriptionSpec.of("strict-order", Codecs.string(), Codecs.string())
                .withTopics("transfers")
                .withParallelism(4)
                .withOrderingPolicy(OrderingPolicy.PARTITION_BLOCKING)
                .withRetryPolicy(
                    RetryPolicy.exponential(Duration.ofMillis(20), Duration.ofMillis(50), 2.0)
                        .withMaxAttempts(2)),
            record -> {
              order.add(record.value() + "#" + record.attempt());
              if (record.value().equals("poison")) {
                return CompletableFuture.failedFuture(new IllegalStateException("boom"));
              }
              return CompletableFuture.completedFuture(null);
            });
    deadLetters("strict-order", 1);
    Await.until(skald.system(), Duration.ofSeconds(10), () -> assertEquals(3, order.size()));
    assertEquals(List.of("poison#1", "poison#2", "after#1"), List.copyOf(order));
    subscription.stop().toCompletableFuture().join();
  }

  @Test
  void rejectedAndTimedOutRecordsAreDeadLetteredWithTheirReason() {
    producer.send("transfers", "a", "reject-me").toCompletableFuture().join();
    producer.send("transfers", "b", "hang").toCompletableFuture().join();
    producer.send("transfers", "c", "fine").toCompletableFuture().join();
    ConcurrentLinkedQueue<String> attempts = new ConcurrentLinkedQueue<>();
    Subscription subscription =
        skald.subscribe(
            SubscriptionSpec.of("checks", Codecs.string(), Codecs.string())
                .withTopics("transfers")
                .withProcessingTimeout(Duration.ofMillis(300))
                .withRetryPolicy(
                    RetryPolicy.exponential(Duration.ofMillis(10), Duration.ofMillis(20), 2.0)
                        .withMaxAttempts(2)),
            record -> {
              attempts.add(record.value());
              if (record.value().equals("reject-me")) {
                throw new RejectRecordException("invalid IBAN");
              }
              if (record.value().equals("hang")) {
                return new CompletableFuture<>(); // never completes
              }
              return CompletableFuture.completedFuture(null);
            });
    List<ConsumerRecord<String, String>> letters = deadLetters("checks", 2);
    ConsumerRecord<String, String> rejected = letters.get(0);
    assertEquals("reject-me", rejected.value());
    assertEquals("rejected", rejected.headers().get(DeadLetterHeaders.REASON));
    assertEquals("1", rejected.headers().get(DeadLetterHeaders.ATTEMPTS));
    assertEquals("invalid IBAN", rejected.headers().get(DeadLetterHeaders.ERROR_MESSAGE));
    ConsumerRecord<String, String> timedOut = letters.get(1);
    assertEquals("hang", timedOut.value());
    assertEquals("2", timedOut.headers().get(DeadLetterHeaders.ATTEMPTS));
    assertEquals(
        ProcessingTimeoutException.class.getName(),
        timedOut.headers().get(DeadLetterHeaders.ERROR_CLASS));
    assertEquals(
        1, attempts.stream().filter("reject-me"::equals).count(), "rejects are not retried");
    assertEquals(2, attempts.stream().filter("hang"::equals).count());
    Await.until(
        skald.system(),
        Duration.ofSeconds(5),
        () ->
            assertEquals(
                3L,
                skald
                    .admin()
                    .committedOffsets("checks")
                    .toCompletableFuture()
                    .join()
                    .get(new TopicPartition("transfers", 0))));
    subscription.stop().toCompletableFuture().join();
  }
}
