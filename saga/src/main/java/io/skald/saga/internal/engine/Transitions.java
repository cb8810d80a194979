package io.skald.saga.internal.engine;

import io.skald.framework.consumer.RetryPolicy;
import io.skald.saga.OperatorAction;
import io.skald.saga.SagaDefinition;
import io.skald.saga.SagaStatus;
import io.skald.saga.StepKind;
import io.skald.saga.internal.SagaJson;
import io.skald.saga.internal.definition.Definitions;
import io.skald.saga.internal.definition.StageSpec;
import io.skald.saga.internal.definition.StepSpec;
import io.skald.saga.internal.engine.InstanceState.Phase;
import io.skald.saga.internal.engine.InstanceState.StepState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * INTERNAL API: the rules of a saga instance as pure functions: which events an input (start,
 * reply, timeout, operator action) causes in a state, and how an event changes the state. The
 * entity persists what these functions decide and then acts on the new state; the test kit runs
 * them with virtual time.
 *
 * <p>Rules: stages run in order, the branches of a parallel stage together. A business failure or a
 * final timeout of a forward step turns the saga back: the compensations of every compensatable
 * step whose command went out and was not refused (refused = a business failure reply) run stage by
 * stage in reverse order, the branches of a stage together. A step still running when the saga
 * turns back is abandoned and compensated (its command may have been executed). A compensation that
 * keeps failing, or a retriable step that exhausts its attempts, parks the instance.
 *
 * @param <D> the saga data type
 *     <p>Why this file is over 400 lines: it is the instance's own progress (stages, compensation
 *     order, deadlines, observed flow events, the definition's code run safely) in one pure,
 *     Pekko-free state machine, so that the test kit drives exactly what the entity runs. Replies
 *     are in {@link ReplyRules}, operator actions in {@link OperatorRules}, events are applied in
 *     {@link InstanceEvents}.
 */
public final class Transitions<D> {
  /** The reply type of a participant that answers without a payload. */
  public static final String ACK = "ack";

  private final SagaDefinition<D> definition;
  private final SagaJson json;
  private final Map<String, StepSpec<D>> specs = new HashMap<>();
  private final InstanceEvents<D> events;
  private final OperatorRules<D> operator;
  private final ReplyRules<D> replies;

  /** The history an instance keeps in its state (and view) unless told otherwise. */
  public static final int DEFAULT_HISTORY_LIMIT = 1000;

  /**
   * Creates the rules of a definition, keeping {@link #DEFAULT_HISTORY_LIMIT} history entries.
   *
   * @param definition the definition
   * @param json the JSON mapper of data and replies
   */
  public Transitions(SagaDefinition<D> definition, SagaJson json) {
    this(definition, json, DEFAULT_HISTORY_LIMIT);
  }

  /**
   * Creates the rules of a definition.
   *
   * @param definition the definition
   * @param json the JSON mapper of data and replies
   * @param historyLimit the latest events an instance's state keeps for its view (the journal keeps
   *     them all)
   */
  public Transitions(SagaDefinition<D> definition, SagaJson json, int historyLimit) {
    this.definition = definition;
    this.json = json;
    this.events = new InstanceEvents<>(definition, historyLimit);
    for (StageSpec<D> stage : Definitions.stages(definition)) {
      for (StepSpec<D> step : stage.steps()) {
        specs.put(step.name(), step);
      }
    }
    this.operator = new OperatorRules<>(this, definition);
    this.replies = new ReplyRules<>(this, json);
  }

  /**
   * The definition.
   *
   * @return the definition
   */
  public SagaDefinition<D> definition() {
    return definition;
  }

  /**
   * The spec of a step.
   *
   * @param name the step
   * @return its spec, or null
   */
  public StepSpec<D> spec(String name) {
    return specs.get(name);
  }

  /**
   * The data of a state.
   *
   * @param state the state
   * @return the decoded data
   */
  public D data(InstanceState state) {
    return json.read(state.dataJson(), definition.dataType());
  }

  /**
   * Applies an event.
   *
   * @param state the state before
   * @param event the event
   * @return the state after
   */
  public InstanceState apply(InstanceState state, SagaEvent event) {
    return events.apply(state, event);
  }

  // ---------------------------------------------------------------- deciding events

