package io.skald.framework.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.Stages;
import io.skald.framework.TopicPartition;
import io.skald.framework.admin.BacklogLimit;
import io.skald.framework.admin.Compaction;
import io.skald.framework.admin.GroupActiveException;
import io.skald.framework.admin.OffsetReset;
import io.skald.framework.admin.PartitionLag;
import io.skald.framework.admin.Retention;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.consumer.OrderingPolicy;
import io.skald.framework.consumer.RejectRecordException;
import io.skald.framework.consumer.RetryPolicy;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.deadletter.DeadLetter;
import io.skald.framework.deadletter.DeadLetterQueue;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerRecord;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.ScheduledDelivery;
import io.skald.framework.stream.SkaldStreams;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The code of docs/delivery.md, flow-control.md, retention-and-replay.md, streams.md and
 * concepts.md, compiled and run by the suite ({@link DocSnippetsTest} checks that the docs show
 * exactly this code).
 */
class FrameworkDocsTest {
  private static SkaldTestNode node;
  private static Skald skald;
  private static Producer<String, String> producer;

  @BeforeAll
  static void start() {
    node = SkaldTestNode.start();
    skald = node.skald();
    producer = skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
  }

  @AfterAll
  static void stop() {
    producer.close();
    node.close();
    node.deleteDataDir();
  }

  private static void createTopic(String name, int partitions) {
    skald.admin().createTopic(TopicSpec.of(name, partitions)).toCompletableFuture().join();
  }

  // --- delivery.md

  @Test
  void keyParkingWithABoundedRetryPolicy() {
    SubscriptionSpec<String, String> spec =
        // #delivery-key-parking
        SubscriptionSpec.of("payouts", Codecs.string(), Codecs.string())
            .withTopics("transfers")
            .withOrderingPolicy(OrderingPolicy.KEY_PARKING)
            .withRetryPolicy(
                RetryPolicy.exponential(Duration.ofMillis(200), Duration.ofMillis(600), 2.0)
                    .withMaxAttempts(3))
        // #delivery-key-parking
        ;
    assertEquals(3, spec.validate().retryPolicy().maxAttempts());
  }

  @Test
  void deadLettersAreListedReplayedOnceAndPurged() {
    createTopic("invoices", 1);
    AtomicInteger failing = new AtomicInteger(3);
    Subscription member =
        skald.subscribe(
            SubscriptionSpec.of("billing", Codecs.string(), Codecs.string()).withTopics("invoices"),
            record ->
                failing.getAndDecrement() > 0
                    ? CompletableFuture.failedFuture(
                        new RejectRecordException("no exchange rate for EUR"))
                    : CompletableFuture.completedFuture(null));
    for (int i = 0; i < 3; i++) {
      producer.send("invoices", "customer-" + i, "100 EUR").toCompletableFuture().join();
    }
    Await.until(
        skald.system(),
        Duration.ofSeconds(20),
        () ->
            assertEquals(
                3L, skald.deadLetters("billing").size().toCompletableFuture().join().longValue()));
    // #delivery-dead-letters
    DeadLetterQueue dlq = skald.deadLetters("billing");
    List<DeadLetter> firstPage = dlq.list(0, 2).toCompletableFuture().join();
    List<DeadLetter> secondPage =
        dlq.list(firstPage.get(1).dlqOffset() + 1, 2).toCompletableFuture().join();
    DeadLetter letter = firstPage.get(0);
    letter.original(); // invoices-0
    letter.errorMessage(); // "no exchange rate for EUR"

    // deploy the fix, then:
    long replayed = dlq.replayAll().toCompletableFuture().join(); // 3, to their partitions
    long again = dlq.replayAll().toCompletableFuture().join(); // 0: a replay is idempotent
    long one = dlq.replay(letter.dlqOffset()).toCompletableFuture().join(); // 0
    long purged = dlq.purge().toCompletableFuture().join(); // 3 removed
    // #delivery-dead-letters
    assertEquals(1, secondPage.size());
    assertEquals(new TopicPartition("invoices", 0), letter.original());
    assertEquals("no exchange rate for EUR", letter.errorMessage());
    assertEquals(List.of(3L, 0L, 0L, 3L), List.of(replayed, again, one, purged));
    member.stop().toCompletableFuture().join();
  }

