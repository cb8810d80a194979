package io.skald.framework.docs;

import io.skald.framework.Codec;
import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.Stages;
import io.skald.framework.TopicPartition;
import io.skald.framework.admin.BacklogLimit;
import io.skald.framework.admin.BacklogLimit.OverflowPolicy;
import io.skald.framework.admin.Compaction;
import io.skald.framework.admin.EnsuredTopic;
import io.skald.framework.admin.GroupDescription;
import io.skald.framework.admin.OffsetReset;
import io.skald.framework.admin.PartitionLag;
import io.skald.framework.admin.Retention;
import io.skald.framework.admin.TopicAdmin;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.Autoscaling;
import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.consumer.LeasedRecordHandler;
import io.skald.framework.consumer.RecordFilter;
import io.skald.framework.consumer.RecordHandler;
import io.skald.framework.consumer.RejectRecordException;
import io.skald.framework.consumer.RetryPolicy;
import io.skald.framework.consumer.StartPosition;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.deadletter.DeadLetter;
import io.skald.framework.deadletter.DeadLetterQueue;
import io.skald.framework.deadletter.DeadLetterReason;
import io.skald.framework.producer.Priority;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerRecord;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.RateLimit;
import io.skald.framework.producer.RecordTooLargeException;
import io.skald.framework.stream.SkaldStreams;
import io.skald.framework.transaction.Pipeline;
import io.skald.framework.transaction.PipelineSpec;
import io.skald.framework.transaction.TransactionalProducer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.slf4j.Logger;

/**
 * The code of the public API's Javadoc examples, compiled with the tests ({@link DocSnippetsTest}
 * checks that each Javadoc shows exactly its region). Most of the behaviour they show runs in the
 * feature tests; these methods are compiled, not called.
 */
@SuppressWarnings("unused")
final class JavadocExamples {
  private JavadocExamples() {}

  record Order(String id, int quantity) {}

  interface Inventory {
    CompletionStage<Void> reserve(Order order);
  }

  static CompletionStage<Void> bill(Order order) {
    return CompletableFuture.completedFuture(null);
  }

  static CompletionStage<Void> process(ConsumerRecord<String, Order> record) {
    return CompletableFuture.completedFuture(null);
  }

  static CompletionStage<Done> index(ConsumerRecord<String, String> record) {
    return CompletableFuture.completedFuture(Done.getInstance());
  }

