package io.skald.saga.internal.runner;

import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.Stages;
import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.consumer.RejectRecordException;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.saga.OperatorAction;
import io.skald.saga.SagaChoreography;
import io.skald.saga.SagaDefinition;
import io.skald.saga.SagaOrchestrator;
import io.skald.saga.SagaStatus;
import io.skald.saga.SagaView;
import io.skald.saga.internal.SagaHeaders;
import io.skald.saga.internal.SagaJson;
import io.skald.saga.internal.SagaRuntimeSettings;
import io.skald.saga.internal.SagaTopics;
import io.skald.saga.internal.definition.Definitions;
import io.skald.saga.internal.engine.FlowEvent;
import io.skald.saga.internal.engine.FlowRules;
import io.skald.saga.internal.engine.InstanceState;
import io.skald.saga.internal.engine.InstanceViews;
import io.skald.saga.internal.engine.Transitions;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * INTERNAL API: the runner of one definition: its instance entities (orchestrators, or the trackers
 * of a choreography), the consumer of its replies (or of its flow events), the index, and the
 * views.
 *
 * @param <D> the data type
 */
public final class DefaultSagaRunner<D> implements SagaOrchestrator<D>, SagaChoreography<D> {
  private final SagaDefinition<D> definition;
  private final ActorSystem<?> system;
  private final SagaRuntimeSettings settings;
  private final SagaJson json;
  private final Transitions<D> rules;
  private final java.util.SortedMap<Integer, Transitions<D>> versions = new java.util.TreeMap<>();
  private final Subscription replies;
  private final boolean choreography;

  private static final java.time.Duration METRICS_REFRESH = java.time.Duration.ofSeconds(5);

  /**
   * Registers the definition's instances and starts consuming its replies (orchestration) or its
   * flow events (choreography).
   *
   * @param skald the node
   * @param registered the versions of the definition to run side by side: one name and data type,
   *     distinct versions; new instances take the newest
   * @param choreography whether it runs as a choreography (one version only)
   * @param settings the saga settings
   * @param json the JSON mapper
   * @param producer sends commands or flow events
   */
  public DefaultSagaRunner(
      Skald skald,
      List<SagaDefinition<D>> registered,
      boolean choreography,
      SagaRuntimeSettings settings,
      SagaJson json,
      Producer<String, byte[]> producer) {
    checkVersions(registered, choreography);
    for (SagaDefinition<D> version : registered) {
      versions.put(version.version(), new Transitions<>(version, json, settings.historyLimit()));
    }
    SagaDefinition<D> definition = versions.get(versions.lastKey()).definition();
    this.definition = definition;
    this.choreography = choreography;
    this.system = skald.system();
    this.settings = settings;
    this.json = json;
    this.rules = versions.get(versions.lastKey());
    SagaMeters meters = new SagaMeters(skald.meterRegistry(), definition.name());
    FlowRules<D> flow = choreography ? new FlowRules<>(definition) : null;
    if (choreography && definition.awaitsSignals()) {
      throw new io.skald.saga.InvalidSagaDefinitionException(
          "saga '"
              + definition.name()
              + "' waits for signals, which only an orchestrated saga does: in a choreography a"
              + " participant reacts to the outside event itself");
    }
    if (choreography && !Definitions.children(definition).isEmpty()) {
      throw new io.skald.saga.InvalidSagaDefinitionException(
          "saga '"
              + definition.name()
              + "' starts child sagas, which only an orchestrated saga does");
    }
    Set<String> topics = new LinkedHashSet<>();
    topics.add(choreography ? flowTopic(definition) : definition.replyTopic());
    registered.stream()
        .flatMap(version -> Definitions.stages(version).stream())
        .flatMap(s -> s.steps().stream())
        .forEach(
            step -> {
              topics.add(step.endpoint().topic()); // a wait's: the signal topic
              if (step.compensation() != null) {
                topics.add(step.compensation().topic());
              }
            });
    SagaTopics.ensure(
        skald.admin(),
        topics,
        settings.topicPartitions(),
        settings.askTimeout(),
        io.skald.saga.internal.SagaRetention.from(skald.system().settings().config()).records());
    for (SagaDefinition<D> version : registered) {
      checkAgainstCatalog(version);
    }
    checkRetired();
    SagaInstance.init(
        system,
        new InstanceRuntime<>(
            choreography
                ? SagaInstance.trackerTypeKey(definition.name())
                : SagaInstance.typeKey(definition.name()),
            rules,
            java.util.Map.copyOf(versions),
            choreography
                ? new FlowSender<>(definition.name(), flowTopic(definition), flow, producer)
                : new CommandSender<>(versions, json, producer),
            SagaIndex.ref(system, indexId()),
            settings.askTimeout(),
            settings.snapshotEvery(),
            settings.journalPluginId(),
            settings.snapshotPluginId(),
            meters));
    // The instances gauge follows the index, refreshed at a fixed pace (one small ask).
    system
        .scheduler()
        .scheduleWithFixedDelay(
            METRICS_REFRESH,
            METRICS_REFRESH,
            () ->
                indexCounts()
                    .thenAccept(c -> meters.counted(byStatus(c), c.deleted()))
                    .exceptionally(
                        error -> null), // the index is moving or busy: the next refresh counts
            system.executionContext());
    this.replies =
        choreography
            ? skald.subscribe(
                SubscriptionSpec.of(
                        "skald-saga." + definition.name() + ".tracker",
                        Codecs.string(),
                        Codecs.bytes())
                    .withTopics(flowTopic(definition))
                    .withParallelism(settings.replyParallelism()),
                this::onFlowEvent)
            : skald.subscribe(
                SubscriptionSpec.of(
                        "skald-saga." + definition.name(), Codecs.string(), Codecs.bytes())
                    .withTopics(
                        definition.awaitsSignals()
                            ? new String[] {definition.replyTopic(), definition.signalTopic()}
                            : new String[] {definition.replyTopic()})
                    .withParallelism(settings.replyParallelism()),
                record ->
                    record.topic().equals(definition.signalTopic())
                        ? onSignalRecord(record)
                        : onReply(record));
    boolean spawns =
        registered.stream().anyMatch(version -> !Definitions.children(version).isEmpty());
    this.fanOuts =
        spawns
            ? skald.subscribe(
                SubscriptionSpec.of(
                        "skald-saga." + definition.name() + ".children",
                        Codecs.string(),
                        Codecs.bytes())
                    .withTopics(definition.name() + ".children")
                    .withParallelism(settings.replyParallelism()),
                new io.skald.saga.internal.runner.ChildrenCommands(
                        system, settings.askTimeout(), definition.name())
                    ::handle)
            : null;
  }

