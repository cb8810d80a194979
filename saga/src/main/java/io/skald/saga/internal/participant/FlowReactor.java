package io.skald.saga.internal.participant;

import io.skald.framework.Stages;
import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.consumer.RejectRecordException;
import io.skald.framework.consumer.RetryPolicy;
import io.skald.saga.CommandContext;
import io.skald.saga.Endpoint;
import io.skald.saga.SagaDefinition;
import io.skald.saga.StepKind;
import io.skald.saga.internal.SagaHeaders;
import io.skald.saga.internal.SagaJson;
import io.skald.saga.internal.definition.StepSpec;
import io.skald.saga.internal.engine.FlowEvent;
import io.skald.saga.internal.engine.FlowRules;
import io.skald.saga.internal.engine.Transitions;
import io.skald.saga.internal.runner.DefaultSagaRunner;
import io.skald.saga.internal.runner.InstanceProtocol;
import io.skald.saga.internal.runner.SagaInstance;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * INTERNAL API: a participant's part in a choreographed saga. On each flow event it works out which
 * step (and direction) the event triggers ({@link FlowRules}); if this participant handles that
 * step, it asks the saga's tracker whether the step is still awaited (a late or duplicated event,
 * or one that arrives after the saga turned back, is not acted on), runs the handler with the
 * ledger's once-per-key rules, and emits the outcome: {@code succeeded} (with the data after the
 * reply handler), {@code skipped}, {@code failed} (a refusal), {@code compensated}, or {@code
 * parked} when the retries of a retriable step or of a compensation are exhausted.
 *
 * @param <D> the data type
 */
final class FlowReactor<D> {
  private final SagaDefinition<D> definition;
  private final DefaultParticipant participant;
  private final SagaJson json;
  private final FlowRules<D> flow;
  private final Transitions<D> rules;
  private final String flowTopic;

  FlowReactor(SagaDefinition<D> definition, DefaultParticipant participant, SagaJson json) {
    this.definition = definition;
    this.participant = participant;
    this.json = json;
    this.flow = new FlowRules<>(definition);
    this.rules = new Transitions<>(definition, json);
    this.flowTopic = DefaultSagaRunner.flowTopic(definition);
  }

  CompletionStage<?> handle(ConsumerRecord<String, byte[]> record) {
    String sagaId = record.headers().get(SagaHeaders.ID);
    if (SagaHeaders.END.equals(record.headers().get(SagaHeaders.DIRECTION))) {
      return participant.ended(record.headers().get(SagaHeaders.SAGA), sagaId);
    }
    FlowEvent event =
        FlowEvent.from(record.headers(), new String(record.value(), StandardCharsets.UTF_8));
    if (event == null || sagaId == null) {
      throw new RejectRecordException(
          "not a flow event of saga '" + definition.name() + "': " + record.headers().keySet());
    }
    FlowRules.Target target = flow.target(event, decoded(event.dataJson()));
    if (target == null) {
      return done();
    }
    StepSpec<D> spec = rules.spec(target.step());
    Endpoint<?> endpoint = target.compensation() ? spec.compensation() : spec.endpoint();
    DefaultParticipant.Binding binding = endpoint == null ? null : participant.binding(endpoint);
    if (binding == null) {
      return done(); // another participant's step
    }
    // The handler's span: continuations run on the threads that complete the asks, the command
    // and the retry timers, so each one makes it current again (the flow event it publishes, and a
    // retried command, stay in the saga's trace).
    io.opentelemetry.context.Context trace = io.opentelemetry.context.Context.current();
    return Stages.inline(
            SagaInstance.trackerRef(participant.skald().system(), definition.name(), sagaId)
                .<Boolean>ask(
                    replyTo ->
                        new InstanceProtocol.Observe(
                            event, target.step(), target.compensation(), replyTo),
                    participant.settings().askTimeout()))
        .thenCompose(
            trace.wrapFunction(
                awaited ->
                    awaited
                        ? act(sagaId, event.dataJson(), spec, binding, target.compensation(), trace)
                        : done()));
  }

