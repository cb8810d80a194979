package io.skald.framework.internal.runtime;

import io.skald.framework.Stages;
import io.skald.framework.admin.TopicAdmin;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.RecordHandler;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.consumer.ConsumerActor;
import io.skald.framework.internal.consumer.DefaultSubscription;
import io.skald.framework.internal.consumer.MemberView;
import io.skald.framework.internal.consumer.SharedConsumer;
import io.skald.framework.internal.consumer.SharedSubscription;
import io.skald.framework.internal.deadletter.DeadLetterSink;
import io.skald.framework.internal.deadletter.DefaultDeadLetterQueue;
import io.skald.framework.internal.deadletter.ReplayLedger;
import io.skald.framework.internal.delay.DelayedDeliveryScheduler;
import io.skald.framework.internal.delay.DelayedSender;
import io.skald.framework.internal.group.Assignors;
import io.skald.framework.internal.group.GroupCoordinator;
import io.skald.framework.internal.log.PartitionEntity;
import io.skald.framework.internal.membership.CrashedMemberDowning;
import io.skald.framework.internal.producer.ByteBudget;
import io.skald.framework.internal.producer.DefaultProducer;
import io.skald.framework.internal.producer.ProducerActor;
import io.skald.framework.internal.topic.TopicCache;
import io.skald.framework.internal.topic.TopicRegistry;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;

/**
 * INTERNAL API: everything a {@link io.skald.framework.Skald} instance wires together on one actor
 * system: the settings, the sharded entity types, the topic cache and the factories of producers
 * and consumers.
 */