  /**
   * Applies events and then every follow-up they cause, until the instance waits (for a reply or a
   * timer) or has ended. The definition's code that runs on the way (conditions) cannot wedge the
   * instance: if it throws, the instance parks on that step with the cause as its reason.
   *
   * @param state the state before
   * @param first the events an input caused
   * @param now the time, epoch millis
   * @return the first events and their follow-ups, to persist together
   */
  public List<SagaEvent> settle(InstanceState state, List<SagaEvent> first, long now) {
    List<SagaEvent> all = new ArrayList<>(first);
    InstanceState s = state;
    for (SagaEvent e : first) {
      s = apply(s, e);
    }
    for (int guard = 0; guard < 10_000; guard++) {
      List<SagaEvent> more;
      try {
        more = next(s, now);
      } catch (UserCodeFailed e) {
        more = List.of(new SagaEvent.Parked(e.step(), e.compensation(), e.getMessage(), now));
      }
      if (more.isEmpty()) {
        return all;
      }
      for (SagaEvent e : more) {
        s = apply(s, e);
        all.add(e);
      }
    }
    throw new IllegalStateException("saga " + definition.name() + " does not settle");
  }

  /**
   * Applies events to a state.
   *
   * @param state the state before
   * @param events the events, in order
   * @return the state after
   */
  public InstanceState applyAll(InstanceState state, List<SagaEvent> events) {
    InstanceState s = state;
    for (SagaEvent e : events) {
      s = apply(s, e);
    }
    return s;
  }

  /** What the state does next on its own: start steps, start compensations, or finish. */
  private List<SagaEvent> next(InstanceState s, long now) {
    if (s.status() == SagaStatus.RUNNING) {
      for (SagaEvent.SignalReceived kept : s.signals()) {
        if (s.step(kept.step()).forward() == Phase.RUNNING) {
          // a signal that came before its wait was reached, taken now that the wait runs
          List<SagaEvent> taken =
              replies.onReply(s, kept.step(), false, 0, kept.type(), kept.signalJson(), now);
          if (!taken.isEmpty()) {
            return taken;
          }
        }
      }
      return nextForward(s, now);
    }
    if (s.status() == SagaStatus.COMPENSATING) {
      return nextCompensation(s, now);
    }
    return List.of();
  }

  private List<SagaEvent> nextForward(InstanceState s, long now) {
    for (StepState st : s.steps()) {
      if (st.forward() == Phase.FAILED && st.businessFailure()) {
        // refused while the saga was parked (a held reply): turn back now that it runs again
        return List.of(
            new SagaEvent.CompensationBegan("step '" + st.name() + "' was refused", now));
      }
    }
    for (int stage = 0; stage < Definitions.stages(definition).size(); stage++) {
      List<SagaEvent> events = new ArrayList<>();
      boolean done = true;
      for (StepState st : s.steps()) {
        if (st.stage() != stage) {
          continue;
        }
        if (st.forward() == Phase.PENDING) {
          StepSpec<D> spec = specs.get(st.name());
          if (spec.condition() != null && !condition(spec, s)) {
            events.add(new SagaEvent.StepSkipped(st.name(), now));
          } else {
            events.add(
                new SagaEvent.StepStarted(
                    st.name(), false, 1, now, now + spec.timeout().toMillis(), now));
            done = false;
          }
        } else if (st.forward() != Phase.SUCCEEDED && st.forward() != Phase.SKIPPED) {
          done = false;
        }
      }
      if (!events.isEmpty() || !done) {
        return events;
      }
    }
    return List.of(new SagaEvent.Finished(SagaStatus.COMPLETED, now));
  }

  private boolean condition(StepSpec<D> spec, InstanceState s) {
    D data = dataFor(s, spec.name(), false);
    try {
      return spec.condition().test(data);
    } catch (RuntimeException e) {
      throw new UserCodeFailed(spec.name(), false, "the condition", e);
    }
  }

  /** Whether a step's compensation must run: its command went out and was not refused. */
  private boolean needsCompensation(StepState st) {
    return specs.get(st.name()).compensatable()
        && (st.forward() == Phase.SUCCEEDED
            || (st.forward() == Phase.FAILED && !st.businessFailure()))
        && st.compensation() != Phase.SUCCEEDED
        && st.compensation() != Phase.SKIPPED;
  }

