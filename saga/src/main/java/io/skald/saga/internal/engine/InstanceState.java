package io.skald.saga.internal.engine;

import io.skald.saga.SagaStatus;
import io.skald.saga.internal.SagaSerializable;
import java.util.ArrayList;
import java.util.List;

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
 * @param history every event, oldest first
 * @param held replies that arrived while the instance was parked, oldest first: they take effect
 *     when it resumes
 */
public record InstanceState(
    SagaStatus status,
    String dataJson,
    List<StepState> steps,
    String parkedStep,
    boolean parkedCompensation,
    String reason,
    // a list of a sealed interface: name each element's class, so the state can be sent to a
    // caller on another node
    @com.fasterxml.jackson.annotation.JsonTypeInfo(
            use = com.fasterxml.jackson.annotation.JsonTypeInfo.Id.CLASS)
        List<SagaEvent> history,
    List<SagaEvent.ReplyHeld> held)
    implements SagaSerializable {

  /** Copies the lists (a state written before replies were held has none). */
  public InstanceState {
    steps = List.copyOf(steps);
    history = List.copyOf(history);
    held = held == null ? List.of() : List.copyOf(held);
  }

  /** The state of an instance that has not started. */
  public static final InstanceState EMPTY =
      new InstanceState(null, null, List.of(), null, false, null, List.of(), List.of());

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
        status, dataJson, next, parkedStep, parkedCompensation, reason, history, held);
  }

  InstanceState with(SagaStatus newStatus, String newReason) {
    return new InstanceState(
        newStatus, dataJson, steps, parkedStep, parkedCompensation, newReason, history, held);
  }

  InstanceState withData(String newData) {
    return new InstanceState(
        status, newData, steps, parkedStep, parkedCompensation, reason, history, held);
  }

  InstanceState parked(String step, boolean compensation, String why) {
    return new InstanceState(
        SagaStatus.PARKED, dataJson, steps, step, compensation, why, history, held);
  }

  InstanceState recorded(SagaEvent event) {
    List<SagaEvent> next = new ArrayList<>(history.size() + 1);
    next.addAll(history);
    next.add(event);
    return new InstanceState(
        status, dataJson, steps, parkedStep, parkedCompensation, reason, next, held);
  }

  InstanceState withHeld(List<SagaEvent.ReplyHeld> newHeld) {
    return new InstanceState(
        status, dataJson, steps, parkedStep, parkedCompensation, reason, history, newHeld);
  }
}
