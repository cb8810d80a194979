package io.skald.saga.internal.engine;

import io.skald.saga.SagaStatus;
import io.skald.saga.internal.SagaSerializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * INTERNAL API: the state of a saga instance, rebuilt from its {@link SagaEvent}s. Immutable; every
 * event makes a new state (instances have few steps and events).
 *
 * @param status null before the instance started
 * @param dataJson the saga data as JSON
 * @param steps one entry per step, in definition order
 * @param parkedStep the step a parked instance waits on, or null
 * @param parkedCompensation whether the parked step's compensation is what failed
 * @param reason why it compensates, parked or ended, or null
 * @param history the latest events, oldest first (at most the view's history limit; every event
 *     stays in the journal)
 * @param held replies that arrived while the instance was parked, oldest first: they take effect
 *     when it resumes
 * @param historyDropped how many earlier events the history no longer holds
 * @param trace the starter's W3C trace context, or empty
 * @param startedAt when the instance started, epoch milliseconds (0 in snapshots written before it
 *     was kept: then taken from the history's start event, if still there)
 * @param deadlinePassedAt when the saga's deadline passed, or 0 (absent in snapshots written before
 *     saga deadlines existed)
 * @param signals signals that arrived before their wait step was reached (or while the instance was
 *     parked on it), oldest first: each is taken when its step waits (absent in snapshots written
 *     before signals existed)
 * @param version the definition's version the instance runs: 0 before it started (and in snapshots
 *     written before versions: then taken from the history's start event, or 1)
 * @param parent the fan-out of the parent saga that started this instance as a child, told when it
 *     ends; null for an instance started on its own (and in snapshots written before child sagas)
 */
