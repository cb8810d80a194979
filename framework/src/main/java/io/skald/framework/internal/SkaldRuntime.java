package io.skald.framework.internal;

import io.skald.framework.PartitionOffsets;
import io.skald.framework.Producer;
import io.skald.framework.ProducerSettings;
import io.skald.framework.RecordHandler;
import io.skald.framework.Stages;
import io.skald.framework.Subscription;
import io.skald.framework.SubscriptionSpec;
import io.skald.framework.TopicAdmin;
import io.skald.framework.TopicConflictException;
import io.skald.framework.TopicPartition;
import io.skald.framework.TopicSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;

/**
 * INTERNAL API: everything a {@link io.skald.framework.Skald} instance wires together on one actor
 * system: the settings, the sharded entity types, the topic cache and the factories of producers
 * and consumers.
 */
public final class SkaldRuntime implements TopicAdmin {
  private final ActorSystem<?> system;
  private final SkaldSettings settings;
  private final TopicCache topics;
  private final CompletableFuture<Void> memberUp = new CompletableFuture<>();
  private volatile Producer<byte[], byte[]> rawProducer;
  private final DelayedSender delayed;
  private final java.util.Set<DefaultSubscription> live =
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
    this.delayed = new DelayedSender(system, settings, topics);
    Cluster cluster = Cluster.get(Adapter.toClassic(system));
    cluster.registerOnMemberUp(() -> memberUp.complete(null));
    if (settings.selfJoin() && cluster.state().getMembers().iterator().hasNext() == false) {
      cluster.join(cluster.selfAddress());
    }
    CurrentEventsByPersistenceIdQuery reads =
        PersistenceQuery.get(Adapter.toClassic(system))
            .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, settings.queryPluginId());
    TopicRegistry.init(system, settings);
    PartitionEntity.init(system, settings, reads);
    GroupCoordinator.init(system, settings, topics);
    ReplayLedger.init(system, settings);
    DelayedDeliveryScheduler.init(system, settings);
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

  /**
   * The dead letters of a group.
   *
   * @param group the consumer group
   * @return its dead-letter queue
   */
  public io.skald.framework.DeadLetterQueue deadLetters(String group) {
    return new DefaultDeadLetterQueue(system, settings, group + ".dlq");
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
    return new DefaultProducer<>(producerSettings, settings, actor, buffered, delayed);
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
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(handler, "handler");
    if (spec.topics().isEmpty()) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException(
              "subscription of group '" + spec.group() + "' names no topic; use withTopics(...)"));
    }
    try {
      Assignors.resolve(spec.assignor(), settings);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    Map<String, Integer> partitions = new HashMap<>();
    CompletableFuture<Void> all = CompletableFuture.completedFuture(null);
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
                  createTopic(TopicSpec.of(spec.deadLetterTopic(), 1)).thenApply(created -> null));
    }
    DeadLetterSink deadLetters =
        spec.deadLetters()
            ? (key, value, headers) ->
                rawProducer().send(spec.deadLetterTopic(), key, value, headers)
            : null;
    return all.thenApply(
        ignored -> {
          String memberId = spec.group() + "-" + UUID.randomUUID();
          ConsumerActor.Shared shared = new ConsumerActor.Shared();
          ActorRef<ConsumerActor.Command> actor =
              system.systemActorOf(
                  ConsumerActor.create(
                      memberId,
                      spec,
                      handler,
                      Map.copyOf(partitions),
                      settings,
                      deadLetters,
                      shared),
                  "skald-consumer-" + memberId,
                  Props.empty());
          DefaultSubscription subscription =
              new DefaultSubscription(spec.group(), memberId, actor, shared);
          live.add(subscription);
          subscription.whenTerminated().whenComplete((done, error) -> live.remove(subscription));
          return subscription;
        });
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

  @Override
  public CompletionStage<TopicSpec> createTopic(TopicSpec spec) {
    Objects.requireNonNull(spec, "spec");
    return Stages.inline(
            TopicRegistry.ref(system)
                .<TopicRegistry.CreateTopicReply>ask(
                    replyTo -> new TopicRegistry.CreateTopic(spec, replyTo), settings.askTimeout()))
        .thenApply(
            reply -> {
              if (reply instanceof TopicRegistry.TopicConflict conflict) {
                throw new TopicConflictException(
                    "topic '"
                        + spec.name()
                        + "' exists with "
                        + conflict.existing().partitions()
                        + " partitions; cannot re-create it with "
                        + spec.partitions());
              }
              TopicSpec created = ((TopicRegistry.TopicCreated) reply).spec();
              topics.put(created);
              return created;
            });
  }

  @Override
  public CompletionStage<Optional<TopicSpec>> describeTopic(String name) {
    return topics
        .require(name)
        .thenApply(Optional::of)
        .exceptionally(
            error -> {
              Throwable cause = error.getCause() != null ? error.getCause() : error;
              if (cause instanceof io.skald.framework.UnknownTopicException) {
                return Optional.empty();
              }
              throw cause instanceof RuntimeException r ? r : new RuntimeException(cause);
            });
  }

  @Override
  public CompletionStage<List<TopicSpec>> listTopics() {
    return Stages.inline(
            TopicRegistry.ref(system)
                .<TopicRegistry.TopicList>ask(TopicRegistry.ListTopics::new, settings.askTimeout()))
        .thenApply(list -> List.copyOf(list.topics()));
  }

  @Override
  public CompletionStage<PartitionOffsets> partitionOffsets(TopicPartition tp) {
    return topics
        .require(tp.topic())
        .thenCompose(
            spec -> {
              if (tp.partition() >= spec.partitions()) {
                throw new IllegalArgumentException(
                    tp + " does not exist: the topic has " + spec.partitions() + " partitions");
              }
              return Stages.inline(
                  PartitionEntity.ref(system, tp)
                      .<PartitionOffsets>ask(
                          PartitionEntity.GetOffsets::new, settings.askTimeout()));
            });
  }

  @Override
  public CompletionStage<Void> compact(String topic) {
    return topics
        .require(topic)
        .thenCompose(
            spec -> {
              if (!spec.compacted()) {
                throw new io.skald.framework.InvalidTopicException(
                    "topic '" + topic + "' is not compacted; create it with withCompaction(...)");
              }
              List<CompletableFuture<PartitionEntity.CompactionDone>> parts = new ArrayList<>();
              for (int p = 0; p < spec.partitions(); p++) {
                parts.add(
                    Stages.inline(
                            PartitionEntity.ref(system, new TopicPartition(topic, p))
                                .<PartitionEntity.CompactionDone>ask(
                                    PartitionEntity.Compact::new, settings.compactionTimeout()))
                        .toCompletableFuture());
              }
              return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                  .thenApply(
                      ignored -> {
                        for (CompletableFuture<PartitionEntity.CompactionDone> part : parts) {
                          if (part.join().error() != null) {
                            throw new io.skald.framework.SkaldException(
                                "compacting '" + topic + "' failed: " + part.join().error());
                          }
                        }
                        return null;
                      });
            });
  }

  @Override
  public CompletionStage<List<io.skald.framework.PartitionLag>> lag(String group, String topic) {
    return topics
        .require(topic)
        .thenCompose(
            spec ->
                committedOffsets(group)
                    .thenCompose(
                        committed -> {
                          List<CompletableFuture<io.skald.framework.PartitionLag>> rows =
                              new ArrayList<>();
                          for (int p = 0; p < spec.partitions(); p++) {
                            TopicPartition tp = new TopicPartition(topic, p);
                            long position = committed.getOrDefault(tp, -1L);
                            rows.add(
                                partitionOffsets(tp)
                                    .thenApply(
                                        bounds -> {
                                          long from =
                                              Math.max(
                                                  position < 0 ? 0 : position,
                                                  bounds.logStartOffset());
                                          return new io.skald.framework.PartitionLag(
                                              tp,
                                              bounds.logStartOffset(),
                                              bounds.logEndOffset(),
                                              position,
                                              Math.max(0, bounds.logEndOffset() - from));
                                        })
                                    .toCompletableFuture());
                          }
                          return CompletableFuture.allOf(rows.toArray(CompletableFuture[]::new))
                              .thenApply(
                                  ignored -> rows.stream().map(CompletableFuture::join).toList());
                        }));
  }

  @Override
  public CompletionStage<Long> offsetForTimestamp(TopicPartition tp, java.time.Instant time) {
    return partitionOffsets(tp)
        .thenCompose(
            bounds ->
                Stages.inline(
                        PartitionEntity.ref(system, tp)
                            .<PartitionEntity.OffsetFound>ask(
                                replyTo ->
                                    new PartitionEntity.OffsetForTimestamp(
                                        time.toEpochMilli(), replyTo),
                                settings.askTimeout()))
                    .thenApply(PartitionEntity.OffsetFound::offset));
  }

  @Override
  public CompletionStage<Map<TopicPartition, Long>> resetOffsets(
      String group, String topic, io.skald.framework.OffsetReset to, boolean dryRun) {
    return topics
        .require(topic)
        .thenCompose(
            spec -> {
              List<CompletableFuture<CommittedOffset>> targets = new ArrayList<>();
              for (int p = 0; p < spec.partitions(); p++) {
                TopicPartition tp = new TopicPartition(topic, p);
                targets.add(
                    partitionOffsets(tp)
                        .thenCompose(bounds -> target(tp, bounds, to))
                        .toCompletableFuture());
              }
              return CompletableFuture.allOf(targets.toArray(CompletableFuture[]::new))
                  .thenApply(ignored -> targets.stream().map(CompletableFuture::join).toList());
            })
        .thenCompose(
            offsets -> {
              Map<TopicPartition, Long> result = new java.util.TreeMap<>();
              offsets.forEach(o -> result.put(o.tp(), o.offset()));
              if (dryRun) {
                return CompletableFuture.completedFuture(Map.copyOf(result));
              }
              return Stages.inline(
                      ClusterSharding.get(system)
                          .entityRefFor(GroupCoordinator.ENTITY_TYPE_KEY, group)
                          .<GroupCoordinator.ResetResult>ask(
                              replyTo -> new GroupCoordinator.ResetOffsets(offsets, replyTo),
                              settings.askTimeout()))
                  .thenApply(
                      reply -> {
                        if (reply.refused() != null) {
                          throw new io.skald.framework.GroupActiveException(reply.refused());
                        }
                        return Map.copyOf(result);
                      });
            });
  }

  private CompletionStage<CommittedOffset> target(
      TopicPartition tp, PartitionOffsets bounds, io.skald.framework.OffsetReset to) {
    if (to instanceof io.skald.framework.OffsetReset.ToTimestamp t) {
      return offsetForTimestamp(tp, t.time()).thenApply(offset -> CommittedOffset.of(tp, offset));
    }
    long offset;
    if (to instanceof io.skald.framework.OffsetReset.Earliest) {
      offset = bounds.logStartOffset();
    } else if (to instanceof io.skald.framework.OffsetReset.Latest) {
      offset = bounds.logEndOffset();
    } else {
      long requested = ((io.skald.framework.OffsetReset.ToOffset) to).offset();
      offset = Math.max(bounds.logStartOffset(), Math.min(requested, bounds.logEndOffset()));
    }
    return CompletableFuture.completedFuture(CommittedOffset.of(tp, offset));
  }

  @Override
  public CompletionStage<Map<TopicPartition, Long>> committedOffsets(String group) {
    return Stages.inline(
            ClusterSharding.get(system)
                .entityRefFor(GroupCoordinator.ENTITY_TYPE_KEY, group)
                .<GroupCoordinator.CommittedOffsets>ask(
                    GroupCoordinator.GetCommitted::new, settings.askTimeout()))
        .thenApply(
            reply -> {
              Map<TopicPartition, Long> offsets = new HashMap<>();
              new ArrayList<>(reply.offsets()).forEach(o -> offsets.put(o.tp(), o.offset()));
              return Map.copyOf(offsets);
            });
  }
}