  static void codecs(Skald skald) {
    // #jd-codec
    Codec<Order> orders = Codecs.json(Order.class);
    // #jd-codec
    // #jd-codecs
    Producer<String, Order> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.json(Order.class)));
    // #jd-codecs
  }

  static void skald() {
    // #jd-skald
    try (Skald skald = Skald.start("orders-app")) {
      skald.admin().createTopic(TopicSpec.of("orders", 4)).toCompletableFuture().join();
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      producer.send("orders", "order-1", "created").toCompletableFuture().join();
      Subscription billing =
          skald.subscribe(
              SubscriptionSpec.of("billing", Codecs.string(), Codecs.string()).withTopics("orders"),
              record -> CompletableFuture.completedFuture(null));
    }
    // #jd-skald
  }

  sealed interface Command {}

  record Deposit(long amount) implements Command {}

  sealed interface Event {}

  record Deposited(long amount) implements Event {}

  record State(long balance) {}

  // #jd-skald-own-journal
  class Account extends EventSourcedBehavior<Command, Event, State> {
    private final Skald skald;

    // #jd-skald-own-journal

    Account(PersistenceId id, Skald skald) {
      super(id);
      this.skald = skald;
    }

    @Override
    public State emptyState() {
      return new State(0);
    }

    @Override
    public CommandHandler<Command, Event, State> commandHandler() {
      return newCommandHandlerBuilder()
          .forAnyState()
          .onCommand(Deposit.class, d -> Effect().persist(new Deposited(d.amount())))
          .build();
    }

    @Override
    public EventHandler<State, Event> eventHandler() {
      return newEventHandlerBuilder()
          .forAnyState()
          .onEvent(Deposited.class, (s, e) -> new State(s.balance() + e.amount()))
          .build();
    }

    // #jd-skald-own-journal
    // ... emptyState(), commandHandler(), eventHandler()

    @Override
    public String journalPluginId() {
      return skald.journalPluginId();
    }

    @Override
    public String snapshotPluginId() {
      return skald.snapshotPluginId();
    }
  }

  // #jd-skald-own-journal

  static void errors(Producer<String, String> producer, String key, String value, Logger log) {
    // #jd-skald-exception
    producer
        .send("orders", key, value)
        .whenComplete(
            (written, error) -> {
              if (error instanceof RecordTooLargeException tooLarge) { // the exception itself
                log.warn("not sent: {}", tooLarge.getMessage());
              }
            });
    // #jd-skald-exception
  }

  record GetBalance(ActorRef<Balance> replyTo) {}

  record Balance(long amount) {}

  static CompletionStage<Long> stages(
      ActorRef<GetBalance> account, Duration timeout, Scheduler scheduler) {
    // #jd-stages
    CompletionStage<Balance> balance =
        Stages.inline(AskPattern.ask(account, GetBalance::new, timeout, scheduler));
    return balance.thenApply(b -> b.amount()); // runs on the thread that completed the ask
    // #jd-stages
  }

  static void admin(Skald skald, TopicAdmin admin, Producer<String, String> producer) {
    // #jd-backlog-limit
    TopicSpec.of("jobs", 8)
        .withBacklogLimit(new BacklogLimit(1_000_000, OverflowPolicy.REJECT_NEW));
    // #jd-backlog-limit
    // #jd-topic-rate-limit
    TopicSpec.of("emails", 2)
        .withRateLimit(RateLimit.recordsPerSecond(100).whenExceeded(RateLimit.WhenExceeded.REFUSE));
    // #jd-topic-rate-limit
    // #jd-compaction
    admin.createTopic(TopicSpec.of("prices", 4).withCompaction(Compaction.latestPerKey()));
    producer.send("prices", "AAPL", "189.20");
    producer.sendTombstone("prices", "DELISTED");
    // #jd-compaction
    // #jd-offset-reset
    // replay everything since yesterday 09:00, after checking what would change
    OffsetReset since = OffsetReset.toTimestamp(Instant.parse("2026-11-22T09:00:00Z"));
    Map<TopicPartition, Long> preview =
        admin.resetOffsets("billing", "orders", since, true).toCompletableFuture().join();
    admin.resetOffsets("billing", "orders", since, false).toCompletableFuture().join();
    // #jd-offset-reset
    // #jd-retention
    skald
        .admin()
        .createTopic(
            TopicSpec.of("clicks", 8)
                .withRetention(
                    Retention.forever().withMaxAge(Duration.ofDays(7)).withMaxRecords(10_000_000)));
    // #jd-retention
    // #jd-create-topic
    skald.admin().createTopic(TopicSpec.of("orders", 4)).toCompletableFuture().join();
    // #jd-create-topic
    // #jd-ensure-topic
    EnsuredTopic orders =
        skald.admin().ensureTopic(TopicSpec.of("orders", 4)).toCompletableFuture().join();
    if (!orders.matches()) {
      System.out.println("orders differs from the code: " + orders.differences());
    }
    // #jd-ensure-topic
    // #jd-alter-topic
    TopicSpec current = skald.admin().describeTopic("clicks").toCompletableFuture().join().get();
    skald
        .admin()
        .alterTopic(current.withRetention(Retention.forever().withMaxAge(Duration.ofDays(3))))
        .toCompletableFuture()
        .join();
    // #jd-alter-topic
    // #jd-delete-topic
    skald.admin().deleteTopic("clicks").toCompletableFuture().join();
    // #jd-delete-topic
    // #jd-lag
    long behind =
        skald.admin().lag("billing", "orders").toCompletableFuture().join().stream()
            .mapToLong(PartitionLag::lag)
            .sum();
    // #jd-lag
    // #jd-describe-group
    GroupDescription billing = skald.admin().describeGroup("billing").toCompletableFuture().join();
    System.out.println(
        billing.state() + ", " + billing.members().size() + " members, lag " + billing.totalLag());
    // #jd-describe-group
  }

  static void consumers(
      Skald skald,
      Inventory inventory,
      SubscriptionSpec<String, Order> spec,
      RecordHandler<String, Order> handler) {
    // #jd-record-handler
    RecordHandler<String, Order> reserve = record -> inventory.reserve(record.value());
    // #jd-record-handler
    // #jd-reject
    RecordHandler<String, Order> checked =
        record -> {
          if (record.value().quantity() < 0) {
            throw new RejectRecordException("negative quantity"); // dead-lettered, not retried
          }
          return process(record);
        };
    // #jd-reject
    // #jd-retry-policy
    RetryPolicy policy =
        RetryPolicy.exponential(Duration.ofMillis(100), Duration.ofSeconds(10), 2.0)
            .withMaxAttempts(5)
            .withNonRetryable(Set.of(IllegalArgumentException.class));
    // #jd-retry-policy
    // #jd-subscription
    Subscription subscription = skald.subscribe(spec, handler);
    // #jd-subscription
    // #jd-subscription
    subscription.stop().toCompletableFuture().join(); // finish in-flight records, commit, leave
    // #jd-subscription
  }

  static void subscriptionSpec(Skald skald) {
    // #jd-subscription-spec
    SubscriptionSpec<String, Order> spec =
        SubscriptionSpec.of("billing", Codecs.string(), Codecs.json(Order.class))
            .withTopics("orders")
            .withStartPosition(StartPosition.EARLIEST);
    Subscription subscription = skald.subscribe(spec, record -> bill(record.value()));
    // #jd-subscription-spec
  }

  static void patternSubscription(Skald skald) {
    // #pattern-subscription
    Subscription audit =
        skald.subscribe(
            SubscriptionSpec.of("order-audit", Codecs.string(), Codecs.json(Order.class))
                .withTopicPattern("orders\\..*") // orders.eu, orders.us, and those created later
                .withStartPosition(StartPosition.LATEST),
            record -> archive(record.topic(), record.value()));
    // #pattern-subscription
  }

  static void recordLease(java.util.concurrent.ScheduledExecutorService scheduler) {
    // #jd-record-lease
    LeasedRecordHandler<String, String> render =
        (record, lease) -> {
          // a long task: keep the record hidden from the other members while it runs
          ScheduledFuture<?> heartbeat =
              scheduler.scheduleAtFixedRate(
                  () -> lease.extend(Duration.ofSeconds(30)), 10, 10, TimeUnit.SECONDS);
          return renderVideo(record.value()).whenComplete((ok, error) -> heartbeat.cancel(false));
        };
    // #jd-record-lease
  }

  static void leasedHandler(Skald skald) {
    // #jd-leased-handler
    Subscription worker =
        skald.subscribe(
            SubscriptionSpec.of("thumbnails", Codecs.string(), Codecs.string())
                .withTopics("uploads")
                .withSharedConsumption(Duration.ofSeconds(30)),
            (record, lease) ->
                lease.deliveryCount() > 3
                    ? lease.release(Duration.ofMinutes(5)) // back off a struggling record
                    : thumbnail(record.value()));
    // #jd-leased-handler
  }

  static void priority(Producer<String, String> producer, Ticket ticket) {
    // #jd-priority
    producer.send("support-tickets", ticket.id(), ticket.body(), Priority.of(ticket.vip() ? 9 : 0));
    // #jd-priority
  }

  static void priorityPattern(Skald skald, Producer<String, String> producer, Ticket ticket) {
    // #pattern-priority
    Subscription support =
        skald.subscribe(
            SubscriptionSpec.of("support", Codecs.string(), Codecs.string())
                .withTopics("support-tickets")
                .withSharedConsumption(Duration.ofMinutes(5))
                .withPriorityLevels(3) // 0 ordinary, 1 gold customer, 2 outage
                .withPriorityAging(Duration.ofMinutes(1)), // +1 level per minute of waiting
            record -> answer(record.value()));
    producer.send("support-tickets", ticket.id(), ticket.body(), Priority.of(2)); // an outage
    // #pattern-priority
  }

  /** A support ticket of the examples. */
  record Ticket(String id, String body, boolean vip) {}

  private static CompletionStage<Void> answer(String ticket) {
    return CompletableFuture.completedFuture(null);
  }

  private static CompletionStage<Void> renderVideo(String upload) {
    return CompletableFuture.completedFuture(null);
  }

  private static CompletionStage<Void> thumbnail(String upload) {
    return CompletableFuture.completedFuture(null);
  }

  private static CompletionStage<Void> archive(String topic, Order order) {
    return CompletableFuture.completedFuture(null);
  }

  static SubscriptionSpec<String, Order> autoscaling() {
    // #jd-autoscaling
    SubscriptionSpec<String, Order> spec =
        SubscriptionSpec.of("billing", Codecs.string(), Codecs.json(Order.class))
            .withTopics("orders")
            .withPrefetch(1_000)
            .withAutoscaling(Autoscaling.between(1, 64).scaleUpAtLag(500));
    // #jd-autoscaling
    return spec;
  }

  static void rateLimit() {
    // #jd-rate-limit
    ProducerSettings<String, String> settings =
        ProducerSettings.of(Codecs.string(), Codecs.string())
            .withRateLimit(RateLimit.recordsPerSecond(5_000).andBytesPerSecond(4 << 20))
            .withTopicRateLimit(
                "emails",
                RateLimit.recordsPerSecond(50).whenExceeded(RateLimit.WhenExceeded.REFUSE));
    // #jd-rate-limit
  }

  static void recordFilter() {
    // #jd-record-filter
    RecordFilter euOrders =
        RecordFilter.parse("key like 'order.*.eu' and header('tier') != 'test'");
    RecordFilter same =
        RecordFilter.keyLike("order.*.eu").and(RecordFilter.header("tier").notEqualTo("test"));
    // #jd-record-filter
  }

  static void deadLetters(Skald skald) {
    // #jd-dead-letter-queue
    DeadLetterQueue dlq = skald.deadLetters("billing");
    for (DeadLetter letter : dlq.list(0, 50).toCompletableFuture().join()) {
      System.out.println(
          letter.original() + "@" + letter.originalOffset() + ": " + letter.errorMessage());
    }
    dlq.replayAll().toCompletableFuture().join(); // after the fix is deployed
    // #jd-dead-letter-queue
    // #jd-dead-letter-reason
    for (DeadLetter letter : dlq.list(0, 100).toCompletableFuture().join()) {
      if (letter.reason() == DeadLetterReason.RETRIES_EXHAUSTED) {
        // a transient failure that outlasted the retry policy: replay once the cause is fixed
        dlq.replay(letter.dlqOffset());
      }
    }
    // #jd-dead-letter-reason
  }

  static void producers(Skald skald, Logger log, String customerId, String reminder) {
    // #jd-producer
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    producer
        .send("orders", "order-42", "created")
        .thenAccept(meta -> log.info("written at {}", meta.offset()));
    // #jd-producer
    // #jd-send-delayed
    producer.sendDelayed("reminders", customerId, reminder, Map.of(), Duration.ofDays(3));
    // #jd-send-delayed
    // #jd-producer-settings
    ProducerSettings<String, Order> settings =
        ProducerSettings.of(Codecs.string(), Codecs.json(Order.class)).withIdempotence();
    // #jd-producer-settings
  }

  static void streams(Skald skald, SubscriptionSpec<String, String> spec) {
    // #jd-streams
    SkaldStreams.committableSource(skald, spec.withParallelism(64))
        .mapAsync(8, committable -> index(committable.record()).thenApply(done -> committable))
        .runWith(SkaldStreams.commitSink(), skald.system());
    // #jd-streams
  }

  static void transactions(
      Skald skald,
      TransactionalProducer<String, String> producer,
      Subscription subscription,
      TopicPartition input,
      ConsumerRecord<String, String> record,
      String orderId,
      String invoice,
      String entry) {
    // #jd-transactional-producer
    producer.begin();
    producer.send("invoices", orderId, invoice);
    producer.send("audit", orderId, entry);
    producer.sendOffsets(subscription, Map.of(input, record.offset() + 1));
    producer.commit().toCompletableFuture().join();
    // #jd-transactional-producer
    // #jd-pipeline-spec
    PipelineSpec<String, String, String, String> spec =
        PipelineSpec.of(
                SubscriptionSpec.of("enricher", Codecs.string(), Codecs.string())
                    .withTopics("orders"),
                Codecs.string(),
                Codecs.string())
            .withBatchSize(200)
            .withCommitInterval(Duration.ofMillis(50));
    // #jd-pipeline-spec
    // #jd-pipeline
    Pipeline pipeline =
        skald.pipeline(
            PipelineSpec.of(
                SubscriptionSpec.of("shipper", Codecs.string(), Codecs.string())
                    .withTopics("orders"),
                Codecs.string(),
                Codecs.string()),
            (order, out) -> {
              out.send("shipments", order.key(), "ship " + order.value());
              out.send("audit", order.key(), "shipped " + order.value());
            });
    // #jd-pipeline
  }

  static CompletionStage<String> enrich(String value) {
    return CompletableFuture.completedFuture(value);
  }

  static void streamPipelines(Skald skald, PipelineSpec<String, String, String, String> spec) {
    // #jd-pipeline-source
    SkaldStreams.pipelineSource(skald, spec)
        .mapAsync(
            4,
            e ->
                enrich(e.record().value())
                    .thenApply(
                        v ->
                            e.withOutputs(
                                List.of(ProducerRecord.of("enriched", e.record().key(), v)))))
        .runWith(SkaldStreams.pipelineSink(), skald.system());
    // #jd-pipeline-source
  }
}