  @Test
  void anIdempotentProducer() {
    // #delivery-idempotent-producer
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()).withIdempotence());
    // #delivery-idempotent-producer
    createTopic("ledger-entries", 1);
    assertTrue(
        producer.send("ledger-entries", "k", "v").toCompletableFuture().join().offset() >= 0);
    producer.close();
  }

  @Test
  void delayedDelivery() {
    createTopic("reminders", 1);
    String key = "invoice-8";
    String value = "pay now";
    // #delivery-delayed
    ScheduledDelivery scheduled =
        producer
            .sendDelayed("reminders", "invoice-7", "pay now", Map.of(), Duration.ofDays(3))
            .toCompletableFuture()
            .join(); // durable once this completes
    producer.sendAt("reminders", key, value, Map.of(), Instant.parse("2027-01-01T09:00:00Z"));
    // #delivery-delayed
    assertTrue(scheduled.due().isAfter(Instant.now().plus(Duration.ofDays(2))));
  }

  // --- flow-control.md

  private static void handle(ConsumerRecord<String, String> record) {}

  @Test
  void prefetchBoundsWhatAMemberBuffers() {
    createTopic("firehose", 1);
    ExecutorService slowExecutor = Executors.newSingleThreadExecutor();
    try {
      // #flow-prefetch
      Subscription subscription =
          skald.subscribe(
              SubscriptionSpec.of("slowpokes", Codecs.string(), Codecs.string())
                  .withTopics("firehose")
                  .withPrefetch(200),
              record -> CompletableFuture.runAsync(() -> handle(record), slowExecutor));
      subscription.bufferedRecords(); // never more than 200 per owned partition
      // #flow-prefetch
      producer.send("firehose", "k", "v").toCompletableFuture().join();
      // #flow-lag
      List<PartitionLag> lag =
          skald.admin().lag("slowpokes", "firehose").toCompletableFuture().join();
      for (PartitionLag p : lag) {
        System.out.printf(
            "%s end=%d committed=%d lag=%d depth=%d%n",
            p.topicPartition(), p.logEndOffset(), p.committedOffset(), p.lag(), p.depth());
      }
      // #flow-lag
      assertEquals(1, lag.size());
      assertTrue(subscription.bufferedRecords() <= 200);
      subscription.stop().toCompletableFuture().join();
    } finally {
      slowExecutor.shutdown();
    }
  }

  @Test
  void aBacklogLimitRefusesNewRecords() {
    // #flow-backlog-limit
    skald
        .admin()
        .createTopic(
            TopicSpec.of("jobs", 1)
                .withBacklogLimit(new BacklogLimit(50, BacklogLimit.OverflowPolicy.REJECT_NEW)));
    // #flow-backlog-limit
    Await.until(
        skald.system(),
        Duration.ofSeconds(10),
        () ->
            assertTrue(
                skald.admin().describeTopic("jobs").toCompletableFuture().join().isPresent()));
  }

  // --- retention-and-replay.md

  @Test
  void retentionLimitsAndCompaction() {
    // #retention-limits
    skald
        .admin()
        .createTopic(
            TopicSpec.of("audit", 1).withRetention(Retention.forever().withMaxRecords(100)))
        .toCompletableFuture()
        .join();
    skald
        .admin()
        .createTopic(
            TopicSpec.of("sessions", 1)
                .withRetention(
                    Retention.forever().withMaxAge(Duration.ofDays(7)).withMaxBytes(10L << 30)))
        .toCompletableFuture()
        .join();
    // #retention-limits
    Map<String, String> cache = new ConcurrentHashMap<>();
    // #retention-compaction
    skald
        .admin()
        .createTopic(TopicSpec.of("prices", 4).withCompaction(Compaction.latestPerKey()))
        .toCompletableFuture()
        .join();
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    producer.send("prices", "AAPL", "189.20");
    producer.send("prices", "AAPL", "190.05"); // supersedes the first
    producer.sendTombstone("prices", "DELISTED"); // deletes the key

    skald.subscribe(
        SubscriptionSpec.of("price-cache", Codecs.string(), Codecs.string()).withTopics("prices"),
        record -> {
          if (record.isTombstone()) {
            cache.remove(record.key());
          } else {
            cache.put(record.key(), record.value());
          }
          return CompletableFuture.completedFuture(null);
        });
    // #retention-compaction
    Await.until(
        skald.system(),
        Duration.ofSeconds(20),
        () -> assertEquals(Map.of("AAPL", "190.05"), cache));
    producer.close();
  }

  @Test
  void timeTravel() {
    createTopic("orders", 1);
    long before = producer.send("orders", "k", "before").toCompletableFuture().join().timestamp();
    // append times have millisecond resolution: the cut is strictly after the first record
    Instant cut = Instant.ofEpochMilli(before + 1);
    Await.until(
        skald.system(),
        Duration.ofSeconds(5),
        () -> assertTrue(System.currentTimeMillis() > before + 1));
    producer.send("orders", "k", "after").toCompletableFuture().join();
    // #retention-offset-for-time
    long offset =
        skald
            .admin()
            .offsetForTimestamp(new TopicPartition("orders", 0), cut)
            .toCompletableFuture()
            .join(); // the first record appended at or after `cut`
    // #retention-offset-for-time
    assertEquals(1L, offset);

    Subscription reporting =
        skald.subscribe(
            SubscriptionSpec.of("reporting", Codecs.string(), Codecs.string()).withTopics("orders"),
            record -> CompletableFuture.completedFuture(null));
    Await.until(
        skald.system(),
        Duration.ofSeconds(10),
        () -> assertEquals(1, reporting.assignment().size()));
    reporting.seek(new TopicPartition("orders", 0), 1).toCompletableFuture().join();
    Subscription subscription = reporting;
    // #retention-seek
    subscription.seek(new TopicPartition("orders", 0), 0).toCompletableFuture().join();
    // #retention-seek
    Throwable active =
        skald
            .admin()
            .resetOffsets("reporting", "orders", OffsetReset.toTimestamp(cut), false)
            .handle((done, error) -> error)
            .toCompletableFuture()
            .join();
    assertInstanceOf(GroupActiveException.class, active);
    reporting.stop().toCompletableFuture().join();
    // #retention-reset-offsets
    // what would change?
    Map<TopicPartition, Long> preview =
        skald
            .admin()
            .resetOffsets("reporting", "orders", OffsetReset.toTimestamp(cut), true)
            .toCompletableFuture()
            .join();
    // do it (fails with GroupActiveException while members run)
    skald
        .admin()
        .resetOffsets("reporting", "orders", OffsetReset.toTimestamp(cut), false)
        .toCompletableFuture()
        .join();
    // #retention-reset-offsets
    assertEquals(Map.of(new TopicPartition("orders", 0), offset), preview);
  }

  // --- streams.md

  private static void index(ConsumerRecord<String, String> record) {}

  record Click(String userId, String page) {
    String toJson() {
      return "{\"user\":\"" + userId + "\",\"page\":\"" + page + "\"}";
    }
  }

  @Test
  void streams() {
    createTopic("clicks", 2);
    List<Click> events = List.of(new Click("ada", "/"), new Click("bob", "/cart"));
    // #streams-producer-sink
    Source.from(events)
        .map(e -> ProducerRecord.of("clicks", e.userId(), e.toJson()))
        .runWith(SkaldStreams.producerSink(producer, 1_000), skald.system()); // done when durable
    // #streams-producer-sink
    AtomicInteger indexed = new AtomicInteger();
    var done =
        // #streams-committable
        SkaldStreams.committableSource(
                skald,
                SubscriptionSpec.of("analytics", Codecs.string(), Codecs.string())
                    .withTopics("clicks")
                    .withParallelism(64))
            .throttle(25_000, Duration.ofSeconds(1)) // a slow stage
            .map(
                committable -> {
                  ConsumerRecord<String, String> r = committable.record();
                  index(r);
                  indexed.incrementAndGet();
                  return committable;
                })
            .runWith(SkaldStreams.commitSink(), skald.system());
    // #streams-committable
    Await.until(skald.system(), Duration.ofSeconds(20), () -> assertEquals(2, indexed.get()));
    assertTrue(!done.toCompletableFuture().isCompletedExceptionally());
  }

  // --- concepts.md

  record GetBalance(ActorRef<Balance> replyTo) {}

  record Balance(long amount) {}

  static Behavior<GetBalance> account() {
    return Behaviors.receiveMessage(
        get -> {
          get.replyTo().tell(new Balance(42));
          return Behaviors.same();
        });
  }

  @Test
  void stagesInline() {
    ActorRef<GetBalance> account =
        skald.system().systemActorOf(account(), "docs-account", Props.empty());
    Duration timeout = Duration.ofSeconds(5);
    var scheduler = skald.system().scheduler();
    // #concepts-stages-inline
    CompletionStage<Long> balance =
        Stages.inline(AskPattern.ask(account, GetBalance::new, timeout, scheduler))
            .thenApply(Balance::amount); // runs where the ask completed: no thread started
    // #concepts-stages-inline
    assertEquals(42L, balance.toCompletableFuture().join());
  }
}
