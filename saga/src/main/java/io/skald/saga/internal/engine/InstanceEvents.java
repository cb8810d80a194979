package io.skald.saga.internal.engine;

import io.skald.saga.SagaDefinition;
import io.skald.saga.SagaStatus;
import io.skald.saga.StepKind;
import io.skald.saga.internal.definition.Definitions;
import io.skald.saga.internal.definition.StepSpec;
import io.skald.saga.internal.engine.InstanceState.Phase;
import io.skald.saga.internal.engine.InstanceState.StepState;
import java.util.ArrayList;
import java.util.List;

/**
 * INTERNAL API: how each {@link SagaEvent} changes an {@link InstanceState}: the event handler of
 * saga instances (and of the test kit's virtual instances).
 *
 * @param <D> the saga data type
 */
final class InstanceEvents<D> {
  private final SagaDefinition<D> definition;
  private final int historyLimit;
  private final java.util.Map<String, StepKind> kinds = new java.util.HashMap<>();

  InstanceEvents(SagaDefinition<D> definition, int historyLimit) {
    this.definition = definition;
    this.historyLimit = historyLimit;
    for (var stage : Definitions.stages(definition)) {
      for (StepSpec<D> step : stage.steps()) {
        kinds.put(step.name(), step.kind());
      }
    }
  }

  /**
   * Applies an event.
   *
   * @param state the state before
   * @param event the event
   * @return the state after
   */
  public InstanceState apply(InstanceState state, SagaEvent event) {
    return forget(applyEvent(state, event), event).recorded(event, historyLimit);
  }

  /** Drops a kept signal once its step has settled forward, or the instance has ended. */
  private static InstanceState forget(InstanceState s, SagaEvent event) {
    if (s.signals().isEmpty()) {
      return s;
    }
    String step = null;
    if (event instanceof SagaEvent.StepSucceeded e && !e.compensation()) {
      step = e.step();
    } else if (event instanceof SagaEvent.StepFailed e && !e.compensation()) {
      step = e.step();
    } else if (event instanceof SagaEvent.StepSkipped e) {
      step = e.step();
    } else if (event instanceof SagaEvent.Finished) {
      return s.withSignals(List.of());
    }
    if (step == null || s.signalFor(step) == null) {
      return s;
    }
    List<SagaEvent.SignalReceived> kept = new ArrayList<>();
    for (SagaEvent.SignalReceived e : s.signals()) {
      if (!e.step().equals(step)) {
        kept.add(e);
      }
    }
    return s.withSignals(kept);
  }

