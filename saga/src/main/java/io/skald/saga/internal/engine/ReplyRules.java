package io.skald.saga.internal.engine;

import io.skald.saga.Endpoint;
import io.skald.saga.SagaStatus;
import io.skald.saga.StepKind;
import io.skald.saga.internal.SagaJson;
import io.skald.saga.internal.definition.StepSpec;
import io.skald.saga.internal.engine.InstanceState.Phase;
import io.skald.saga.internal.engine.InstanceState.StepState;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules of participants' replies, apart from {@link Transitions}' other inputs: how a reply is
 * correlated to the attempt it answers, what a success, a refusal, a duplicate or a late answer
 * does, and what is held while the instance is parked. Settled by the same rules as any input.
 *
 * @param <D> the saga data type
 */
final class ReplyRules<D> {
  private final Transitions<D> rules;
  private final SagaJson json;

  ReplyRules(Transitions<D> rules, SagaJson json) {
    this.rules = rules;
    this.json = json;
  }

  /**
   * The events a participant's reply causes. A reply is correlated to the attempt it answers: the
   * running attempt's reply (or a success of an earlier attempt, which has the same idempotency key
   * and so the same effect) settles the step; an earlier attempt's refusal is ignored (the running
   * attempt answers for itself); a duplicate changes nothing. While the instance is parked, a reply
   * that matters is held ({@link SagaEvent.ReplyHeld}) and takes effect when it resumes. A success
   * for a step already settled as refused or abandoned means its effect is in place: the saga
   * compensates it (it reopens a compensated saga to do so), or parks if the step cannot be undone.
   *
   * @param s the state
   * @param step the step the reply answers
   * @param compensation whether it answers the compensation
   * @param attempt the attempt it answers, or 0 if the participant did not say (taken as the
   *     running one)
   * @param type the reply type's class name, or {@link Transitions#ACK}
   * @param replyJson the reply as JSON
   * @param now the time
   * @return the events; empty if the reply changes nothing
   * @throws IllegalArgumentException if the type is not one the step's endpoint declares
   */
  List<SagaEvent> onReply(
      InstanceState s,
      String step,
      boolean compensation,
      int attempt,
      String type,
      String replyJson,
      long now) {
    StepSpec<D> spec = rules.spec(step);
    if (spec == null || s.status() == null || s.status() == SagaStatus.ABORTED) {
      return List.of();
    }
    StepState st = s.step(step);
    Endpoint<?> endpoint = compensation ? spec.compensation() : spec.endpoint();
    if (endpoint == null) {
      return List.of();
    }
    Class<?> replyType = Transitions.ACK.equals(type) ? null : json.typeNamed(endpoint, type);
    if (!Transitions.ACK.equals(type) && replyType == null) {
      throw new IllegalArgumentException(
          "reply type " + type + " is not declared by endpoint '" + endpoint.name() + "'");
    }
    boolean failure = replyType != null && endpoint.isFailure(replyType);
    Phase phase = compensation ? st.compensation() : st.forward();
    boolean late = !compensation && !failure && lateSuccessMatters(s, spec, st);
    if (phase != Phase.RUNNING && !late) {
      return List.of(); // a duplicate, or an answer nobody waits for any more
    }
    if (phase == Phase.RUNNING && failure && attempt > 0 && attempt != st.attempt()) {
      return List.of(); // an earlier attempt's refusal: the running attempt answers for itself
    }
    if (s.status() == SagaStatus.PARKED) {
      return List.of(new SagaEvent.ReplyHeld(step, compensation, attempt, type, replyJson, now));
    }
    if (late) {
      return onLateSuccess(s, spec, st, replyType, replyJson, now);
    }
    if (s.status() != SagaStatus.RUNNING && s.status() != SagaStatus.COMPENSATING) {
      return List.of();
    }
    String label = replyType == null ? Transitions.ACK : replyType.getSimpleName();
    if (failure) {
      return onFailureReply(s, spec, st, compensation, replyType, replyJson, now);
    }
    if (compensation) {
      return rules.settle(
          s, List.of(new SagaEvent.StepSucceeded(step, true, label, null, now)), now);
    }
    String newData;
    try {
      newData = handled(s, spec, replyType, replyJson);
    } catch (UserCodeFailed e) {
      // The participant did succeed: record it (the data stays as it was), then park for the
      // handler's fix. A retry runs the step again with the same key and gets the same reply.
      return rules.settle(
          s,
          List.of(
              new SagaEvent.StepSucceeded(step, false, label, null, now),
              new SagaEvent.Parked(
                  step,
                  false,
                  "step '"
                      + step
                      + "' succeeded but the handler of reply "
                      + label
                      + " threw "
                      + e.getCause(),
                  now)),
          now);
    }
    return rules.settle(
        s, List.of(new SagaEvent.StepSucceeded(step, false, label, newData, now)), now);
  }

