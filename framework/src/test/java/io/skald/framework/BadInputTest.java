package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.skald.framework.admin.InvalidTopicException;
import io.skald.framework.admin.TopicConflictException;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.HandlerFailedException;
import io.skald.framework.consumer.RetryPolicy;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.producer.InvalidRecordException;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.RecordTooLargeException;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BadInputTest {
  private static SkaldTestNode node;
  private static Skald skald;
  private static Producer<String, String> producer;

  record Order(String id, int quantity) {}

  @BeforeAll
  static void start() {
    node =
        SkaldTestNode.start(
            SkaldTestNode.newDataDir(), false, "skald.framework.max-record-bytes = 2000");
    skald = node.skald();
    skald.admin().createTopic(TopicSpec.of("inbox", 2)).toCompletableFuture().join();
    producer = skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
  }

  @AfterAll
  static void stop() {
    node.close();
    node.deleteDataDir();
  }

  private static Throwable failureOf(CompletionStage<?> stage) {
    CompletionException e =
        assertThrows(CompletionException.class, () -> stage.toCompletableFuture().join());
    return e.getCause();
  }

  @Test
  void invalidTopicDefinitionsAreRejectedWithTheReason() {
    assertThrows(InvalidTopicException.class, () -> TopicSpec.of("", 1));
    assertThrows(InvalidTopicException.class, () -> TopicSpec.of(null, 1));
    InvalidTopicException badChar =
        assertThrows(InvalidTopicException.class, () -> TopicSpec.of("orders/eu", 1));
    assertTrue(badChar.getMessage().contains("orders/eu"));
    assertThrows(InvalidTopicException.class, () -> TopicSpec.of("x".repeat(201), 1));
    assertThrows(InvalidTopicException.class, () -> TopicSpec.of("orders", 0));
    assertThrows(InvalidTopicException.class, () -> TopicSpec.of("orders", -3));
  }

  @Test
  void recreatingATopicIsIdempotentButAnotherPartitionCountConflicts() {
    skald.admin().createTopic(TopicSpec.of("catalog", 3)).toCompletableFuture().join();
    assertEquals(
        TopicSpec.of("catalog", 3),
        skald.admin().createTopic(TopicSpec.of("catalog", 3)).toCompletableFuture().join());
    Throwable conflict = failureOf(skald.admin().createTopic(TopicSpec.of("catalog", 5)));
    assertInstanceOf(TopicConflictException.class, conflict);
    assertTrue(conflict.getMessage().contains("partitions 3 (requested 5)"), conflict.getMessage());
    assertTrue(
        skald
            .admin()
            .listTopics()
            .toCompletableFuture()
            .join()
            .contains(TopicSpec.of("catalog", 3)));
  }

  @Test
  void unknownTopicFailsSendAndSubscribe() {
    assertInstanceOf(UnknownTopicException.class, failureOf(producer.send("nowhere", "k", "v")));
    assertThrows(
        UnknownTopicException.class,
        () ->
            skald.subscribe(
                SubscriptionSpec.of("g", Codecs.string(), Codecs.string()).withTopics("nowhere"),
                r -> CompletableFuture.completedFuture(null)));
    assertTrue(skald.admin().describeTopic("nowhere").toCompletableFuture().join().isEmpty());
    // a record for a known topic sent right after is unaffected
    assertEquals("inbox", producer.send("inbox", "k", "v").toCompletableFuture().join().topic());
  }

  @Test
  void nullsInvalidNamesAndOversizedRecordsFailWithTypedErrors() {
    assertInstanceOf(InvalidRecordException.class, failureOf(producer.send("inbox", "k", null)));
    assertInstanceOf(InvalidTopicException.class, failureOf(producer.send(null, "k", "v")));
    assertInstanceOf(InvalidTopicException.class, failureOf(producer.send("bad name", "k", "v")));
    Throwable tooLarge = failureOf(producer.send("inbox", "k", "x".repeat(5_000)));
    assertInstanceOf(RecordTooLargeException.class, tooLarge);
    assertTrue(tooLarge.getMessage().contains("2000"));
    assertInstanceOf(
        InvalidRecordException.class,
        failureOf(producer.sendToPartition("inbox", 7, "k", "v", Map.of())));
    assertInstanceOf(
        InvalidRecordException.class,
        failureOf(producer.send("inbox", "k", "v", Map.of("", "empty name"))));
  }

  @Test
  void invalidConfigurationNamesTheKey() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SkaldSettings.from(
                    ConfigFactory.parseString("skald.framework.partition.index-interval = 0")
                        .withFallback(ConfigFactory.load())));
    assertTrue(e.getMessage().contains("skald.framework.partition.index-interval"));
    assertThrows(
        IllegalArgumentException.class,
        () -> SubscriptionSpec.of("g", Codecs.string(), Codecs.string()).withPrefetch(0));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            skald.subscribe(
                SubscriptionSpec.of("g", Codecs.string(), Codecs.string())
                    .withTopics("inbox")
                    .withAssignor("no-such-strategy"),
                r -> CompletableFuture.completedFuture(null)));
  }

  @Test
  void aHandlerThatThrowsIsRetriedWithBackoffUntilItSucceeds() {
    // given a handler that fails the first two attempts of every record
    skald.admin().createTopic(TopicSpec.of("flaky", 1)).toCompletableFuture().join();
    producer.send("flaky", "k", "one").toCompletableFuture().join();
    ConcurrentLinkedQueue<Integer> attempts = new ConcurrentLinkedQueue<>();
    Subscription subscription =
        skald.subscribe(
            SubscriptionSpec.of("retrying", Codecs.string(), Codecs.string())
                .withTopics("flaky")
                .withRetryPolicy(
                    RetryPolicy.exponential(Duration.ofMillis(20), Duration.ofMillis(100), 2.0)
                        .withMaxAttempts(5)),
            record -> {
              attempts.add(record.attempt());
              if (record.attempt() < 3) {
                throw new IllegalStateException("transient failure " + record.attempt());
              }
              return CompletableFuture.completedFuture(null);
            });

    // then it is handled on the third attempt and committed
    Await.until(
        skald.system(),
        Duration.ofSeconds(10),
        () ->
            assertEquals(
                1L,
                skald
                    .admin()
                    .committedOffsets("retrying")
                    .toCompletableFuture()
                    .join()
                    .get(new TopicPartition("flaky", 0))));
    assertEquals(java.util.List.of(1, 2, 3), java.util.List.copyOf(attempts));
    subscription.stop().toCompletableFuture().join();
  }

  @Test
  void aHandlerThatAlwaysFailsEndsTheSubscriptionWithoutCommittingTheRecord() {
    // given a record after one good record and a handler that always throws
    skald.admin().createTopic(TopicSpec.of("poison", 1)).toCompletableFuture().join();
    producer.send("poison", "k", "good").toCompletableFuture().join();
    producer.send("poison", "k", "bad").toCompletableFuture().join();
    AtomicInteger badAttempts = new AtomicInteger();
    Subscription subscription =
        skald.subscribe(
            SubscriptionSpec.of("strict", Codecs.string(), Codecs.string())
                .withTopics("poison")
                .withoutDeadLetters()
                .withRetryPolicy(
                    RetryPolicy.exponential(Duration.ofMillis(10), Duration.ofMillis(50), 2.0)
                        .withMaxAttempts(3)),
            record -> {
              if (record.value().equals("bad")) {
                badAttempts.incrementAndGet();
                throw new IllegalArgumentException("cannot handle " + record.value());
              }
              return CompletableFuture.completedFuture(null);
            });

    // then the subscription fails with the record's coordinates after exactly 3 attempts
    Throwable failure = failureOf(subscription.whenTerminated());
    HandlerFailedException handlerFailed = assertInstanceOf(HandlerFailedException.class, failure);
    assertEquals(1, handlerFailed.offset());
    assertEquals(3, handlerFailed.attempts());
    assertEquals(3, badAttempts.get());
    assertInstanceOf(IllegalArgumentException.class, handlerFailed.getCause());
    // and the bad record is not committed, so the group will deliver it again
    Await.until(
        skald.system(),
        Duration.ofSeconds(5),
        () ->
            assertEquals(
                1L,
                skald
                    .admin()
                    .committedOffsets("strict")
                    .toCompletableFuture()
                    .join()
                    .get(new TopicPartition("poison", 0))));
  }

  @Test
  void aMalformedPayloadFailsWithACodecErrorAndIsNotRetried() {
    // given a payload that is not JSON on a topic read with a JSON codec
    skald.admin().createTopic(TopicSpec.of("orders-json", 1)).toCompletableFuture().join();
    producer.send("orders-json", "o-1", "{not json").toCompletableFuture().join();
    AtomicInteger calls = new AtomicInteger();
    Subscription subscription =
        skald.subscribe(
            SubscriptionSpec.of("json-readers", Codecs.string(), Codecs.json(Order.class))
                .withTopics("orders-json")
                .withoutDeadLetters(),
            record -> {
              calls.incrementAndGet();
              return CompletableFuture.completedFuture(null);
            });

    // then
    HandlerFailedException failure =
        assertInstanceOf(HandlerFailedException.class, failureOf(subscription.whenTerminated()));
    assertInstanceOf(CodecException.class, failure.getCause());
    assertEquals(1, failure.attempts());
    assertEquals(0, calls.get());
  }

  @Test
  void jsonRecordsRoundTrip() {
    skald.admin().createTopic(TopicSpec.of("orders-typed", 1)).toCompletableFuture().join();
    Producer<String, Order> orders =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.json(Order.class)));
    orders.send("orders-typed", "o-9", new Order("o-9", 3)).toCompletableFuture().join();
    CompletableFuture<Order> received = new CompletableFuture<>();
    Subscription subscription =
        skald.subscribe(
            SubscriptionSpec.of("typed", Codecs.string(), Codecs.json(Order.class))
                .withTopics("orders-typed"),
            record -> {
              received.complete(record.value());
              return CompletableFuture.completedFuture(null);
            });
    assertEquals(
        new Order("o-9", 3), received.orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join());
    subscription.stop().toCompletableFuture().join();
  }
}