  /** The consumer of the child-saga steps' commands, or null without such steps. */
  private final Subscription fanOuts;

  /**
   * A signal written to the signal topic: keyed by saga id, its type in the type header. One that
   * cannot be delivered (no id, no type, no such instance, a type no step waits for, a payload that
   * does not read) is dead-lettered with the reason.
   */
  private CompletionStage<?> onSignalRecord(ConsumerRecord<String, byte[]> record) {
    String id = record.key();
    String type = record.headers().get(SagaHeaders.TYPE);
    if (id == null || id.isEmpty() || type == null) {
      throw new RejectRecordException(
          "a signal of saga '"
              + definition.name()
              + "' needs the saga id as its key and its type in header "
              + SagaHeaders.TYPE);
    }
    return deliver(id, type, new String(record.value(), StandardCharsets.UTF_8))
        .thenApply(
            result -> {
              if (result.refusal() != null) {
                throw new RejectRecordException(
                    "signal "
                        + type
                        + " for saga "
                        + definition.name()
                        + " "
                        + id
                        + ": "
                        + result.refusal());
              }
              return result.taken();
            });
  }

  private CompletionStage<InstanceProtocol.SignalResult> deliver(
      String sagaId, String type, String signalJson) {
    return Stages.inline(
        ref(sagaId)
            .<InstanceProtocol.SignalResult>ask(
                replyTo -> new InstanceProtocol.Signal(type, signalJson, replyTo),
                settings.askTimeout()));
  }