  private CompletionStage<Object> act(
      String sagaId,
      String dataJson,
      StepSpec<D> spec,
      DefaultParticipant.Binding binding,
      boolean compensation,
      io.opentelemetry.context.Context trace) {
    D data = json.read(dataJson, definition.dataType());
    String step = spec.name();
    if (!compensation && spec.condition() != null && !spec.condition().test(data)) {
      return emit(
          sagaId, new FlowEvent(FlowEvent.Kind.SKIPPED, step, false, false, null, dataJson));
    }
    Object command =
        compensation ? spec.compensationCommand().apply(data) : spec.command().apply(data);
    RetryPolicy policy = compensation ? spec.compensationRetry() : spec.retry();
    BiFunction<Class<?>, Integer, Boolean> retries =
        (failure, attempt) ->
            attempt < policy.maxAttempts() && (compensation || spec.retriesOn(failure));
    return attempt(sagaId, binding, command, step, compensation, retries, policy, 1, trace)
        .thenCompose(
            trace.wrapFunction(
                entry -> {
                  if (entry == null) {
                    return done(); // arrived after its compensation: not executed
                  }
                  Class<?> type =
                      Transitions.ACK.equals(entry.type())
                          ? null
                          : json.typeNamed(binding.endpoint(), entry.type());
                  boolean failed = type != null && binding.endpoint().isFailure(type);
                  String label = type == null ? Transitions.ACK : type.getSimpleName();
                  if (failed && (compensation || spec.kind() == StepKind.RETRIABLE)) {
                    return emit(
                        sagaId,
                        new FlowEvent(
                            FlowEvent.Kind.PARKED,
                            step,
                            false,
                            compensation,
                            (compensation ? "compensation failed: " : "retriable step failed: ")
                                + label,
                            dataJson));
                  }
                  if (failed) {
                    var onFailure = spec.failureHandlers().get(type);
                    String after =
                        onFailure == null
                            ? dataJson
                            : json.write(onFailure.apply(data, json.read(entry.json(), type)));
                    return emit(
                        sagaId,
                        new FlowEvent(FlowEvent.Kind.FAILED, step, true, false, label, after));
                  }
                  if (compensation) {
                    return emit(
                        sagaId,
                        new FlowEvent(
                            FlowEvent.Kind.COMPENSATED, step, false, true, null, dataJson));
                  }
                  var handler = type == null ? null : spec.replyHandlers().get(type);
                  String after =
                      handler == null
                          ? dataJson
                          : json.write(handler.apply(data, json.read(entry.json(), type)));
                  return emit(
                      sagaId,
                      new FlowEvent(FlowEvent.Kind.SUCCEEDED, step, false, false, null, after));
                }));
  }

  /** Runs the command, retrying business failures as the step's policy says. */
  private CompletionStage<ParticipantLedger.Entry> attempt(
      String sagaId,
      DefaultParticipant.Binding binding,
      Object command,
      String step,
      boolean compensation,
      BiFunction<Class<?>, Integer, Boolean> retries,
      RetryPolicy policy,
      int attempt,
      io.opentelemetry.context.Context trace) {
    CommandContext context =
        new CommandContext(
            definition.name(),
            sagaId,
            step,
            compensation,
            SagaHeaders.key(definition.name(), sagaId, step, compensation),
            attempt);
    return participant
        .run(binding, command, context, trace)
        .thenCompose(
            entry -> {
              if (entry == null || !participant.isFailure(binding, entry)) {
                return CompletableFuture.completedFuture(entry);
              }
              Class<?> type = json.typeNamed(binding.endpoint(), entry.type());
              if (!retries.apply(type, attempt)) {
                return CompletableFuture.completedFuture(entry);
              }
              long delay = policy.delayAfter(attempt).toMillis();
              return CompletableFuture.supplyAsync(
                      () -> null,
                      trace.wrap(CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS)))
                  .thenCompose(
                      ignored ->
                          attempt(
                              sagaId,
                              binding,
                              command,
                              step,
                              compensation,
                              retries,
                              policy,
                              attempt + 1,
                              trace));
            });
  }

  private CompletionStage<Object> emit(String sagaId, FlowEvent event) {
    return participant
        .producer()
        .send(
            flowTopic,
            sagaId,
            event.dataJson().getBytes(StandardCharsets.UTF_8),
            event.headers(definition.name(), sagaId))
        .thenApply(metadata -> metadata);
  }

  /** The data of an event, or null if it cannot be read (conditions are then not looked at). */
  private D decoded(String dataJson) {
    try {
      return dataJson == null ? null : json.read(dataJson, definition.dataType());
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static CompletionStage<Object> done() {
    return CompletableFuture.completedFuture(null);
  }
}