public final class SkaldRuntime {
  private final ActorSystem<?> system;
  private final SkaldSettings settings;
  private final TopicCache topics;
  private final io.skald.framework.internal.txn.TransactionSettings txnSettings;
  private final DefaultTopicAdmin admin;
  private final CompletableFuture<Void> memberUp = new CompletableFuture<>();
  private volatile Producer<byte[], byte[]> rawProducer;
  private final DelayedSender delayed;
  private final NodeHealthChecks health;
  private final java.util.Set<Subscription> live =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * Wires Skald into a system: reads the settings, starts sharding of partitions, groups and the
   * topic registry, and joins the node to itself when {@code cluster.self-join} is on.
   *
   * @param system an actor system with {@code pekko.actor.provider = cluster}
   */
  public SkaldRuntime(ActorSystem<?> system) {
    this.system = system;
    this.settings = SkaldSettings.from(system.settings().config());
    this.topics = new TopicCache(system, settings);
    this.admin = new DefaultTopicAdmin(system, settings, topics);
    this.delayed = new DelayedSender(system, settings, topics);
    this.health = new NodeHealthChecks(system, admin);
    Cluster cluster = Cluster.get(Adapter.toClassic(system));
    cluster.registerOnMemberUp(() -> memberUp.complete(null));
    if (settings.selfJoin() && cluster.state().getMembers().iterator().hasNext() == false) {
      cluster.join(cluster.selfAddress());
    }
    String transport = system.settings().config().getString("pekko.remote.artery.transport");
    if (settings.crashDowning() && CrashedMemberDowning.probeable(transport)) {
      system.systemActorOf(
          CrashedMemberDowning.create(settings.crashProbeTimeout()),
          "skald-crash-downing",
          org.apache.pekko.actor.typed.Props.empty());
    }
    CurrentEventsByPersistenceIdQuery reads =
        PersistenceQuery.get(Adapter.toClassic(system))
            .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, settings.queryPluginId());
    TopicRegistry.init(system, settings, topics);
    io.skald.framework.internal.disk.DiskSpaceAlarm.get(system); // starts watching
    PartitionEntity.init(system, settings, reads, topics);
    GroupCoordinator.init(system, settings, topics);
    io.skald.framework.internal.group.GroupCatalog.init(system, settings);
    ReplayLedger.init(system, settings);
    io.skald.framework.internal.share.SharePartition.init(
        system,
        settings,
        dlqTopic -> (key, value, headers) -> rawProducer().send(dlqTopic, key, value, headers));
    String refusedDelayed =
        io.skald.framework.producer.ScheduledDelivery.DEAD_LETTER_GROUP + ".dlq";
    DelayedDeliveryScheduler.init(
        system,
        settings,
        (key, value, headers) ->
            admin
                .createTopic(TopicSpec.of(refusedDelayed, 1))
                .thenCompose(created -> rawProducer().send(refusedDelayed, key, value, headers)));
    this.txnSettings =
        io.skald.framework.internal.txn.TransactionSettings.from(
            system.settings().config(), settings.maxBatchBytes());
    io.skald.framework.internal.txn.TransactionCoordinator.init(
        system, settings, txnSettings, this::keepRefusedTransactional);
    // On shutdown (close, terminate, SIGTERM) the members leave their groups first, committing what
    // they completed, while sharding still runs: a restart then redelivers as little as possible.
    org.apache.pekko.actor.CoordinatedShutdown.get(Adapter.toClassic(system))
        .addTask(
            org.apache.pekko.actor.CoordinatedShutdown.PhaseServiceStop(),
            "skald-stop-subscriptions",
            () ->
                CompletableFuture.allOf(
                        live.stream()
                            .map(s -> s.stop().toCompletableFuture())
                            .toArray(CompletableFuture[]::new))
                    .completeOnTimeout(null, 3, java.util.concurrent.TimeUnit.SECONDS)
                    .handle((ok, error) -> org.apache.pekko.Done.getInstance()));
  }

  /** The dead-letter topic of records a partition refused after their transaction committed. */
  public static final String TRANSACTIONS_DEAD_LETTERS = "skald-transactions.dlq";

  private CompletionStage<?> keepRefusedTransactional(
      io.skald.framework.TopicPartition tp,
      java.util.List<io.skald.framework.internal.log.RecordFormat.Decoded> records,
      String transactionalId,
      String reason) {
    java.time.Instant now = java.time.Instant.now();
    return admin
        .createTopic(TopicSpec.of(TRANSACTIONS_DEAD_LETTERS, 1))
        .thenCompose(
            created -> {
              CompletableFuture<?>[] sent = new CompletableFuture<?>[records.size()];
              for (int i = 0; i < records.size(); i++) {
                io.skald.framework.internal.log.RecordFormat.Decoded r = records.get(i);
                sent[i] =
                    rawProducer()
                        .send(
                            TRANSACTIONS_DEAD_LETTERS,
                            r.key(),
                            r.value(),
                            io.skald.framework.internal.deadletter.DeadLetterHeaders.of(
                                r.headers(),
                                tp,
                                -1,
                                "transaction:" + transactionalId,
                                1,
                                now,
                                now,
                                new io.skald.framework.producer.InvalidRecordException(reason),
                                io.skald.framework.deadletter.DeadLetterReason.REFUSED))
                        .toCompletableFuture();
              }
              return CompletableFuture.allOf(sent);
            });
  }

  /**
   * Starts a transactional producer instance, fencing older ones with the same id.
   *
   * @param txSettings the id and codecs
   * @param <K> the key type
   * @param <V> the value type
   * @return the producer, once the coordinator resolved what an older instance left
   */
  public <K, V>
      CompletionStage<io.skald.framework.transaction.TransactionalProducer<K, V>>
          transactionalProducer(
              io.skald.framework.transaction.TransactionalSettings<K, V> txSettings) {
    Objects.requireNonNull(txSettings, "txSettings");
    return io.skald.framework.internal.txn.DefaultTransactionalProducer.start(
        system, txSettings, settings, txnSettings, topics);
  }

  /**
   * Starts a consume-transform-produce pipeline.
   *
   * @param spec the input, the output codecs, the batching
   * @param handler the transformation
   * @param <KI> the input key type
   * @param <VI> the input value type
   * @param <KO> the output key type
   * @param <VO> the output value type
   * @return the pipeline, once subscribed
   */
  public <KI, VI, KO, VO> CompletionStage<io.skald.framework.transaction.Pipeline> pipeline(
      io.skald.framework.transaction.PipelineSpec<KI, VI, KO, VO> spec,
      io.skald.framework.transaction.AsyncPipelineHandler<KI, VI, KO, VO> handler) {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(handler, "handler");
    io.skald.framework.internal.txn.TransactionalPipeline<KI, VI, KO, VO> pipeline =
        new io.skald.framework.internal.txn.TransactionalPipeline<>(
            system,
            spec,
            handler,
            id ->
                io.skald.framework.internal.txn.DefaultTransactionalProducer.start(
                        system,
                        io.skald.framework.transaction.TransactionalSettings.of(
                            id, spec.keyCodec(), spec.valueCodec()),
                        settings,
                        txnSettings,
                        topics)
                    .thenApply(
                        p ->
                            (io.skald.framework.internal.txn.DefaultTransactionalProducer<KO, VO>)
                                p),
            admin);
    return subscribe(spec.input(), pipeline).thenApply(pipeline::attach);
  }

  /**
   * The transactions' settings.
   *
   * @return the settings
   */
  public io.skald.framework.internal.txn.TransactionSettings transactionSettings() {
    return txnSettings;
  }

  /**
   * The dead letters of a group.
   *
   * @param group the consumer group
   * @return its dead-letter queue
   */
  public io.skald.framework.deadletter.DeadLetterQueue deadLetters(String group) {
    return new DefaultDeadLetterQueue(system, settings, group + ".dlq");
  }

  /**
   * The node's liveness and readiness, every check run now.
   *
   * @return a stage with the health, never failed
   */
  public CompletionStage<io.skald.framework.admin.NodeHealth> health() {
    return health.health();
  }

  /**
   * Completes when this node is an Up member of its cluster.
   *
   * @return the stage
   */
  public CompletionStage<Void> whenMemberUp() {
    return memberUp;
  }

  /**
   * The settings.
   *
   * @return the settings
   */
  public SkaldSettings settings() {
    return settings;
  }

  /**
   * Creates a producer.
   *
   * @param producerSettings codecs and acks
   * @param <K> key type
   * @param <V> value type
   * @return the producer
   */
  public <K, V> Producer<K, V> producer(ProducerSettings<K, V> producerSettings) {
    Objects.requireNonNull(producerSettings, "producerSettings");
    ByteBudget buffered = new ByteBudget(settings.producerMaxBufferedBytes());
    ActorRef<ProducerActor.Command> actor =
        system.systemActorOf(
            ProducerActor.create(
                settings,
                buffered,
                topics,
                producerSettings.idempotent() ? "producer-" + UUID.randomUUID() : null),
            "skald-producer-" + UUID.randomUUID(),
            Props.empty());
    return new DefaultProducer<>(
        producerSettings,
        settings,
        actor,
        buffered,
        delayed,
        io.skald.framework.internal.tracing.SkaldTracing.get(system),
        topics);
  }

  /**
   * Starts a group member once every subscribed topic is known.
   *
   * @param spec the subscription
   * @param handler the handler
   * @param <K> key type
   * @param <V> value type
   * @return the running subscription, or a stage failed with UnknownTopicException
   */
  public <K, V> CompletionStage<Subscription> subscribe(
      SubscriptionSpec<K, V> spec, RecordHandler<K, V> handler) {
    Objects.requireNonNull(handler, "handler");
    return subscribe(spec, handler, null);
  }

  /**
   * Starts a member of a shared group once every subscribed topic is known.
   *
   * @param spec the subscription, shared
   * @param handler the handler
   * @param <K> key type
   * @param <V> value type
   * @return the running subscription, or a stage failed with UnknownTopicException or
   *     IllegalArgumentException (a spec that is not shared)
   */
  public <K, V> CompletionStage<Subscription> subscribe(
      SubscriptionSpec<K, V> spec, io.skald.framework.consumer.LeasedRecordHandler<K, V> handler) {
    Objects.requireNonNull(handler, "handler");
    if (spec != null && !spec.shared()) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException(
              "a LeasedRecordHandler needs a shared subscription: group '"
                  + spec.group()
                  + "' is partitioned (add withSharedConsumption(visibilityTimeout))"));
    }
    return subscribe(spec, null, handler);
  }

  private <K, V> CompletionStage<Subscription> subscribe(
      SubscriptionSpec<K, V> spec,
      RecordHandler<K, V> handler,
      io.skald.framework.consumer.LeasedRecordHandler<K, V> leased) {
    Objects.requireNonNull(spec, "spec");
    try {
      spec.validate();
      Assignors.resolve(spec.assignor(), settings);
      if (spec.shared()
          && (handler instanceof io.skald.framework.internal.consumer.PartitionStart
              || handler instanceof DeadLetterSink)) {
        throw new IllegalArgumentException(
            "shared subscription of group '"
                + spec.group()
                + "' cannot use "
                + handler.getClass().getSimpleName()
                + ": it decides positions per partition, and a shared group has none");
      }
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    Map<String, Integer> partitions = new HashMap<>();
    CompletableFuture<Void> all = CompletableFuture.completedFuture(null);
    if (spec.topicPattern().isPresent()) {
      java.util.regex.Pattern pattern = spec.topicPattern().get();
      all =
          admin
              .listTopics()
              .toCompletableFuture()
              .thenAccept(
                  list -> {
                    synchronized (partitions) {
                      for (TopicSpec topic : list) {
                        if (pattern.matcher(topic.name()).matches()
                            && !topic.name().equals(spec.deadLetterTopic())) {
                          partitions.put(topic.name(), topic.partitions());
                        }
                      }
                    }
                  });
    }
    for (String topic : spec.topics()) {
      all =
          all.thenCombine(
              topics.require(topic).toCompletableFuture(),
              (ignored, topicSpec) -> {
                synchronized (partitions) {
                  partitions.put(topic, topicSpec.partitions());
                }
                return null;
              });
    }
    if (spec.deadLetters()) {
      all =
          all.thenCompose(
              ignored ->
                  admin
                      .createTopic(TopicSpec.of(spec.deadLetterTopic(), 1))
                      .thenApply(created -> null));
    }
    DeadLetterSink deadLetters =
        !spec.deadLetters()
            ? null
            : handler instanceof DeadLetterSink own
                ? own // a transactional pipeline writes dead letters in its transactions
                : (key, value, headers) ->
                    rawProducer().send(spec.deadLetterTopic(), key, value, headers);
    return Stages.unwrapped(
        all.thenApply(
            ignored -> {
              String memberId = spec.group() + "-" + UUID.randomUUID();
              if (spec.shared()) {
                return startShared(spec, memberId, handler, leased, partitions, deadLetters);
              }
              MemberView shared = new MemberView();
              ActorRef<ConsumerActor.Command> actor =
                  system.systemActorOf(
                      ConsumerActor.create(
                          memberId,
                          spec,
                          handler,
                          Map.copyOf(partitions),
                          settings,
                          deadLetters,
                          shared,
                          topicSource()),
                      "skald-consumer-" + memberId,
                      Props.empty());
              DefaultSubscription subscription =
                  new DefaultSubscription(
                      spec.group(),
                      memberId,
                      actor,
                      shared,
                      spec.deliveryMode()
                          == io.skald.framework.consumer.DeliveryMode.TRANSACTIONAL);
              live.add(subscription);
              subscription
                  .whenTerminated()
                  .whenComplete((done, error) -> live.remove(subscription));
              return subscription;
            }));
  }

  /** Where consumers learn of topics: this node's cache's announcements, and the admin's list. */
  private ConsumerActor.TopicSource topicSource() {
    return new ConsumerActor.TopicSource() {
      @Override
      public void watch(
          ActorRef<io.skald.framework.internal.topic.TopicCache.TopicChanged> watcher) {
        topics.watch(watcher);
      }

      @Override
      public void unwatch(
          ActorRef<io.skald.framework.internal.topic.TopicCache.TopicChanged> watcher) {
        topics.unwatch(watcher);
      }

      @Override
      public CompletionStage<java.util.List<TopicSpec>> list() {
        return admin.listTopics();
      }
    };
  }

  private <K, V> Subscription startShared(
      SubscriptionSpec<K, V> spec,
      String memberId,
      RecordHandler<K, V> handler,
      io.skald.framework.consumer.LeasedRecordHandler<K, V> leased,
      Map<String, Integer> partitions,
      DeadLetterSink deadLetters) {
    MemberView view = new MemberView();
    io.skald.framework.consumer.LeasedRecordHandler<K, V> effective =
        leased != null ? leased : (record, lease) -> handler.handle(record);
    ActorRef<SharedConsumer.Command> actor =
        system.systemActorOf(
            SharedConsumer.create(
                new SharedConsumer.Setup<>(
                    memberId,
                    spec,
                    effective,
                    Map.copyOf(partitions),
                    settings,
                    deadLetters,
                    view,
                    topicSource())),
            "skald-consumer-" + memberId,
            Props.empty());
    SharedSubscription subscription = new SharedSubscription(spec.group(), memberId, actor, view);
    live.add(subscription);
    subscription.whenTerminated().whenComplete((done, error) -> live.remove(subscription));
    return subscription;
  }

  /**
   * The durable byte-level producer Skald itself uses (dead letters, replays), created on first
   * use.
   *
   * @return the producer
   */
  public Producer<byte[], byte[]> rawProducer() {
    Producer<byte[], byte[]> producer = rawProducer;
    if (producer == null) {
      synchronized (this) {
        if (rawProducer == null) {
          rawProducer =
              producer(
                  ProducerSettings.of(
                      io.skald.framework.Codecs.bytes(), io.skald.framework.Codecs.bytes()));
        }
        producer = rawProducer;
      }
    }
    return producer;
  }

  /**
   * Topic administration on this node.
   *
   * @return the admin API
   */
  public TopicAdmin admin() {
    return admin;
  }
}