public record InstanceState(
    SagaStatus status,
    String dataJson,
    List<StepState> steps,
    String parkedStep,
    boolean parkedCompensation,
    String reason,
    // a list of a sealed interface: each element is named by its event's stable name (as in the
    // journal), so the state can be snapshotted and sent to another node without class names
    @com.fasterxml.jackson.annotation.JsonTypeInfo(
            use = com.fasterxml.jackson.annotation.JsonTypeInfo.Id.NAME,
            property = "@event")
        @com.fasterxml.jackson.annotation.JsonSubTypes({
          @com.fasterxml.jackson.annotation.JsonSubTypes.Type(
              value = SagaEvent.Started.class,
              name = "saga-instance.started.v1"),
          @com.fasterxml.jackson.annotation.JsonSubTypes.Type(
              value = SagaEvent.StepStarted.class,
              name = "saga-instance.step-started.v1"),
          @com.fasterxml.jackson.annotation.JsonSubTypes.Type(
              value = SagaEvent.StepSucceeded.class,
              name = "saga-instance.step-succeeded.v1"),
          @com.fasterxml.jackson.annotation.JsonSubTypes.Type(
              value = SagaEvent.StepFailed.class,
              name = "saga-instance.step-failed.v1"),
          @com.fasterxml.jackson.annotation.JsonSubTypes.Type(
              value = SagaEvent.StepSkipped.class,
              name = "saga-instance.step-skipped.v1"),
          @com.fasterxml.jackson.annotation.JsonSubTypes.Type(
              value = SagaEvent.CompensationBegan.class,
              name = "saga-instance.compensation-began.v1"),
          @com.fasterxml.jackson.annotation.JsonSubTypes.Type(
              value = SagaEvent.Parked.class,
              name = "saga-instance.parked.v1"),
          @com.fasterxml.jackson.annotation.JsonSubTypes.Type(
              value = SagaEvent.Resumed.class,
              name = "saga-instance.resumed.v1"),
          @com.fasterxml.jackson.annotation.JsonSubTypes.Type(
              value = SagaEvent.Finished.class,
              name = "saga-instance.finished.v1"),
          @com.fasterxml.jackson.annotation.JsonSubTypes.Type(
              value = SagaEvent.ReplyHeld.class,
              name = "saga-instance.reply-held.v1"),
          @com.fasterxml.jackson.annotation.JsonSubTypes.Type(
              value = SagaEvent.DeadlinePassed.class,
              name = "saga-instance.deadline-passed.v1"),
          @com.fasterxml.jackson.annotation.JsonSubTypes.Type(
              value = SagaEvent.SignalReceived.class,
              name = "saga-instance.signal-received.v1"),
          @com.fasterxml.jackson.annotation.JsonSubTypes.Type(
              value = SagaEvent.Migrated.class,
              name = "saga-instance.migrated.v1")
        })
        List<SagaEvent> history,
    List<SagaEvent.ReplyHeld> held,
    long historyDropped,
    Map<String, String> trace,
    long startedAt,
    long deadlinePassedAt,
    List<SagaEvent.SignalReceived> signals,
    int version,
    String parent)
    implements SagaSerializable {

  /**
   * Copies the lists (a state written before replies were held has none, one written before tracing
   * has no trace context).
   */
  public InstanceState {
    steps = List.copyOf(steps);
    history = List.copyOf(history);
    held = held == null ? List.of() : List.copyOf(held);
    trace = trace == null ? Map.of() : Map.copyOf(trace);
    signals = signals == null ? List.of() : List.copyOf(signals);
    if (version == 0 && status != null) {
      version = 1;
      for (SagaEvent e : history) {
        if (e instanceof SagaEvent.Started started) {
          version = started.runsVersion();
        } else if (e instanceof SagaEvent.Migrated migrated) {
          version = migrated.toVersion();
        }
      }
    }
    if (startedAt == 0) {
      for (SagaEvent e : history) {
        if (e instanceof SagaEvent.Started started) {
          startedAt = started.at();
          break;
        }
      }
    }
  }

  /** The state of an instance that has not started. */
  public static final InstanceState EMPTY =
      new InstanceState(
          null, null, List.of(), null, false, null, List.of(), List.of(), 0, Map.of(), 0, 0,
          List.of(), 0, null);

  /** Where one direction of a step is. */
  public enum Phase {
    /** Not started. */
    PENDING,
    /** An attempt is armed and waits for its reply. */
    RUNNING,
    /** Done. */
    SUCCEEDED,
    /** Failed for good (or abandoned when the saga turned back). */
    FAILED,
    /** Skipped: a false condition (forward) or nothing to undo (compensation). */
    SKIPPED
  }

  /**
   * One step of an instance.
   *
   * @param name the step name
   * @param stage the index of its stage
   * @param forward where the forward command is
   * @param compensation where the compensation is
   * @param businessFailure true if the participant refused the forward command (nothing to undo)
   * @param attempt the running direction's attempt
   * @param sendAt when the running attempt's command is sent
   * @param deadline when the running attempt times out
   * @param since the attempts of the running direction before its retry budget restarted (by an
   *     operator's retry): the budget counts {@code attempt - since}
   */
  public record StepState(
      String name,
      int stage,
      Phase forward,
      Phase compensation,
      boolean businessFailure,
      int attempt,
      long sendAt,
      long deadline,
      int since) {

    /**
     * The attempts of the running direction since its retry budget (re)started.
     *
     * @return at least 1 once an attempt ran
     */
    public int used() {
      return attempt - since;
    }

    /**
     * Whether the running attempt (if any) is the compensation.
     *
     * @return true if the compensation runs
     */
    public boolean compensating() {
      return compensation == Phase.RUNNING;
    }

    /**
     * Whether an attempt of either direction waits for its reply.
     *
     * @return true if running
     */
    public boolean running() {
      return forward == Phase.RUNNING || compensation == Phase.RUNNING;
    }
  }

  /** This state with the saga's deadline passed at {@code at}. */
  InstanceState withDeadlinePassed(long at) {
    return new InstanceState(
        status,
        dataJson,
        steps,
        parkedStep,
        parkedCompensation,
        reason,
        history,
        held,
        historyDropped,
        trace,
        startedAt,
        at,
        signals,
        version,
        parent);
  }

  /**
   * The step of a name.
   *
   * @param name the step name
   * @return the step
   * @throws IllegalArgumentException if the definition has no such step
   */
  public StepState step(String name) {
    for (StepState s : steps) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException("no step '" + name + "'");
  }

  InstanceState withStep(StepState changed) {
    List<StepState> next = new ArrayList<>(steps);
    for (int i = 0; i < next.size(); i++) {
      if (next.get(i).name().equals(changed.name())) {
        next.set(i, changed);
      }
    }
    return new InstanceState(
        status,
        dataJson,
        next,
        parkedStep,
        parkedCompensation,
        reason,
        history,
        held,
        historyDropped,
        trace,
        startedAt,
        deadlinePassedAt,
        signals,
        version,
        parent);
  }

  InstanceState with(SagaStatus newStatus, String newReason) {
    return new InstanceState(
        newStatus,
        dataJson,
        steps,
        parkedStep,
        parkedCompensation,
        newReason,
        history,
        held,
        historyDropped,
        trace,
        startedAt,
        deadlinePassedAt,
        signals,
        version,
        parent);
  }

  /**
   * This state, parked because its journal does not replay under the registered definition (it
   * names a step the definition does not have): only an abort applies to it.
   *
   * @param why what does not replay
   * @return the parked state
   */
  public InstanceState unreplayable(String why) {
    return with(SagaStatus.PARKED, why);
  }

  InstanceState withData(String newData) {
    return new InstanceState(
        status,
        newData,
        steps,
        parkedStep,
        parkedCompensation,
        reason,
        history,
        held,
        historyDropped,
        trace,
        startedAt,
        deadlinePassedAt,
        signals,
        version,
        parent);
  }

  InstanceState parked(String step, boolean compensation, String why) {
    return new InstanceState(
        SagaStatus.PARKED,
        dataJson,
        steps,
        step,
        compensation,
        why,
        history,
        held,
        historyDropped,
        trace,
        startedAt,
        deadlinePassedAt,
        signals,
        version,
        parent);
  }

  InstanceState recorded(SagaEvent event, int limit) {
    int drop = Math.max(0, history.size() + 1 - Math.max(1, limit));
    List<SagaEvent> next = new ArrayList<>(history.size() + 1 - drop);
    next.addAll(drop == 0 ? history : history.subList(drop, history.size()));
    next.add(event);
    return new InstanceState(
        status,
        dataJson,
        steps,
        parkedStep,
        parkedCompensation,
        reason,
        next,
        held,
        historyDropped + drop,
        trace,
        startedAt,
        deadlinePassedAt,
        signals,
        version,
        parent);
  }

  /**
   * The signal kept for a step, if one arrived before the step took it.
   *
   * @param step the wait step
   * @return the signal, or null
   */
  public SagaEvent.SignalReceived signalFor(String step) {
    for (SagaEvent.SignalReceived e : signals) {
      if (e.step().equals(step)) {
        return e;
      }
    }
    return null;
  }

  InstanceState withSignals(List<SagaEvent.SignalReceived> newSignals) {
    return new InstanceState(
        status,
        dataJson,
        steps,
        parkedStep,
        parkedCompensation,
        reason,
        history,
        held,
        historyDropped,
        trace,
        startedAt,
        deadlinePassedAt,
        newSignals,
        version,
        parent);
  }

  InstanceState withVersion(int newVersion, List<StepState> newSteps) {
    return new InstanceState(
        status,
        dataJson,
        newSteps,
        parkedStep,
        parkedCompensation,
        reason,
        history,
        held,
        historyDropped,
        trace,
        startedAt,
        deadlinePassedAt,
        signals,
        newVersion,
        parent);
  }

  InstanceState withHeld(List<SagaEvent.ReplyHeld> newHeld) {
    return new InstanceState(
        status,
        dataJson,
        steps,
        parkedStep,
        parkedCompensation,
        reason,
        history,
        newHeld,
        historyDropped,
        trace,
        startedAt,
        deadlinePassedAt,
        signals,
        version,
        parent);
  }
}
