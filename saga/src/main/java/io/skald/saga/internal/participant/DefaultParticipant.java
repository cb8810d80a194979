package io.skald.saga.internal.participant;

import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.Stages;
import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.consumer.RejectRecordException;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.saga.CommandContext;
import io.skald.saga.CommandHandler;
import io.skald.saga.Endpoint;
import io.skald.saga.Participant;
import io.skald.saga.SagaDefinition;
import io.skald.saga.internal.SagaHeaders;
import io.skald.saga.internal.SagaJson;
import io.skald.saga.internal.SagaRuntimeSettings;
import io.skald.saga.internal.SagaTopics;
import io.skald.saga.internal.engine.FlowRules;
import io.skald.saga.internal.engine.LedgerRules;
import io.skald.saga.internal.engine.Transitions;
import io.skald.saga.internal.runner.DefaultSagaRunner;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INTERNAL API: the participant helper. Per command, by {@link LedgerRules}: look the idempotency
 * key up in the ledger; a remembered reply (a success, or a refusal of the same attempt) is sent
 * again; a command whose compensation already ran is dropped; anything else runs the handler (a
 * compensation always: it must tolerate "nothing to undo"), remembers the reply durably, then sends
 * it. The record is committed after the reply is durable. An instance's end marker makes the ledger
 * forget its keys after the grace period. For the sagas it {@link #follow follows}, the same
 * handlers run on flow events ({@link FlowReactor}).
 */
public final class DefaultParticipant implements Participant {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultParticipant.class);

  /** A handler bound to its endpoint. */
  record Binding(Endpoint<Object> endpoint, CommandHandler<Object> handler) {}

  private final Skald skald;
  private final String service;
  private final SagaRuntimeSettings settings;
  private final SagaJson json;
  private final Producer<String, byte[]> producer;

  /** Handlers by endpoint name: a step is routed by its endpoint, never by its command class. */
  private final Map<String, Binding> byEndpoint = new LinkedHashMap<>();

  private final List<SagaDefinition<?>> followed = new ArrayList<>();
  private volatile CompletionStage<Integer> buckets;

  /**
   * Creates a participant.
   *
   * @param skald the Skald node
   * @param service the service (its consumer group)
   * @param settings the saga settings
   * @param json the JSON mapper
   * @param producer sends replies and flow events
   */
  public DefaultParticipant(
      Skald skald,
      String service,
      SagaRuntimeSettings settings,
      SagaJson json,
      Producer<String, byte[]> producer) {
    this.skald = skald;
    this.service = service;
    this.settings = settings;
    this.json = json;
    this.producer = producer;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <C> Participant on(Endpoint<C> endpoint, CommandHandler<C> handler) {
    if (byEndpoint.containsKey(endpoint.name())) {
      throw new IllegalArgumentException(
          "participant '" + service + "' already handles endpoint '" + endpoint.name() + "'");
    }
    byEndpoint.put(
        endpoint.name(),
        new Binding((Endpoint<Object>) endpoint, (CommandHandler<Object>) handler));
    return this;
  }

  private final List<io.skald.saga.SemanticLocks> releasedAtEnd =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  @Override
  public Participant releasingAtEnd(io.skald.saga.SemanticLocks locks) {
    releasedAtEnd.add(java.util.Objects.requireNonNull(locks, "locks"));
    return this;
  }

  @Override
  public Participant follow(SagaDefinition<?> definition) {
    new FlowRules<>(definition); // rejects a definition a choreography cannot run
    followed.add(definition);
    return this;
  }

  @Override
  public Subscription start() {
    if (byEndpoint.isEmpty()) {
      throw new IllegalStateException("participant '" + service + "' handles no endpoint");
    }
    List<String> commandTopics =
        byEndpoint.values().stream().map(b -> b.endpoint().topic()).distinct().toList();
    List<String> topics = new ArrayList<>(commandTopics);
    followed.forEach(d -> topics.add(DefaultSagaRunner.flowTopic(d)));
    SagaTopics.ensure(
        skald.admin(),
        topics,
        settings.topicPartitions(),
        settings.askTimeout(),
        io.skald.saga.internal.SagaRetention.from(skald.system().settings().config()).records());
    for (SagaDefinition<?> definition : followed) {
      FlowReactor<?> reactor = new FlowReactor<>(definition, this, json);
      skald.subscribe(
          SubscriptionSpec.of(
                  service + ".flow." + definition.name(), Codecs.string(), Codecs.bytes())
              .withTopics(DefaultSagaRunner.flowTopic(definition))
              .withParallelism(settings.participantParallelism()),
          reactor::handle);
    }
    return skald.subscribe(
        SubscriptionSpec.of(service, Codecs.string(), Codecs.bytes())
            .withTopics(commandTopics.toArray(String[]::new))
            .withParallelism(settings.participantParallelism()),
        this::handle);
  }

  Skald skald() {
    return skald;
  }

  String service() {
    return service;
  }

  SagaRuntimeSettings settings() {
    return settings;
  }

  Producer<String, byte[]> producer() {
    return producer;
  }

  /** The handler of an endpoint, or null if this participant does not serve it. */
  Binding binding(Endpoint<?> endpoint) {
    Binding binding = byEndpoint.get(endpoint.name());
    return binding != null
            && binding.endpoint().topic().equals(endpoint.topic())
            && binding.endpoint().commandType().equals(endpoint.commandType())
        ? binding
        : null;
  }

  /**
   * The handler of a command record: by its endpoint header, or, for a record written before
   * commands named their endpoint, by its command type among the endpoints of its topic if that is
   * unambiguous.
   */
  private Binding binding(String endpointName, String type, String topic) {
    if (endpointName != null) {
      Binding binding = byEndpoint.get(endpointName);
      return binding != null && binding.endpoint().commandType().getName().equals(type)
          ? binding
          : null;
    }
    List<Binding> candidates =
        byEndpoint.values().stream()
            .filter(
                b ->
                    b.endpoint().commandType().getName().equals(type)
                        && b.endpoint().topic().equals(topic))
            .toList();
    return candidates.size() == 1 ? candidates.get(0) : null;
  }

  private CompletionStage<?> handle(ConsumerRecord<String, byte[]> record) throws Exception {
    Map<String, String> h = record.headers();
    if (SagaHeaders.END.equals(h.get(SagaHeaders.DIRECTION))) {
      return ended(h.get(SagaHeaders.SAGA), h.get(SagaHeaders.ID));
    }
    String type = h.get(SagaHeaders.TYPE);
    String endpointName = h.get(SagaHeaders.ENDPOINT);
    Binding binding = type == null ? null : binding(endpointName, type, record.topic());
    if (binding == null || h.get(SagaHeaders.KEY) == null || h.get(SagaHeaders.REPLY_TO) == null) {
      throw new RejectRecordException(
          "not a saga command participant '"
              + service
              + "' handles (endpoint "
              + endpointName
              + ", type "
              + type
              + ")");
    }
    boolean compensation = SagaHeaders.UNDO.equals(h.get(SagaHeaders.DIRECTION));
    CommandContext context =
        new CommandContext(
            h.get(SagaHeaders.SAGA),
            h.get(SagaHeaders.ID),
            h.get(SagaHeaders.STEP),
            compensation,
            h.get(SagaHeaders.KEY),
            Math.max(1, SagaHeaders.attempt(h)));
    Object command = json.read(record.value(), binding.endpoint().commandType());
    // The handler's span is current here; the user's handler and the reply run on the threads
    // that answer the ledger, so they are run in it: the reply continues the saga's trace.
    io.opentelemetry.context.Context traced = io.opentelemetry.context.Context.current();
    return run(binding, command, context, traced)
        .thenCompose(traced.wrapFunction(entry -> entry == null ? done() : reply(record, entry)));
  }

  /**
   * The ledger bucket count of this service, fixed at its first start ({@link LedgerLayout}); asked
   * once, and again after a failed ask.
   */
  private CompletionStage<Integer> buckets() {
    CompletionStage<Integer> known = buckets;
    if (known != null) {
      return known;
    }
    int requested = settings.ledgerBuckets();
    CompletionStage<Integer> asked =
        Stages.inline(
            LedgerLayout.ref(skald.system(), service)
                .<Integer>ask(
                    replyTo -> new LedgerLayout.Resolve(requested, replyTo),
                    settings.askTimeout()));
    asked.whenComplete(
        (count, error) -> {
          if (error != null) {
            buckets = null;
          } else if (count != requested) {
            LOG.warn(
                "participant '{}': skald.saga.participant.ledger-buckets is {} but the service's"
                    + " ledger has {} buckets since its first start; keeping {} (its remembered"
                    + " keys are found by that number)",
                service,
                requested,
                count,
                count);
          }
        });
    buckets = asked;
    return asked;
  }

  private CompletionStage<EntityRef<ParticipantLedger.Command>> ledger(String sagaId) {
    return buckets().thenApply(n -> ParticipantLedger.ref(skald.system(), service, sagaId, n));
  }

  /** An instance ended: its ledger bucket forgets its keys after the grace period. */
  CompletionStage<?> ended(String saga, String sagaId) {
    if (saga == null || sagaId == null) {
      throw new RejectRecordException("an end marker without saga headers");
    }
    String instance = ParticipantLedger.instance(saga, sagaId);
    CompletionStage<?> released = CompletableFuture.completedFuture(null);
    for (io.skald.saga.SemanticLocks locks : releasedAtEnd) {
      released = released.thenCompose(ignored -> locks.releaseAll(saga, sagaId));
    }
    return released
        .thenCompose(ignored -> ledger(sagaId))
        .thenCompose(
            ledger ->
                ledger.<Boolean>ask(
                    replyTo -> new ParticipantLedger.Forget(instance, replyTo),
                    settings.askTimeout()));
  }

  /**
   * Runs a command once per idempotency key, by {@link LedgerRules}: the remembered reply of a
   * duplicate, nothing for a command that arrived after its compensation (null), else the handler's
   * reply, remembered before it is returned (a refusal under its attempt). The handler runs in
   * {@code traced}, the trace context of the record that carried the command.
   */
  CompletionStage<ParticipantLedger.Entry> run(
      Binding binding,
      Object command,
      CommandContext context,
      io.opentelemetry.context.Context traced) {
    String key = context.idempotencyKey();
    int attempt = context.attempt();
    String counterpart =
        SagaHeaders.key(
            context.sagaName(), context.sagaId(), context.step(), !context.compensation());
    return ledger(context.sagaId())
        .thenCompose(
            ledger ->
                Stages.inline(
                        ledger.<ParticipantLedger.Checked>ask(
                            replyTo ->
                                new ParticipantLedger.Check(key, attempt, counterpart, replyTo),
                            settings.askTimeout()))
                    .thenCompose(
                        checked -> {
                          switch (LedgerRules.decide(
                              checked.reply(), checked.counterpartDone(), context.compensation())) {
                            case REPLAY:
                              return CompletableFuture.completedFuture(checked.reply());
                            case DROP:
                              LOG.info(
                                  "{}: {} of saga {} {} arrived after its compensation; not"
                                      + " executed",
                                  service,
                                  context.step(),
                                  context.sagaName(),
                                  context.sagaId());
                              return CompletableFuture.<ParticipantLedger.Entry>completedFuture(
                                  null);
                            default:
                              return traced
                                  .wrapSupplier(() -> execute(binding, command, context))
                                  .get()
                                  .thenCompose(
                                      entry ->
                                          remember(
                                              ledger,
                                              LedgerRules.memoryKey(
                                                  key, attempt, isFailure(binding, entry)),
                                              entry));
                          }
                        }));
  }

  private CompletionStage<ParticipantLedger.Entry> execute(
      Binding binding, Object command, CommandContext context) {
    CompletionStage<?> result;
    try {
      result = binding.handler().handle(command, context);
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
    if (result == null) {
      return CompletableFuture.failedFuture(
          new IllegalStateException(
              "the handler of " + binding.endpoint().name() + " returned null"));
    }
    return Stages.inline(result)
        .thenApply(
            reply -> {
              if (reply == null) {
                return new ParticipantLedger.Entry(Transitions.ACK, "{}");
              }
              Endpoint<Object> endpoint = binding.endpoint();
              if (json.typeNamed(endpoint, reply.getClass().getName()) == null) {
                throw new IllegalStateException(
                    "the handler of "
                        + endpoint.name()
                        + " replied with "
                        + reply.getClass().getName()
                        + ", which the endpoint does not declare");
              }
              return new ParticipantLedger.Entry(
                  SagaJson.typeName(reply.getClass()), json.write(reply));
            });
  }

  /** Whether a reply is one of the endpoint's business failures. */
  boolean isFailure(Binding binding, ParticipantLedger.Entry entry) {
    Class<?> type = json.typeNamed(binding.endpoint(), entry.type());
    return type != null && binding.endpoint().isFailure(type);
  }

  private CompletionStage<ParticipantLedger.Entry> remember(
      EntityRef<ParticipantLedger.Command> ledger, String key, ParticipantLedger.Entry entry) {
    return Stages.inline(
            ledger.<Boolean>ask(
                replyTo -> new ParticipantLedger.Record(key, entry, replyTo),
                settings.askTimeout()))
        .thenApply(ignored -> entry);
  }

  private static CompletionStage<Object> done() {
    return CompletableFuture.completedFuture(null);
  }

  private CompletionStage<Object> reply(
      ConsumerRecord<String, byte[]> command, ParticipantLedger.Entry entry) {
    Map<String, String> h = command.headers();
    Map<String, String> headers =
        Map.of(
            SagaHeaders.SAGA, h.get(SagaHeaders.SAGA),
            SagaHeaders.ID, h.get(SagaHeaders.ID),
            SagaHeaders.STEP, h.get(SagaHeaders.STEP),
            SagaHeaders.DIRECTION, h.get(SagaHeaders.DIRECTION),
            SagaHeaders.KEY, h.get(SagaHeaders.KEY),
            SagaHeaders.ATTEMPT, Integer.toString(SagaHeaders.attempt(h)),
            SagaHeaders.TYPE, entry.type());
    return producer
        .send(
            h.get(SagaHeaders.REPLY_TO),
            h.get(SagaHeaders.ID),
            entry.json().getBytes(StandardCharsets.UTF_8),
            headers)
        .thenApply(metadata -> metadata);
  }
}
