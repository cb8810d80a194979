package io.skald.saga.internal.engine;

import io.skald.saga.InvalidSagaDefinitionException;
import io.skald.saga.SagaDefinition;
import io.skald.saga.internal.definition.Definitions;
import io.skald.saga.internal.definition.StageSpec;
import io.skald.saga.internal.definition.StepSpec;
import io.skald.saga.internal.engine.InstanceState.Phase;
import io.skald.saga.internal.engine.InstanceState.StepState;
import java.util.ArrayList;
import java.util.List;

/**
 * INTERNAL API: how a sequential saga definition runs as a choreography: which step (and direction)
 * each flow event triggers. Participants use it to decide what to do on an event; the tracker uses
 * it to emit an event that triggers a step when no participant's event will (on a timeout, after a
 * restart, or when the chain would reach a step the saga skipped).
 *
 * <p>The chain: {@code started} triggers the first step; {@code succeeded} or {@code skipped} of a
 * step triggers the next one whose condition holds on the event's data (a step whose {@code when}
 * is false is skipped by the tracker, so no participant's event would come from it); {@code
 * compensate} (the tracker's) triggers the compensation of its step; a refusal ({@code failed},
 * business) of a step triggers the compensation of the nearest compensatable step before it, a
 * timeout ({@code failed}, not business) the compensation of the step itself (it may have acted)
 * or, if it has none, of the nearest one before; {@code compensated} of a step triggers the
 * compensation of the nearest compensatable step before it.
 *
 * @param <D> the data type
 */
public final class FlowRules<D> {
  /**
   * A step and direction a flow event triggers.
   *
   * @param step the step
   * @param compensation whether its compensation is triggered
   */
  public record Target(String step, boolean compensation) {}

  private final List<StepSpec<D>> steps = new ArrayList<>();

  /**
   * The rules of a definition.
   *
   * @param definition a definition without parallel steps
   * @throws InvalidSagaDefinitionException if it has a parallel step
   */
  public FlowRules(SagaDefinition<D> definition) {
    for (StageSpec<D> stage : Definitions.stages(definition)) {
      if (stage.parallel()) {
        throw new InvalidSagaDefinitionException(
            "saga '"
                + definition.name()
                + "': parallel step '"
                + stage.name()
                + "' cannot run as a choreography: its branches need a place to join; run the"
                + " saga with an orchestrator");
      }
      steps.addAll(stage.steps());
    }
  }

  private int indexOf(String step) {
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i).name().equals(step)) {
        return i;
      }
    }
    return -1;
  }

  /** The nearest compensatable step at or before {@code index}, or null. */
  private Target compensationAtOrBefore(int index) {
    for (int i = index; i >= 0; i--) {
      if (steps.get(i).compensatable()) {
        return new Target(steps.get(i).name(), true);
      }
    }
    return null;
  }

  /**
   * The step a flow event triggers, not looking at conditions.
   *
   * @param event the event
   * @return the target, or null if the event ends the chain
   */
  public Target target(FlowEvent event) {
    return target(event, null);
  }

  /**
   * The step a flow event triggers: the first step from the natural next one whose condition holds
   * on the data (a condition that throws counts as holding: the tracker parks on it).
   *
   * @param event the event
   * @param data the event's data, or null to not look at conditions
   * @return the target, or null if the event ends the chain
   */
  public Target target(FlowEvent event, D data) {
    int i = event.step() == null ? -1 : indexOf(event.step());
    switch (event.kind()) {
      case STARTED:
        return forwardFrom(0, data);
      case SUCCEEDED:
      case SKIPPED:
        return i >= 0 ? forwardFrom(i + 1, data) : null;
      case COMPENSATE:
        return i >= 0 ? new Target(event.step(), true) : null;
      case FAILED:
        if (i < 0) {
          return null;
        }
        return compensationAtOrBefore(event.business() ? i - 1 : i);
      case COMPENSATED:
        return i < 0 ? null : compensationAtOrBefore(i - 1);
      default:
        return null;
    }
  }

  private Target forwardFrom(int index, D data) {
    for (int j = index; j < steps.size(); j++) {
      StepSpec<D> step = steps.get(j);
      if (data == null || step.condition() == null || holds(step, data)) {
        return new Target(step.name(), false);
      }
    }
    return null;
  }

  private static <D> boolean holds(StepSpec<D> step, D data) {
    try {
      return step.condition().test(data);
    } catch (RuntimeException e) {
      return true;
    }
  }

  /**
   * The event that triggers a running attempt, as the tracker emits it again.
   *
   * @param state the tracker's state
   * @param st the step
   * @return the event
   */
  public FlowEvent trigger(InstanceState state, StepState st) {
    int i = indexOf(st.name());
    String data = state.dataJson();
    if (!st.compensating()) {
      if (i == 0) {
        return new FlowEvent(FlowEvent.Kind.STARTED, null, false, false, null, data);
      }
      StepState prev = state.step(steps.get(i - 1).name());
      FlowEvent.Kind kind =
          prev.forward() == Phase.SKIPPED ? FlowEvent.Kind.SKIPPED : FlowEvent.Kind.SUCCEEDED;
      return new FlowEvent(kind, prev.name(), false, false, null, data);
    }
    if (st.forward() == Phase.FAILED && !st.businessFailure()) {
      return new FlowEvent(FlowEvent.Kind.FAILED, st.name(), false, false, "timed out", data);
    }
    return new FlowEvent(FlowEvent.Kind.COMPENSATE, st.name(), false, true, null, data);
  }
}