  @Override
  public CompletionStage<Boolean> signal(String sagaId, Object signal) {
    if (signal == null) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("the signal is null"));
    }
    String body;
    try {
      body = json.write(signal);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return signal(sagaId, signal.getClass().getName(), body);
  }

  @Override
  public CompletionStage<Boolean> signal(String sagaId, String type, String signalJson) {
    var wait = type == null ? null : rules.waitFor(type);
    if (wait == null) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException(
              "saga '" + definition.name() + "' has no step that waits for a signal " + type));
    }
    try {
      json.read(signalJson, json.typeNamed(wait.endpoint(), type));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException(
              "the signal does not read as " + type + ": " + e.getMessage(), e));
    }
    return Stages.unwrapped(
        deliver(sagaId, type, signalJson)
            .thenApply(
                result -> {
                  if (result.refusal() != null) {
                    throw new IllegalStateException(
                        "saga " + definition.name() + " " + sagaId + ": " + result.refusal());
                  }
                  return result.taken();
                }));
  }

  /**
   * Checks the definition against the shape its instances ran under until now ({@link
   * DefinitionCatalog}), before any instance of it starts on this node.
   *
   * @throws io.skald.saga.InvalidSagaDefinitionException naming the step, if the definition changes
   *     a step that instances in flight may have passed
   * @throws io.skald.framework.SkaldException if the catalog or the index does not answer
   */
  private void checkAgainstCatalog(SagaDefinition<D> definition) {
    // version 1 keeps the catalog entry it had before versions
    String id =
        (choreography ? "flow:" : "saga:")
            + definition.name()
            + (definition.version() == 1 ? "" : "@v" + definition.version());
    try {
      long inFlight =
          inFlightByVersion().toCompletableFuture().get().getOrDefault(definition.version(), 0L);
      DefinitionCatalog.Verdict verdict =
          Stages.inline(
                  DefinitionCatalog.ref(system, id)
                      .<DefinitionCatalog.Verdict>ask(
                          replyTo ->
                              new DefinitionCatalog.Register(
                                  DefinitionCatalog.shape(definition), inFlight, replyTo),
                          settings.askTimeout()))
              .toCompletableFuture()
              .get();
      if (verdict.refusal() != null) {
        throw new io.skald.saga.InvalidSagaDefinitionException(verdict.refusal());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new io.skald.framework.SkaldException(
          "interrupted while checking saga '" + definition.name() + "'", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new io.skald.framework.SkaldException(
          "saga '"
              + definition.name()
              + "': could not check the definition against the one its instances ran under: "
              + Stages.unwrap(e),
          Stages.unwrap(e));
    }
  }

  private static <D> void checkVersions(List<SagaDefinition<D>> registered, boolean choreography) {
    if (registered.isEmpty()) {
      throw new IllegalArgumentException("no definition to run");
    }
    SagaDefinition<D> first = registered.get(0);
    Set<Integer> seen = new java.util.HashSet<>();
    for (SagaDefinition<D> version : registered) {
      if (!version.name().equals(first.name()) || !version.dataType().equals(first.dataType())) {
        throw new IllegalArgumentException(
            "versions run side by side must share a name and a data type: "
                + first
                + " and "
                + version);
      }
      if (!seen.add(version.version())) {
        throw new IllegalArgumentException(
            "saga '" + first.name() + "': version " + version.version() + " is registered twice");
      }
    }
    if (choreography && registered.size() > 1) {
      throw new IllegalArgumentException(
          "saga '"
              + first.name()
              + "': versions side by side run orchestrated only; a choreography runs one version");
    }
  }

  /**
   * Refuses to start without a version that instances in flight still run: they would wait for a
   * node that runs it.
   */
  private void checkRetired() {
    Map<Integer, Long> inFlight;
    try {
      inFlight = inFlightByVersion().toCompletableFuture().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new io.skald.framework.SkaldException(
          "interrupted while checking saga '" + definition.name() + "'", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new io.skald.framework.SkaldException(
          "saga '"
              + definition.name()
              + "': could not count its instances in flight by version: "
              + Stages.unwrap(e),
          Stages.unwrap(e));
    }
    Map<Integer, Long> orphaned = new java.util.TreeMap<>(inFlight);
    orphaned.keySet().removeAll(versions.keySet());
    if (!orphaned.isEmpty()) {
      throw new io.skald.saga.InvalidSagaDefinitionException(
          "saga '"
              + definition.name()
              + "': instances in flight run version(s) "
              + orphaned
              + " (version=count), which this registration does not have "
              + versions.keySet()
              + "; register them alongside the new one until no instance runs them"
              + " (versionsInFlight()), or migrate those instances");
    }
  }

  /**
   * The flow topic of a choreographed saga.
   *
   * @param definition the definition
   * @return {@code <name>.flow}
   */
  public static String flowTopic(SagaDefinition<?> definition) {
    return definition.name() + ".flow";
  }

  private String indexId() {
    return choreography ? "flow:" + definition.name() : definition.name();
  }

  private org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef<InstanceProtocol.Command> ref(
      String sagaId) {
    return choreography
        ? SagaInstance.trackerRef(system, definition.name(), sagaId)
        : SagaInstance.ref(system, definition.name(), sagaId);
  }

  private CompletionStage<?> onFlowEvent(ConsumerRecord<String, byte[]> record) {
    if (SagaHeaders.END.equals(record.headers().get(SagaHeaders.DIRECTION))) {
      return CompletableFuture.completedFuture(null); // for the participants' ledgers
    }
    FlowEvent event =
        FlowEvent.from(record.headers(), new String(record.value(), StandardCharsets.UTF_8));
    String id = record.headers().get(SagaHeaders.ID);
    if (event == null || id == null) {
      throw new RejectRecordException(
          "not a flow event of saga '"
              + definition.name()
              + "': headers "
              + record.headers().keySet());
    }
    return Stages.inline(
        ref(id)
            .<Boolean>ask(
                replyTo -> new InstanceProtocol.Observe(event, null, false, replyTo),
                settings.askTimeout()));
  }

  private CompletionStage<?> onReply(ConsumerRecord<String, byte[]> record) {
    Map<String, String> h = record.headers();
    String id = h.get(SagaHeaders.ID);
    String step = h.get(SagaHeaders.STEP);
    String type = h.get(SagaHeaders.TYPE);
    if (id == null
        || step == null
        || type == null
        || !definition.name().equals(h.get(SagaHeaders.SAGA))) {
      throw new RejectRecordException(
          "not a reply of saga '" + definition.name() + "': headers " + h.keySet());
    }
    boolean compensation = SagaHeaders.UNDO.equals(h.get(SagaHeaders.DIRECTION));
    String body = new String(record.value(), StandardCharsets.UTF_8);
    int attempt = SagaHeaders.attempt(h);
    return Stages.inline(
        ref(id)
            .<Boolean>ask(
                replyTo ->
                    new InstanceProtocol.Reply(step, compensation, attempt, type, body, replyTo),
                settings.askTimeout()));
  }

  @Override
  public SagaDefinition<D> definition() {
    return definition;
  }

  /**
   * The definitions registered, oldest version first.
   *
   * @return the versions' definitions
   */
  public List<SagaDefinition<D>> registered() {
    return versions.values().stream().map(Transitions::definition).toList();
  }

  /**
   * The reply consumer (stopped with the node).
   *
   * @return the subscription
   */
  public Subscription replies() {
    return replies;
  }

  @Override
  public CompletionStage<Boolean> start(String sagaId, D data) {
    if (sagaId == null || sagaId.isEmpty() || sagaId.length() > 200 || sagaId.contains("|")) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException(
              "a saga id must be 1 to 200 characters without '|', was " + sagaId));
    }
    if (data == null) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("saga data is null"));
    }
    String dataJson;
    try {
      dataJson = json.write(data);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    java.util.Map<String, String> trace = SagaTrace.current();
    return Stages.unwrapped(
        Stages.inline(
            ref(sagaId)
                .ask(
                    replyTo -> new InstanceProtocol.Start(dataJson, trace, replyTo),
                    settings.askTimeout())));
  }

  @Override
  public CompletionStage<Optional<SagaView<D>>> get(String sagaId) {
    return Stages.unwrapped(
        Stages.inline(
                ref(sagaId).<InstanceState>ask(InstanceProtocol.Get::new, settings.askTimeout()))
            .thenApply(
                state ->
                    state.status() == null ? Optional.empty() : Optional.of(view(sagaId, state))));
  }

  @Override
  public CompletionStage<List<String>> list(SagaStatus status) {
    return Stages.unwrapped(
        Stages.inline(
            SagaIndex.ref(system, indexId())
                .<SagaIndex.Ids>ask(
                    replyTo -> new SagaIndex.ListByStatus(status, replyTo), settings.askTimeout())
                .thenApply(SagaIndex.Ids::ids)));
  }

  private CompletionStage<Map<Integer, Long>> inFlightByVersion() {
    return Stages.unwrapped(
        Stages.inline(
            SagaIndex.ref(system, indexId())
                .<SagaIndex.VersionCounts>ask(
                    SagaIndex.InFlightByVersion::new, settings.askTimeout())
                .thenApply(counts -> Map.copyOf(counts.counts()))));
  }

  @Override
  public CompletionStage<Map<Integer, Long>> versionsInFlight() {
    return inFlightByVersion();
  }

  @Override
  public java.util.SortedSet<Integer> versions() {
    return java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(versions.keySet()));
  }

  @Override
  public CompletionStage<SagaView<D>> migrate(String sagaId, int toVersion) {
    if (!versions.containsKey(toVersion)) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException(
              "saga '"
                  + definition.name()
                  + "' has no version "
                  + toVersion
                  + " registered here; it runs "
                  + versions.keySet()));
    }
    return Stages.unwrapped(
        Stages.inline(
                ref(sagaId)
                    .<InstanceProtocol.OperateResult>ask(
                        replyTo -> new InstanceProtocol.Migrate(toVersion, replyTo),
                        settings.askTimeout()))
            .thenApply(
                result -> {
                  if (result instanceof InstanceProtocol.Refused refused) {
                    throw new IllegalStateException(
                        "saga "
                            + definition.name()
                            + " "
                            + sagaId
                            + ": migrate refused: "
                            + refused.reason());
                  }
                  return view(sagaId, ((InstanceProtocol.Operated) result).state());
                }));
  }

  @Override
  public CompletionStage<Map<SagaStatus, Long>> counts() {
    return Stages.unwrapped(indexCounts().thenApply(DefaultSagaRunner::byStatus));
  }

  private CompletionStage<SagaIndex.StatusCounts> indexCounts() {
    return Stages.inline(
        SagaIndex.ref(system, indexId())
            .<SagaIndex.StatusCounts>ask(SagaIndex.Counts::new, settings.askTimeout()));
  }

  private static Map<SagaStatus, Long> byStatus(SagaIndex.StatusCounts counts) {
    Map<SagaStatus, Long> byStatus = new java.util.EnumMap<>(SagaStatus.class);
    counts.counts().forEach((status, n) -> byStatus.put(status, (long) n));
    return Map.copyOf(byStatus);
  }

  @Override
  public CompletionStage<io.skald.saga.SagaPage> query(io.skald.saga.SagaQuery query) {
    return Stages.unwrapped(
        Stages.inline(
            SagaIndex.ref(system, indexId())
                .<SagaIndex.Page>ask(
                    replyTo ->
                        new SagaIndex.Query(
                            query.status(),
                            query.from() == null ? Long.MIN_VALUE : query.from().toEpochMilli(),
                            query.to() == null ? Long.MAX_VALUE : query.to().toEpochMilli(),
                            query.version(),
                            query.limit(),
                            query.after(),
                            replyTo),
                    settings.askTimeout())
                .thenApply(
                    page -> {
                      if (page.error() != null) {
                        throw new IllegalArgumentException(
                            "saga " + definition.name() + ": query failed: " + page.error());
                      }
                      return new io.skald.saga.SagaPage(
                          page.items().stream()
                              .map(
                                  s ->
                                      new io.skald.saga.SagaSummary(
                                          s.sagaId(),
                                          s.status(),
                                          s.version(),
                                          s.at() == 0
                                              ? null
                                              : java.time.Instant.ofEpochMilli(s.at()),
                                          s.deleted()))
                              .toList(),
                          page.next());
                    })));
  }

  @Override
  public CompletionStage<SagaView<D>> retry(String sagaId) {
    return Stages.unwrapped(operate(sagaId, OperatorAction.RETRY));
  }

  @Override
  public CompletionStage<SagaView<D>> skip(String sagaId) {
    return Stages.unwrapped(operate(sagaId, OperatorAction.SKIP));
  }

  @Override
  public CompletionStage<SagaView<D>> compensate(String sagaId) {
    return Stages.unwrapped(operate(sagaId, OperatorAction.COMPENSATE));
  }

  @Override
  public CompletionStage<SagaView<D>> abort(String sagaId) {
    return Stages.unwrapped(operate(sagaId, OperatorAction.ABORT));
  }

  private CompletionStage<SagaView<D>> operate(String sagaId, OperatorAction action) {
    return Stages.inline(
            ref(sagaId)
                .<InstanceProtocol.OperateResult>ask(
                    replyTo -> new InstanceProtocol.Operate(action, replyTo),
                    settings.askTimeout()))
        .thenApply(
            result -> {
              if (result instanceof InstanceProtocol.Refused refused) {
                throw new IllegalStateException(
                    "saga " + definition.name() + " " + sagaId + ": " + refused.reason());
              }
              return view(sagaId, ((InstanceProtocol.Operated) result).state());
            });
  }

  SagaView<D> view(String sagaId, InstanceState state) {
    Transitions<D> own = versions.get(state.version());
    return InstanceViews.view(own == null ? rules : own, sagaId, state);
  }
}