  private List<SagaEvent> nextCompensation(InstanceState s, long now) {
    int stage = -1;
    for (StepState st : s.steps()) {
      if (needsCompensation(st)) {
        stage = Math.max(stage, st.stage());
      }
    }
    if (stage < 0) {
      return List.of(new SagaEvent.Finished(SagaStatus.COMPENSATED, now));
    }
    List<SagaEvent> events = new ArrayList<>();
    for (StepState st : s.steps()) {
      if (st.stage() == stage && needsCompensation(st) && st.compensation() == Phase.PENDING) {
        events.add(
            new SagaEvent.StepStarted(
                st.name(), true, 1, now, now + specs.get(st.name()).timeout().toMillis(), now));
      }
    }
    return events;
  }

  /**
   * The events a start causes.
   *
   * @param state the state (must not have started)
   * @param dataJson the initial data
   * @param trace the starter's W3C trace context, or empty
   * @param now the time
   * @return the events
   */
  public List<SagaEvent> start(
      InstanceState state, String dataJson, java.util.Map<String, String> trace, long now) {
    return start(state, dataJson, trace, null, now);
  }

  /**
   * The events a start causes, of a child saga when {@code parent} is set.
   *
   * @param state the state (must not have started)
   * @param dataJson the initial data
   * @param trace the starter's W3C trace context, or empty
   * @param parent the parent's fan-out, or null
   * @param now the time
   * @return the events
   */
  public List<SagaEvent> start(
      InstanceState state,
      String dataJson,
      java.util.Map<String, String> trace,
      String parent,
      long now) {
    return settle(
        state,
        List.of(new SagaEvent.Started(dataJson, now, trace, definition.version(), parent)),
        now);
  }

  /**
   * The events of compensating a completed child saga (its parent turns back): every step that
   * succeeded is compensated, latest stage first, and the instance ends compensated.
   *
   * @param s the state
   * @param now the time
   * @return the events; empty unless the instance completed
   */
  public List<SagaEvent> compensateCompleted(InstanceState s, long now) {
    if (s.status() != SagaStatus.COMPLETED) {
      return List.of();
    }
    return settle(
        s,
        List.of(
            new SagaEvent.CompensationBegan(
                "its parent saga compensates the children it started", now)),
        now);
  }

  /**
   * The events a participant's reply causes ({@link ReplyRules}).
   *
   * @param s the state
   * @param step the step the reply answers
   * @param compensation whether it answers the compensation
   * @param attempt the attempt it answers, or 0 if the participant did not say (taken as the
   *     running one)
   * @param type the reply type's name, or {@link #ACK}
   * @param replyJson the reply as JSON
   * @param now the time
   * @return the events; empty if the reply changes nothing
   * @throws IllegalArgumentException if the type is not one the step's endpoint declares
   */
  public List<SagaEvent> onReply(
      InstanceState s,
      String step,
      boolean compensation,
      int attempt,
      String type,
      String replyJson,
      long now) {
    StepSpec<D> spec = specs.get(step);
    if (spec != null && spec.waits() && !compensation) {
      return List.of(); // a wait is answered by a signal (onSignal), never by a reply record
    }
    return replies.onReply(s, step, compensation, attempt, type, replyJson, now);
  }

  /**
   * The events of moving an instance of another version onto this definition (an operator's
   * migration): allowed when the instance's past fits this version — every step it has reached is
   * here, of the same kind, in the same stage, and this version adds no step before or beside the
   * furthest one it reached; steps it has not reached may be added, changed or removed.
   *
   * @param s the instance's state, under its own version's rules
   * @param from the rules of the version it runs
   * @param now the time
   * @return the events: the migration, and what it causes at once
   * @throws IllegalStateException naming what does not fit, or if the instance is not running or
   *     parked, or runs this version already
   */
  public List<SagaEvent> migrate(InstanceState s, Transitions<D> from, long now) {
    if (s.status() != SagaStatus.RUNNING && s.status() != SagaStatus.PARKED) {
      throw new IllegalStateException(
          "the saga is " + s.status() + "; migrate needs one that runs or is parked");
    }
    if (s.version() == definition.version()) {
      throw new IllegalStateException("the instance runs version " + s.version() + " already");
    }
    int reached = -1;
    for (StepState st : s.steps()) {
      if (st.forward() != Phase.PENDING || st.compensation() != Phase.PENDING) {
        StepSpec<D> target = specs.get(st.name());
        if (target == null) {
          throw new IllegalStateException(
              "version "
                  + definition.version()
                  + " has no step '"
                  + st.name()
                  + "', which the instance has reached");
        }
        int stage = stageOf(st.name());
        if (stage != st.stage()) {
          throw new IllegalStateException(
              "step '"
                  + st.name()
                  + "' is in stage "
                  + (stage + 1)
                  + " of version "
                  + definition.version()
                  + " but stage "
                  + (st.stage() + 1)
                  + " of version "
                  + s.version());
        }
        reached = Math.max(reached, st.stage());
      }
    }
    for (StageSpec<D> stage : Definitions.stages(definition)) {
      for (StepSpec<D> step : stage.steps()) {
        int at = stageOf(step.name());
        StepState known = null;
        for (StepState st : s.steps()) {
          if (st.name().equals(step.name())) {
            known = st;
          }
        }
        if (at <= reached && known == null) {
          throw new IllegalStateException(
              "version "
                  + definition.version()
                  + " adds step '"
                  + step.name()
                  + "' before or beside the steps the instance has reached: it would run after"
                  + " them, out of order");
        }
        if (known != null
            && (known.forward() != Phase.PENDING || known.compensation() != Phase.PENDING)) {
          StepSpec<D> old = from.spec(known.name());
          StepKind before = old == null ? null : old.kind();
          if (before != null && (before != step.kind() || old.waits() != step.waits())) {
            throw new IllegalStateException(
                "step '"
                    + step.name()
                    + "' is "
                    + before
                    + " in version "
                    + s.version()
                    + " but "
                    + step.kind()
                    + " in version "
                    + definition.version());
          }
        }
      }
    }
    return settle(s, List.of(new SagaEvent.Migrated(s.version(), definition.version(), now)), now);
  }