  /**
   * Whether a success for a step that no longer runs forward is news: the step was refused or
   * abandoned (its command may have been executed after all) and its compensation has not started.
   */
  private boolean lateSuccessMatters(InstanceState s, StepSpec<D> spec, StepState st) {
    if (spec.waits()) {
      return false; // a late signal changed nothing in the world: there is nothing to undo
    }
    if (st.forward() != Phase.FAILED || s.status() == SagaStatus.COMPLETED) {
      return false;
    }
    if (!spec.compensatable()) {
      return st.businessFailure();
    }
    return st.compensation() == Phase.PENDING;
  }

  /** A success for a step settled as refused or abandoned: its effect is in place. */
  private List<SagaEvent> onLateSuccess(
      InstanceState s,
      StepSpec<D> spec,
      StepState st,
      Class<?> replyType,
      String replyJson,
      long now) {
    String step = spec.name();
    String label = (replyType == null ? Transitions.ACK : replyType.getSimpleName());
    String data;
    try {
      data = handled(s, spec, replyType, replyJson);
    } catch (UserCodeFailed e) {
      data = null; // the compensation is built from the data as it was
    }
    List<SagaEvent> events = new ArrayList<>();
    events.add(
        new SagaEvent.StepSucceeded(
            step,
            false,
            label + (st.businessFailure() ? " after it was refused" : " after it was abandoned"),
            data,
            now));
    if (!spec.compensatable()) {
      events.add(
          new SagaEvent.Parked(
              step,
              false,
              "step '"
                  + step
                  + "' succeeded after it was refused, and it cannot be compensated: its effect"
                  + " stays without the steps before it",
              now));
      return events;
    }
    if (s.status() == SagaStatus.COMPENSATED) {
      events.add(
          new SagaEvent.CompensationBegan(
              "step '" + step + "' succeeded after it was refused: undoing it", now));
    }
    return rules.settle(s, events, now);
  }

  /** The data after a step's reply handler, or null if it has none. */
  private String handled(InstanceState s, StepSpec<D> spec, Class<?> replyType, String replyJson) {
    var handler = replyType == null ? null : spec.replyHandlers().get(replyType);
    if (handler == null) {
      return null;
    }
    D data = rules.dataFor(s, spec.name(), false);
    try {
      return json.write(handler.apply(data, json.read(replyJson, replyType)));
    } catch (RuntimeException e) {
      throw new UserCodeFailed(
          spec.name(), false, "the handler of reply " + replyType.getSimpleName(), e);
    }
  }

  private List<SagaEvent> onFailureReply(
      InstanceState s,
      StepSpec<D> spec,
      StepState st,
      boolean compensation,
      Class<?> replyType,
      String replyJson,
      long now) {
    String step = spec.name();
    String label = replyType.getSimpleName();
    if (compensation) {
      if (st.used() < spec.compensationRetry().maxAttempts()) {
        return rules.settle(
            s, List.of(Transitions.retry(spec, st, true, spec.compensationRetry(), now)), now);
      }
      return rules.settle(
          s,
          List.of(
              new SagaEvent.Parked(
                  step,
                  true,
                  "compensation failed " + st.used() + " times, last with " + label,
                  now)),
          now);
    }
    boolean retries =
        spec.kind() == StepKind.RETRIABLE
            || spec.failureActions().get(replyType) == io.skald.saga.FailureAction.RETRY;
    if (retries && st.used() < spec.retry().maxAttempts()) {
      return rules.settle(s, List.of(Transitions.retry(spec, st, false, spec.retry(), now)), now);
    }
    if (spec.kind() == StepKind.RETRIABLE) {
      return rules.settle(
          s,
          List.of(
              new SagaEvent.Parked(
                  step, false, "retriable step failed " + st.used() + " times: " + label, now)),
          now);
    }
    String data;
    try {
      data = failureData(s, spec, replyType, replyJson);
    } catch (UserCodeFailed e) {
      return rules.settle(
          s,
          List.of(
              new SagaEvent.StepFailed(step, false, true, label, null, now),
              new SagaEvent.Parked(step, false, e.getMessage(), now)),
          now);
    }
    return rules.settle(
        s,
        List.of(
            new SagaEvent.StepFailed(step, false, true, label, data, now),
            new SagaEvent.CompensationBegan("step '" + step + "' failed: " + label, now)),
        now);
  }

  /** The data after a step's failure handler for a refusal, or null if it has none. */
  private String failureData(InstanceState s, StepSpec<D> spec, Class<?> type, String replyJson) {
    var handler = spec.failureHandlers().get(type);
    if (handler == null) {
      return null;
    }
    D data = rules.dataFor(s, spec.name(), false);
    try {
      return json.write(handler.apply(data, json.read(replyJson, type)));
    } catch (RuntimeException e) {
      throw new UserCodeFailed(
          spec.name(), false, "the handler of failure " + type.getSimpleName(), e);
    }
  }
}
