package io.skald.framework;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skald.framework.admin.TopicAdmin;
import io.skald.framework.consumer.RecordHandler;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.deadletter.DeadLetterQueue;
import io.skald.framework.internal.runtime.SkaldRuntime;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.transaction.TransactionalProducer;
import io.skald.framework.transaction.TransactionalSettings;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The entry point of the messaging layer: topics, producers and consumer groups on one Pekko actor
 * system.
 *
 * <p>{@link #start(String)} creates and owns an actor system configured as a one-node cluster with
 * the embedded LevelDB journal under {@code skald.framework.data-dir}; {@link #create(ActorSystem)}
 * uses a system you configured yourself (cluster provider required).
 * <!-- snippet: jd-skald -->
 *
 * <pre>{@code
 * try (Skald skald = Skald.start("orders-app")) {
 *   skald.admin().createTopic(TopicSpec.of("orders", 4)).toCompletableFuture().join();
 *   Producer<String, String> producer =
 *       skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
 *   producer.send("orders", "order-1", "created").toCompletableFuture().join();
 *   Subscription billing =
 *       skald.subscribe(
 *           SubscriptionSpec.of("billing", Codecs.string(), Codecs.string()).withTopics("orders"),
 *           record -> CompletableFuture.completedFuture(null));
 * }
 * }</pre>
 */
public final class Skald implements AutoCloseable {
  private final ActorSystem<?> system;
  private final SkaldRuntime runtime;
  private final boolean ownsSystem;

  private Skald(ActorSystem<?> system, boolean ownsSystem) {
    this.system = system;
    this.ownsSystem = ownsSystem;
    this.runtime = new SkaldRuntime(system);
  }

  /**
   * Starts Skald on a new actor system with the application's configuration ({@code
   * application.conf}) on top of Skald's defaults.
   *
   * @param name the actor system's name
   * @return the running instance, once this node is Up
   */
  public static Skald start(String name) {
    return start(name, ConfigFactory.empty());
  }

  /**
   * Starts Skald on a new actor system with the given configuration, which overrides {@code
   * application.conf}, which overrides Skald's defaults. Unless the configuration says otherwise,
   * the system is a cluster node bound to 127.0.0.1 on a free port that joins itself.
   *
   * @param name the actor system's name
   * @param config the configuration (falls back to the defaults for missing keys)
   * @return the running instance, once this node is Up
   */
  public static Skald start(String name, Config config) {
    Config defaults =
        ConfigFactory.parseString(
            "pekko.actor.provider = cluster\n"
                + "pekko.remote.artery.canonical.hostname = \"127.0.0.1\"\n"
                + "pekko.remote.artery.canonical.port = 0\n"
                + "pekko.coordinated-shutdown.exit-jvm = off\n"
                + "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]\n"
                + "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"\n");
    // Resolve everything together with the unresolved reference.conf, so that substitutions such
    // as the journal directory (${skald.framework.data-dir}/journal) see the caller's values.
    Config resolved =
        ConfigFactory.load(
            config.withFallback(ConfigFactory.defaultApplication()).withFallback(defaults));
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), name, resolved);
    try {
      Skald skald = new Skald(system, true);
      skald.awaitUp();
      return skald;
    } catch (RuntimeException e) {
      system.terminate();
      throw e;
    }
  }

  /**
   * Uses an existing actor system. It must be configured with {@code pekko.actor.provider =
   * cluster}; Skald joins it to itself unless {@code skald.framework.cluster.self-join = off}.
   * Closing the returned instance does not terminate the system.
   *
   * @param system the actor system
   * @return the instance
   */
  public static Skald create(ActorSystem<?> system) {
    return new Skald(system, false);
  }

  private void awaitUp() {
    try {
      runtime
          .whenMemberUp()
          .toCompletableFuture()
          .get(runtime.settings().askTimeout().toMillis() * 3, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new SkaldException("the cluster node did not come Up in time", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SkaldException("interrupted while starting", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new SkaldException("start failed: " + e.getCause(), e.getCause());
    }
  }

  /**
   * Topic administration.
   *
   * @return the admin API
   */
  public TopicAdmin admin() {
    return runtime.admin();
  }

  /**
   * Creates a producer. Producers are cheap; they share nothing but the partitions.
   *
   * @param settings codecs and acknowledgement mode
   * @param <K> the key type
   * @param <V> the value type
   * @return the producer
   */
  public <K, V> Producer<K, V> producer(ProducerSettings<K, V> settings) {
    return runtime.producer(settings);
  }

  /**
   * Starts a transactional producer: its records and consumer offsets are committed atomically.
   * Starting one fences every older instance with the same transactional id, aborts the transaction
   * such an instance left open and completes one whose commit was decided. See {@code
   * docs/transactions.md}.
   *
   * @param settings the transactional id and codecs
   * @param <K> the key type
   * @param <V> the value type
   * @return the producer
   * @throws io.skald.framework.producer.DeliveryTimeoutException if the id's coordinator did not
   *     answer within {@code producer.delivery-timeout}
   */
  public <K, V> TransactionalProducer<K, V> transactionalProducer(
      TransactionalSettings<K, V> settings) {
    return join(runtime.transactionalProducer(settings));
  }

  /**
   * Starts a transactional producer without blocking.
   *
   * @param settings the transactional id and codecs
   * @param <K> the key type
   * @param <V> the value type
   * @return the producer, or a failed stage
   */
  public <K, V> CompletionStage<TransactionalProducer<K, V>> transactionalProducerAsync(
      TransactionalSettings<K, V> settings) {
    return runtime.transactionalProducer(settings);
  }

  /**
   * Starts a consume-transform-produce pipeline: the handler's outputs and the input positions are
   * committed in one transaction per batch and input partition, so each input record's outputs
   * appear exactly once, even across crashes and rebalances. See docs/transactions.md.
   * <!-- snippet: jd-pipeline -->
   *
   * <pre>{@code
   * Pipeline pipeline =
   *     skald.pipeline(
   *         PipelineSpec.of(
   *             SubscriptionSpec.of("shipper", Codecs.string(), Codecs.string())
   *                 .withTopics("orders"),
   *             Codecs.string(),
   *             Codecs.string()),
   *         (order, out) -> {
   *           out.send("shipments", order.key(), "ship " + order.value());
   *           out.send("audit", order.key(), "shipped " + order.value());
   *         });
   * }</pre>
   *
   * @param spec the input subscription, the output codecs and the batching
   * @param handler transforms each input record into its outputs
   * @param <KI> the input key type
   * @param <VI> the input value type
   * @param <KO> the output key type
   * @param <VO> the output value type
   * @return the running pipeline
   * @throws UnknownTopicException if an input topic does not exist
   */
  public <KI, VI, KO, VO> io.skald.framework.transaction.Pipeline pipeline(
      io.skald.framework.transaction.PipelineSpec<KI, VI, KO, VO> spec,
      io.skald.framework.transaction.PipelineHandler<KI, VI, KO, VO> handler) {
    java.util.Objects.requireNonNull(handler, "handler");
    return join(
        runtime.pipeline(
            spec, io.skald.framework.internal.txn.TransactionalPipeline.sync(handler)));
  }

  /**
   * Starts a pipeline whose handler answers later ({@link
   * io.skald.framework.transaction.AsyncPipelineHandler}), without blocking; otherwise as {@link
   * #pipeline}. {@link io.skald.framework.stream.SkaldStreams#pipelineSource} builds on it.
   *
   * @param spec the input subscription, the output codecs and the batching
   * @param handler transforms each input record into its outputs, as a stage
   * @param <KI> the input key type
   * @param <VI> the input value type
   * @param <KO> the output key type
   * @param <VO> the output value type
   * @return the running pipeline, or a failed stage (an unknown input topic)
   */
  public <KI, VI, KO, VO> CompletionStage<io.skald.framework.transaction.Pipeline> pipelineAsync(
      io.skald.framework.transaction.PipelineSpec<KI, VI, KO, VO> spec,
      io.skald.framework.transaction.AsyncPipelineHandler<KI, VI, KO, VO> handler) {
    return runtime.pipeline(spec, handler);
  }

  /**
   * Starts a member of a consumer group. Each call creates one member; call it several times (or on
   * several nodes) with the same group to share the partitions.
   *
   * @param spec what to subscribe to and how
   * @param handler handles each record; completing its stage acknowledges the record
   * @param <K> the key type
   * @param <V> the value type
   * @return the running member
   * @throws UnknownTopicException if a topic does not exist
   * @throws IllegalArgumentException for an invalid subscription (unknown assignor, no topic)
   */
  public <K, V> Subscription subscribe(SubscriptionSpec<K, V> spec, RecordHandler<K, V> handler) {
    return join(runtime.subscribe(spec, handler));
  }

  /**
   * Starts a member of a shared group ({@link SubscriptionSpec#withSharedConsumption}) whose
   * handler sees each record's {@link io.skald.framework.consumer.RecordLease}, to extend the
   * visibility timeout of a long task or release the record for later.
   *
   * @param spec what to subscribe to and how; must be shared
   * @param handler handles each record; completing its stage acknowledges the record
   * @param <K> the key type
   * @param <V> the value type
   * @return the running member
   * @throws UnknownTopicException if a topic does not exist
   * @throws IllegalArgumentException for a spec that is not shared, or an invalid one
   */
  public <K, V> Subscription subscribe(
      SubscriptionSpec<K, V> spec, io.skald.framework.consumer.LeasedRecordHandler<K, V> handler) {
    return join(runtime.subscribe(spec, handler));
  }

  /**
   * Starts a member of a consumer group without blocking.
   *
   * @param spec what to subscribe to and how
   * @param handler handles each record
   * @param <K> the key type
   * @param <V> the value type
   * @return the running member, or a failed stage
   */
  public <K, V> CompletionStage<Subscription> subscribeAsync(
      SubscriptionSpec<K, V> spec, RecordHandler<K, V> handler) {
    return runtime.subscribe(spec, handler);
  }

  /**
   * The dead letters of a consumer group: records its handler failed for good. Inspect, replay or
   * purge them.
   *
   * @param group the consumer group
   * @return its dead-letter queue ({@code <group>.dlq})
   */
  public DeadLetterQueue deadLetters(String group) {
    return runtime.deadLetters(group);
  }

  /**
   * The id of the journal plugin Skald persists to ({@code
   * skald.framework.persistence.journal-plugin-id}): the embedded LevelDB journal by default,
   * PostgreSQL in a cluster. Persist your own event-sourced entities next to Skald's by returning
   * it from {@code EventSourcedBehavior.journalPluginId()}, so that one backup, one database and
   * one {@code kill -9} story cover both:
   * <!-- snippet: jd-skald-own-journal -->
   *
   * <pre>{@code
   * class Account extends EventSourcedBehavior<Command, Event, State> {
   *   private final Skald skald;
   *   // ... emptyState(), commandHandler(), eventHandler()
   *
   *   @Override
   *   public String journalPluginId() {
   *     return skald.journalPluginId();
   *   }
   *
   *   @Override
   *   public String snapshotPluginId() {
   *     return skald.snapshotPluginId();
   *   }
   * }
   * }</pre>
   *
   * @return a plugin id, never empty
   */
  public String journalPluginId() {
    return runtime.settings().journalPluginId();
  }

  /**
   * The id of the snapshot-store plugin Skald uses ({@code
   * skald.framework.persistence.snapshot-plugin-id}); see {@link #journalPluginId()}.
   *
   * @return a plugin id, never empty
   */
  public String snapshotPluginId() {
    return runtime.settings().snapshotPluginId();
  }

  /**
   * The Micrometer registry Skald's meters are registered in: a composite that records nothing
   * until a registry is added to it. The meters (records and bytes produced and consumed per topic,
   * append and journal latencies, lag per group and partition, dead letters, retries, rebalances,
   * handler durations, sagas) are listed in docs/operations.md.
   * <!-- snippet: jd-meter-registry -->
   *
   * <pre>{@code
   * PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
   * skald.meterRegistry().add(prometheus);
   * // serve prometheus.scrape() at /metrics, or use the admin server's /metrics
   * }</pre>
   *
   * @return the registry of this node's Skald
   */
  public io.micrometer.core.instrument.composite.CompositeMeterRegistry meterRegistry() {
    return io.skald.framework.internal.metrics.SkaldMetrics.get(system).registry();
  }

  /**
   * Traces with OpenTelemetry (the user brings the SDK): every send runs in a PRODUCER span whose
   * W3C trace context ({@code traceparent}, {@code tracestate}) travels in the record's headers,
   * and every handler attempt in a CONSUMER span, child of it and current while the handler runs,
   * so what a handler sends continues the trace; sagas carry their starter's trace through every
   * command and reply. Until this is called nothing is traced and no header is added.
   * <!-- snippet: jd-use-open-telemetry -->
   *
   * <pre>{@code
   * SdkTracerProvider tracerProvider =
   *     SdkTracerProvider.builder()
   *         .addSpanProcessor(SimpleSpanProcessor.create(exporter))
   *         .build();
   * skald.useOpenTelemetry(
   *     OpenTelemetrySdk.builder()
   *         .setTracerProvider(tracerProvider)
   *         .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
   *         .build());
   * }</pre>
   *
   * @param openTelemetry the OpenTelemetry to trace with ({@code OpenTelemetry.noop()} stops)
   */
  public void useOpenTelemetry(io.opentelemetry.api.OpenTelemetry openTelemetry) {
    io.skald.framework.internal.tracing.SkaldTracing.get(system).use(openTelemetry);
  }

  /**
   * The disk-space alarm of this node's embedded journal: the watched filesystem, its free space at
   * the last check, the limit ({@code skald.framework.disk.free-limit}) and whether appends are
   * refused now.
   *
   * @return the alarm's state ({@link io.skald.framework.admin.DiskSpace#unwatched()} on a database
   *     journal)
   */
  public io.skald.framework.admin.DiskSpace diskSpace() {
    return io.skald.framework.internal.disk.DiskSpaceAlarm.get(system).state();
  }

  /**
   * This node's liveness and readiness, every check run now (within about two seconds): an {@code
   * Up} cluster member, a probe write to the journal, no local partition still recovering its log,
   * the topic registry answering, and the disk-space alarm not raised. The admin server serves it
   * at {@code /health/ready}; a service can gate its own readiness on it.
   * <!-- snippet: jd-health -->
   *
   * <pre>{@code
   * NodeHealth health = skald.health().toCompletableFuture().join();
   * if (!health.ready()) {
   *   health.checks().stream()
   *       .filter(check -> !check.up())
   *       .forEach(check -> System.err.println(check.name() + ": " + check.detail()));
   * }
   * }</pre>
   *
   * @return a stage with the health; it does not fail, a failed check is reported in it
   */
  public CompletionStage<io.skald.framework.admin.NodeHealth> health() {
    return runtime.health();
  }

  /**
   * The actor system Skald runs on.
   *
   * @return the system
   */
  public ActorSystem<?> system() {
    return system;
  }

  /** Terminates the actor system if this instance created it, and waits for it. */
  @Override
  public void close() {
    if (ownsSystem) {
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new SkaldException("the actor system did not terminate in time", e);
      }
    }
  }

  private static <T> T join(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
  }
}