  private int stageOf(String step) {
    List<StageSpec<D>> stages = Definitions.stages(definition);
    for (int i = 0; i < stages.size(); i++) {
      for (StepSpec<D> spec : stages.get(i).steps()) {
        if (spec.name().equals(step)) {
          return i;
        }
      }
    }
    return -1;
  }

  /**
   * The step that waits for a signal type.
   *
   * @param type the signal's class name or simple name
   * @return the wait step, or null if no step of the definition waits for that type (or refuses
   *     with it)
   */
  public StepSpec<D> waitFor(String type) {
    for (StepSpec<D> spec : specs.values()) {
      if (spec.waits() && json.typeNamed(spec.endpoint(), type) != null) {
        return spec;
      }
    }
    return null;
  }

  /**
   * The events a signal causes. A signal for a wait that runs is taken at once (as the wait's
   * reply: its handler folds it into the data, a refusal fails the wait); one for a wait not
   * reached yet, or one the instance is parked on, is kept ({@link SagaEvent.SignalReceived}) and
   * taken when the wait runs. A signal for a wait that is over, a second signal for the same wait,
   * or any signal to an instance that ended or turned back, changes nothing.
   *
   * @param s the state
   * @param type the signal's class name or simple name
   * @param signalJson the signal as JSON
   * @param now the time
   * @return the events; empty if the signal changes nothing
   * @throws IllegalArgumentException if no step waits for that type, or the JSON does not read as
   *     it
   * @throws IllegalStateException if the instance has not started
   */
  public List<SagaEvent> onSignal(InstanceState s, String type, String signalJson, long now) {
    StepSpec<D> spec = waitFor(type);
    if (spec == null) {
      throw new IllegalArgumentException(
          "saga '" + definition.name() + "' has no step that waits for a signal " + type);
    }
    Class<?> signalType = json.typeNamed(spec.endpoint(), type);
    try {
      json.read(signalJson, signalType);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "the signal does not read as " + signalType.getName() + ": " + e.getMessage(), e);
    }
    if (s.status() == null) {
      throw new IllegalStateException("the instance has not started");
    }
    StepState st = s.step(spec.name());
    SagaEvent.SignalReceived received =
        new SagaEvent.SignalReceived(spec.name(), signalType.getName(), signalJson, now);
    if (s.status() == SagaStatus.RUNNING && st.forward() == Phase.RUNNING) {
      List<SagaEvent> taken = new ArrayList<>();
      taken.add(received);
      // the received event changes nothing in a running wait, so the reply's follow-ups (settled
      // from the state before it) hold after it too
      taken.addAll(
          replies.onReply(s, spec.name(), false, 0, signalType.getName(), signalJson, now));
      return taken.size() == 1 ? List.of() : taken;
    }
    boolean parkedOnIt =
        s.status() == SagaStatus.PARKED
            && spec.name().equals(s.parkedStep())
            && !s.parkedCompensation();
    boolean ahead = s.status() == SagaStatus.RUNNING && st.forward() == Phase.PENDING;
    boolean parkedBefore = s.status() == SagaStatus.PARKED && st.forward() == Phase.PENDING;
    if ((parkedOnIt && st.forward() != Phase.SUCCEEDED) || ahead || parkedBefore) {
      return s.signalFor(spec.name()) == null ? List.of(received) : List.of();
    }
    return List.of();
  }

  /**
   * When a running attempt's timer fires after a recovery: a command step's attempt gets its full
   * timeout again from now (its reply may be waiting behind the restart); a wait keeps the deadline
   * it was armed with, plus a short grace for a signal that waits on the topic behind the restart
   * (a wait of hours must not start over at every restart).
   *
   * @param st the running step
   * @param now the time of the recovery
   * @return when its timer fires, epoch milliseconds
   */
  public long recoveredDeadline(StepState st, long now) {
    StepSpec<D> spec = specs.get(st.name());
    long timeout = spec.timeout().toMillis();
    if (spec.waits() && !st.compensating()) {
      return Math.max(st.deadline(), now + Math.min(timeout, RECOVERY_GRACE_MILLIS));
    }
    return Math.max(st.deadline(), now + timeout);
  }

  /** The grace a wait gets after a recovery, for a signal already on the topic. */
  static final long RECOVERY_GRACE_MILLIS = 5_000;

  /**
   * The events a choreography's flow event causes in its tracker; empty if the tracker does not
   * wait for it (a duplicate, a late event, or one the tracker emitted itself).
   *
   * @param s the tracker's state
   * @param event the flow event
   * @param now the time
   * @return the events
   */
  public List<SagaEvent> observe(InstanceState s, FlowEvent event, long now) {
    String step = event.step();
    if (step == null || !specs.containsKey(step)) {
      return List.of();
    }
    switch (event.kind()) {
      case SUCCEEDED:
        return awaits(s, step, false)
            ? settle(
                s,
                List.of(
                    new SagaEvent.StepSucceeded(step, false, "observed", event.dataJson(), now)),
                now)
            : List.of();
      case FAILED:
        return event.business() && awaits(s, step, false)
            ? settle(
                s,
                List.of(
                    new SagaEvent.StepFailed(
                        step, false, true, event.reason(), event.dataJson(), now),
                    new SagaEvent.CompensationBegan(
                        "step '" + step + "' failed: " + event.reason(), now)),
                now)
            : List.of();
      case COMPENSATED:
        return awaits(s, step, true)
            ? settle(
                s, List.of(new SagaEvent.StepSucceeded(step, true, "observed", null, now)), now)
            : List.of();
      case PARKED:
        return awaits(s, step, event.compensation())
            ? settle(
                s,
                List.of(new SagaEvent.Parked(step, event.compensation(), event.reason(), now)),
                now)
            : List.of();
      default:
        return List.of();
    }
  }

  /**
   * Whether an instance waits for a step's (or its compensation's) outcome.
   *
   * @param s the state
   * @param step the step
   * @param compensation the direction
   * @return true if that attempt runs
   */
  public boolean awaitsStep(InstanceState s, String step, boolean compensation) {
    return specs.containsKey(step) && awaits(s, step, compensation);
  }

  /**
   * The events an attempt's deadline causes; empty if the attempt is no longer running.
   *
   * @param s the state
   * @param step the step
   * @param compensation whether the attempt is the compensation
   * @param attempt the attempt the timer was armed for
   * @param now the time
   * @return the events
   */
  public List<SagaEvent> onDeadline(
      InstanceState s, String step, boolean compensation, int attempt, long now) {
    StepSpec<D> spec = specs.get(step);
    if (spec == null || !awaits(s, step, compensation)) {
      return List.of();
    }
    StepState st = s.step(step);
    if (st.attempt() != attempt || now < st.deadline()) {
      return List.of();
    }
    String what =
        spec.waits() && !compensation
            ? "received no "
                + spec.signal().getSimpleName()
                + " within "
                + spec.timeout()
                + (st.used() == 1 ? "" : " (" + st.used() + " waits)")
            : "timed out after " + st.used() + " attempt" + (st.used() == 1 ? "" : "s");
    RetryPolicy policy = compensation ? spec.compensationRetry() : spec.retry();
    if (st.used() < policy.maxAttempts()) {
      return settle(s, List.of(retry(spec, st, compensation, policy, now)), now);
    }
    if (compensation) {
      return settle(s, List.of(new SagaEvent.Parked(step, true, "compensation " + what, now)), now);
    }
    if (spec.kind() == StepKind.RETRIABLE) {
      return settle(
          s, List.of(new SagaEvent.Parked(step, false, "retriable step " + what, now)), now);
    }
    if (spec.kind() == StepKind.PIVOT) {
      // The pivot may have happened: compensating now would keep its effect without its
      // successors. Park until an operator retries it (same idempotency key) or skips it.
      return settle(
          s,
          List.of(
              new SagaEvent.Parked(
                  step,
                  false,
                  "pivot outcome unknown: the pivot " + what + " without a reply",
                  now)),
          now);
    }
    return settle(
        s,
        List.of(
            new SagaEvent.StepFailed(step, false, false, what, null, now),
            new SagaEvent.CompensationBegan("step '" + step + "' " + what, now)),
        now);
  }

  /**
   * The events of the saga's deadline timer; empty if the definition has none, it has not come, it
   * passed already or the instance is done.
   *
   * @param s the state
   * @param now the time
   * @return the events
   */
  public List<SagaEvent> onSagaDeadline(InstanceState s, long now) {
    return definition.deadline().map(d -> operator.deadline(s, d, now)).orElse(List.of());
  }

  /**
   * When the saga's deadline timer should fire for a state: never (-1) without a deadline, once it
   * passed, or when the instance is done.
   *
   * @param s the state
   * @return epoch milliseconds, or -1
   */
  public long sagaDeadline(InstanceState s) {
    if (definition.deadline().isEmpty()
        || s.status() == null
        || s.status().terminal()
        || s.deadlinePassedAt() != 0
        || s.startedAt() == 0) {
      return -1;
    }
    return s.startedAt() + definition.deadline().get().within().toMillis();
  }

  /**
   * The events of an operator's action.
   *
   * @param s the state
   * @param action the operator's action
   * @param now the time
   * @return the events
   * @throws IllegalStateException if the action does not apply to the instance's status
   */
  public List<SagaEvent> operate(InstanceState s, OperatorAction action, long now) {
    return operator.operate(s, action, now);
  }

  private static boolean awaits(InstanceState s, String step, boolean compensation) {
    if (s.status() != SagaStatus.RUNNING && s.status() != SagaStatus.COMPENSATING) {
      return false;
    }
    StepState st = s.step(step);
    return compensation ? st.compensation() == Phase.RUNNING : st.forward() == Phase.RUNNING;
  }

  /** The data, decoded for a step's code: a codec that throws is that step's failure. */
  D dataFor(InstanceState s, String step, boolean compensation) {
    try {
      return data(s);
    } catch (RuntimeException e) {
      throw new UserCodeFailed(step, compensation, "decoding the saga data", e);
    }
  }

  /**
   * The command of a running attempt, built from the data by the definition's code.
   *
   * @param s the state
   * @param st the running step
   * @return the command (or compensation) to send
   * @throws UserCodeFailed if the definition's code (or the data's codec) throws
   */
  public Object command(InstanceState s, StepState st) {
    StepSpec<D> spec = specs.get(st.name());
    boolean compensation = st.compensating();
    D data = dataFor(s, st.name(), compensation);
    try {
      return compensation ? spec.compensationCommand().apply(data) : spec.command().apply(data);
    } catch (RuntimeException e) {
      throw new UserCodeFailed(st.name(), compensation, "building the command", e);
    }
  }

  /**
   * The events of an attempt whose command could not be built: the instance parks on it, with the
   * cause (retrying would build the same command from the same data).
   *
   * @param s the state
   * @param step the step
   * @param compensation whether the compensation's command failed
   * @param attempt the attempt that could not be sent
   * @param reason what threw, from {@link UserCodeFailed#getMessage()}
   * @param now the time
   * @return the events; empty if that attempt no longer runs
   */
  public List<SagaEvent> commandFailed(
      InstanceState s, String step, boolean compensation, int attempt, String reason, long now) {
    if (!awaitsStep(s, step, compensation) || s.step(step).attempt() != attempt) {
      return List.of();
    }
    return List.of(new SagaEvent.Parked(step, compensation, reason, now));
  }

  static <D> SagaEvent retry(
      StepSpec<D> spec, StepState st, boolean compensation, RetryPolicy policy, long now) {
    long sendAt = now + policy.delayAfter(st.used()).toMillis();
    return new SagaEvent.StepStarted(
        spec.name(),
        compensation,
        st.attempt() + 1,
        sendAt,
        sendAt + spec.timeout().toMillis(),
        now,
        st.since());
  }
}