  private InstanceState applyEvent(InstanceState s, SagaEvent event) {
    if (event instanceof SagaEvent.Started e) {
      List<StepState> steps = new ArrayList<>();
      for (int i = 0; i < Definitions.stages(definition).size(); i++) {
        for (StepSpec<D> step : Definitions.stages(definition).get(i).steps()) {
          steps.add(new StepState(step.name(), i, Phase.PENDING, Phase.PENDING, false, 0, 0, 0, 0));
        }
      }
      return new InstanceState(
          SagaStatus.RUNNING,
          e.dataJson(),
          steps,
          null,
          false,
          null,
          s.history(),
          List.of(),
          s.historyDropped(),
          e.trace(),
          e.at(),
          0,
          List.of(),
          e.runsVersion(),
          e.parent());
    }
    if (event instanceof SagaEvent.Migrated e) {
      // applied by the target version's rules: its steps, with what the instance did in them
      List<StepState> steps = new ArrayList<>();
      for (int i = 0; i < Definitions.stages(definition).size(); i++) {
        for (StepSpec<D> step : Definitions.stages(definition).get(i).steps()) {
          StepState known = null;
          for (StepState st : s.steps()) {
            if (st.name().equals(step.name())) {
              known = st;
            }
          }
          steps.add(
              known == null
                  ? new StepState(step.name(), i, Phase.PENDING, Phase.PENDING, false, 0, 0, 0, 0)
                  : new StepState(
                      known.name(),
                      i,
                      known.forward(),
                      known.compensation(),
                      known.businessFailure(),
                      known.attempt(),
                      known.sendAt(),
                      known.deadline(),
                      known.since()));
        }
      }
      return s.withVersion(e.toVersion(), steps);
    }
    if (event instanceof SagaEvent.DeadlinePassed e) {
      return s.withDeadlinePassed(e.at());
    }
    if (event instanceof SagaEvent.SignalReceived e) {
      StepState st = s.step(e.step());
      if (st.forward() == Phase.RUNNING && s.status() == SagaStatus.RUNNING) {
        return s; // taken at once: the events after it in the same write are its effect
      }
      List<SagaEvent.SignalReceived> kept = new ArrayList<>(s.signals());
      kept.add(e);
      return s.withSignals(kept);
    }
    if (event instanceof SagaEvent.StepStarted e) {
      StepState st = s.step(e.step());
      return s.withStep(
          new StepState(
              st.name(),
              st.stage(),
              e.compensation() ? st.forward() : Phase.RUNNING,
              e.compensation() ? Phase.RUNNING : st.compensation(),
              st.businessFailure(),
              e.attempt(),
              e.sendAt(),
              e.deadline(),
              e.since()));
    }
    if (event instanceof SagaEvent.StepSucceeded e) {
      StepState st = s.step(e.step());
      InstanceState next = e.dataJson() == null ? s : s.withData(e.dataJson());
      return next.withStep(
          phases(
              st,
              e.compensation() ? st.forward() : Phase.SUCCEEDED,
              e.compensation() ? Phase.SUCCEEDED : st.compensation(),
              st.businessFailure()));
    }
    if (event instanceof SagaEvent.StepFailed e) {
      StepState st = s.step(e.step());
      InstanceState base = e.dataJson() == null ? s : s.withData(e.dataJson());
      return base.withStep(
          e.compensation()
              ? phases(st, st.forward(), Phase.FAILED, st.businessFailure())
              : phases(st, Phase.FAILED, st.compensation(), e.business()));
    }
    if (event instanceof SagaEvent.StepSkipped e) {
      StepState st = s.step(e.step());
      return s.withStep(phases(st, Phase.SKIPPED, st.compensation(), false));
    }
    if (event instanceof SagaEvent.CompensationBegan e) {
      InstanceState next = s.with(SagaStatus.COMPENSATING, e.reason());
      for (StepState st : s.steps()) {
        if (st.forward() == Phase.RUNNING) {
          next = next.withStep(phases(st, Phase.FAILED, st.compensation(), false)); // abandoned
        }
      }
      return next;
    }
    if (event instanceof SagaEvent.Parked e) {
      StepState st = s.step(e.step());
      // A forward park keeps a step that succeeded (its reply handler threw) as succeeded, a
      // pivot whose outcome is unknown as running (neither may look failed, which invites undoing
      // an effect that is in place), a step refused (its failure handler threw) as refused, and a
      // step that never started (its condition threw) as pending.
      boolean keep =
          st.forward() == Phase.SUCCEEDED
              || st.forward() == Phase.PENDING
              || (st.forward() == Phase.FAILED && st.businessFailure())
              || (st.forward() == Phase.RUNNING && kinds.get(e.step()) == StepKind.PIVOT);
      InstanceState next =
          s.withStep(
              e.compensation()
                  ? phases(st, st.forward(), Phase.FAILED, st.businessFailure())
                  : keep ? st : phases(st, Phase.FAILED, st.compensation(), st.businessFailure()));
      return next.parked(e.step(), e.compensation(), e.reason());
    }
    if (event instanceof SagaEvent.Resumed) {
      // the held replies are handed back by the operator's rules, after this event
      return new InstanceState(
          s.parkedCompensation() ? SagaStatus.COMPENSATING : SagaStatus.RUNNING,
          s.dataJson(),
          s.steps(),
          s.parkedStep(),
          s.parkedCompensation(),
          s.reason(),
          s.history(),
          List.of(),
          s.historyDropped(),
          s.trace(),
          s.startedAt(),
          s.deadlinePassedAt(),
          s.signals(),
          s.version(),
          s.parent());
    }
    if (event instanceof SagaEvent.ReplyHeld e) {
      List<SagaEvent.ReplyHeld> held = new ArrayList<>(s.held());
      held.add(e);
      return s.withHeld(held);
    }
    if (event instanceof SagaEvent.Finished e) {
      return s.with(e.status(), s.reason());
    }
    throw new IllegalArgumentException("unknown event " + event);
  }

  private static StepState phases(
      StepState st, Phase forward, Phase compensation, boolean business) {
    return new StepState(
        st.name(),
        st.stage(),
        forward,
        compensation,
        business,
        st.attempt(),
        st.sendAt(),
        st.deadline(),
        st.since());
  }
}
