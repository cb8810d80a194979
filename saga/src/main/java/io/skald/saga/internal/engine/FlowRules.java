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
 * step triggers the next one; a refusal ({@code failed}, business) of a step triggers the
 * compensation of the nearest compensatable step before it, a timeout ({@code failed}, not
 * business) the compensation of the step itself (it may have acted) or, if it has none, of the
 * nearest one before; {@code compensated} of a step triggers the compensation of the nearest
 * compensatable step before it.
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
   * The step a flow event triggers.
   *
   * @param event the event
   * @return the target, or null if the event ends the chain
   */
  public Target target(FlowEvent event) {
    int i = event.step() == null ? -1 : indexOf(event.step());
    switch (event.kind()) {
      case STARTED:
        return new Target(steps.get(0).name(), false);
      case SUCCEEDED:
      case SKIPPED:
        return i >= 0 && i + 1 < steps.size() ? new Target(steps.get(i + 1).name(), false) : null;
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
    // A refusal of the step after this one turns the chain to this step's compensation.
    return new FlowEvent(
        FlowEvent.Kind.FAILED, steps.get(i + 1).name(), true, false, "compensate", data);
  }
}
