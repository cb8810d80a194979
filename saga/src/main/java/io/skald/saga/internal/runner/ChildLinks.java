package io.skald.saga.internal.runner;

import io.skald.saga.SagaStatus;
import io.skald.saga.internal.engine.InstanceState;
import io.skald.saga.internal.engine.InstanceState.StepState;
import io.skald.saga.internal.engine.Transitions;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * INTERNAL API: a saga instance's links to child sagas, up and down, in one incarnation: as a
 * child, it tells its parent's fan-out how it ended until acknowledged; as a parent that ended for
 * good, it tells the fan-outs of its child-saga steps to delete themselves, until acknowledged. The
 * instance passivates only when both are done.
 *
 * @param <D> the saga data type
 */
final class ChildLinks<D> {
  private final ActorContext<InstanceProtocol.Command> context;
  private final InstanceRuntime<D> runtime;
  private final String sagaName;
  private final String sagaId;
  private final Function<InstanceState, Transitions<D>> rules;

  /** The end the parent's fan-out acknowledged, and the one told and not yet acknowledged. */
  private SagaStatus parentReported;

  private SagaStatus parentReporting;

  /** The child-saga steps whose fan-outs acknowledged their release, and those being told. */
  private final Set<String> released = new HashSet<>(2);

  private final Set<String> releasing = new HashSet<>(2);

  /** Whether this child's parent has ended for good (told by its fan-out). */
  private boolean parentFinished;

  ChildLinks(
      ActorContext<InstanceProtocol.Command> context,
      InstanceRuntime<D> runtime,
      String sagaName,
      String sagaId,
      Function<InstanceState, Transitions<D>> rules) {
    this.context = context;
    this.runtime = runtime;
    this.sagaName = sagaName;
    this.sagaId = sagaId;
    this.rules = rules;
  }

  /** Tells the parent's fan-out this child's end (once per end, until acknowledged). */
  void notifyParent(InstanceState state) {
    if (state.parent() == null || !state.status().terminal()) {
      return;
    }
    SagaStatus status = state.status();
    if (status == parentReported || status == parentReporting) {
      return;
    }
    parentReporting = status;
    String data = state.dataJson();
    context.ask(
        Boolean.class,
        FanOut.ref(context.getSystem(), state.parent()),
        runtime.indexTimeout(),
        replyTo -> new FanOut.ChildEnded(sagaId, status, data, replyTo),
        (ok, error) ->
            new InstanceProtocol.ParentAcked(status, error == null && Boolean.TRUE.equals(ok)));
  }

  /**
   * The parent's fan-out answered.
   *
   * @return whether it acknowledged (false: tell it again later)
   */
  boolean parentAcked(InstanceProtocol.ParentAcked acked) {
    if (acked.status() == parentReporting) {
      parentReporting = null;
    }
    if (acked.ok()) {
      parentReported = acked.status();
    }
    return acked.ok();
  }

  /** Whether a completed child may still be compensated by its parent (its children with it). */
  private boolean mayBeCompensated(InstanceState state) {
    return state.status() == SagaStatus.COMPLETED && state.parent() != null && !parentFinished;
  }

  /** Whether a step's fan-out exists: a child-saga step the instance reached. */
  private boolean spawned(Transitions<D> rules, StepState st) {
    return rules.spec(st.name()).spawns()
        && st.forward() != InstanceState.Phase.PENDING
        && st.forward() != InstanceState.Phase.SKIPPED;
  }

  /**
   * Once the instance has ended for good (on its own, or compensated or aborted as a child), tells
   * the fan-outs of the child-saga steps it reached to delete themselves: nothing asks them again.
   */
  void releaseFanOuts(InstanceState state) {
    if (mayBeCompensated(state)) {
      return;
    }
    Transitions<D> r = rules.apply(state);
    for (StepState st : state.steps()) {
      if (!spawned(r, st) || released.contains(st.name()) || !releasing.add(st.name())) {
        continue;
      }
      String step = st.name();
      context.ask(
          Boolean.class,
          FanOut.ref(context.getSystem(), sagaName, sagaId, step),
          runtime.indexTimeout(),
          FanOut.ParentEnded::new,
          (ok, error) -> new InstanceProtocol.FanOutReleased(step, error == null));
    }
  }

  /**
   * A fan-out answered its release.
   *
   * @return whether it acknowledged (false: tell it again later)
   */
  boolean fanOutReleased(InstanceProtocol.FanOutReleased answer) {
    releasing.remove(answer.step());
    if (answer.ok()) {
      released.add(answer.step());
    }
    return answer.ok();
  }

  /** This completed child's parent has ended for good. */
  void parentFinished() {
    parentFinished = true;
  }

  /** Whether everything up and down has been told and acknowledged for the instance's end. */
  boolean done(InstanceState state) {
    if (state.parent() != null && parentReported != state.status()) {
      return false;
    }
    if (mayBeCompensated(state)) {
      return true;
    }
    Transitions<D> r = rules.apply(state);
    for (StepState st : state.steps()) {
      if (spawned(r, st) && !released.contains(st.name())) {
        return false;
      }
    }
    return true;
  }
}
