package io.skald.saga.internal.engine;

import io.skald.saga.OperatorAction;
import io.skald.saga.SagaDefinition;
import io.skald.saga.SagaStatus;
import io.skald.saga.StepKind;
import io.skald.saga.internal.definition.Definitions;
import io.skald.saga.internal.definition.StageSpec;
import io.skald.saga.internal.definition.StepSpec;
import io.skald.saga.internal.engine.InstanceState.Phase;
import io.skald.saga.internal.engine.InstanceState.StepState;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules of an operator's actions on an instance (retry, skip, compensate, abort), apart from
 * the rules of its participants' replies and deadlines in {@link Transitions}: an action is checked
 * against the instance's status and against the saga's point of no return, then settled by the same
 * rules as any other input.
 *
 * @param <D> the saga data type
 */
final class OperatorRules<D> {
  private final Transitions<D> rules;

  /**
   * The steps past which the saga can no longer turn back: the pivot, or without one the steps of
   * the last stage that has a compensatable step. Once one of them has succeeded, is in flight or
   * parked with an unknown outcome, compensation would leave its effect without its successors.
   */
  private final List<String> noReturn = new ArrayList<>();

  OperatorRules(Transitions<D> rules, SagaDefinition<D> definition) {
    this.rules = rules;
    List<String> lastCompensatable = List.of();
    String pivot = null;
    for (StageSpec<D> stage : Definitions.stages(definition)) {
      List<String> compensatable = new ArrayList<>();
      for (StepSpec<D> step : stage.steps()) {
        if (step.kind() == StepKind.PIVOT) {
          pivot = step.name();
        } else if (step.kind() == StepKind.COMPENSATABLE) {
          compensatable.add(step.name());
        }
      }
      if (!compensatable.isEmpty()) {
        lastCompensatable = compensatable;
      }
    }
    noReturn.addAll(pivot != null ? List.of(pivot) : lastCompensatable);
  }

  List<SagaEvent> operate(InstanceState s, OperatorAction action, long now) {
    SagaStatus status = s.status();
    if (status == null || status.terminal()) {
      throw new IllegalStateException(
          "the saga is "
              + (status == null ? "unknown" : status)
              + "; "
              + action.wireName()
              + " needs one that runs or is parked");
    }
    switch (action) {
      case ABORT:
        return List.of(new SagaEvent.Finished(SagaStatus.ABORTED, now));
      case RETRY:
        requireParked(status, action);
        return resumed(s, retried(s, now), now);
      case SKIP:
        requireParked(status, action);
        StepState parked = s.step(s.parkedStep());
        return resumed(
            s,
            List.of(
                new SagaEvent.Resumed(OperatorAction.SKIP, now),
                !s.parkedCompensation() && parked.forward() == Phase.PENDING
                    ? new SagaEvent.StepSkipped(s.parkedStep(), now)
                    : new SagaEvent.StepSucceeded(
                        s.parkedStep(),
                        s.parkedCompensation(),
                        "skipped by an operator",
                        null,
                        now)),
            now);
      case COMPENSATE:
        if (status == SagaStatus.PARKED && s.parkedCompensation()) {
          return operate(s, OperatorAction.RETRY, now);
        }
        if (status == SagaStatus.COMPENSATING) {
          throw new IllegalStateException("the saga is already compensating");
        }
        String passed = pointOfNoReturnPassed(s);
        if (passed != null) {
          throw new IllegalStateException(
              "compensate refused: "
                  + passed
                  + ", so its effect would stay without the steps after it; retry or skip the"
                  + " parked step instead");
        }
        List<SagaEvent> events = new ArrayList<>();
        if (status == SagaStatus.PARKED) {
          events.add(new SagaEvent.Resumed(OperatorAction.COMPENSATE, now));
        }
        events.add(new SagaEvent.CompensationBegan("an operator asked to compensate", now));
        return status == SagaStatus.PARKED ? resumed(s, events, now) : rules.settle(s, events, now);
      default:
        throw new AssertionError(action);
    }
  }

  /**
   * The events of the saga's deadline: none before it or once it passed; for a running saga, it
   * compensates (before its point of no return, with {@code COMPENSATE}) or parks on its running
   * step; a parked saga only records it (an operator decides already), a compensating one too
   * (compensations must finish).
   */
  List<SagaEvent> deadline(InstanceState s, io.skald.saga.SagaDeadline deadline, long now) {
    SagaStatus status = s.status();
    if (status == null
        || status.terminal()
        || s.deadlinePassedAt() != 0
        || s.startedAt() == 0
        || now < s.startedAt() + deadline.within().toMillis()) {
      return List.of();
    }
    SagaEvent passed = new SagaEvent.DeadlinePassed(now);
    if (status != SagaStatus.RUNNING) {
      return List.of(passed);
    }
    String what = "the saga deadline of " + deadline.within() + " passed";
    String noReturn = pointOfNoReturnPassed(s);
    if (deadline.action() == io.skald.saga.SagaDeadline.Action.COMPENSATE && noReturn == null) {
      return rules.settle(s, List.of(passed, new SagaEvent.CompensationBegan(what, now)), now);
    }
    String at = null;
    for (StepState st : s.steps()) {
      if (st.forward() == Phase.RUNNING) {
        at = st.name();
        break;
      }
    }
    if (at == null) {
      return List.of(passed); // between steps: nothing runs that could wait
    }
    String reason =
        deadline.action() == io.skald.saga.SagaDeadline.Action.COMPENSATE
            ? what + ", but " + noReturn + ": it cannot turn back"
            : what;
    return rules.settle(s, List.of(passed, new SagaEvent.Parked(at, false, reason, now)), now);
  }

  /**
   * The events of an operator's retry: the parked attempt again, with the attempt number going on
   * (so a late reply of an earlier attempt is not taken for the new one) and a fresh retry budget.
   * A step parked before it started (its condition threw) is simply evaluated again.
   */
  private List<SagaEvent> retried(InstanceState s, long now) {
    StepState st = s.step(s.parkedStep());
    SagaEvent resumed = new SagaEvent.Resumed(OperatorAction.RETRY, now);
    if (!s.parkedCompensation() && st.forward() == Phase.PENDING) {
      return List.of(resumed);
    }
    return List.of(
        resumed,
        new SagaEvent.StepStarted(
            s.parkedStep(),
            s.parkedCompensation(),
            st.attempt() + 1,
            now,
            now + rules.spec(s.parkedStep()).timeout().toMillis(),
            now,
            st.attempt()));
  }

  /**
   * Settles an operator's resuming events, then hands back the replies held while the saga was
   * parked (in arrival order, as if they arrived now), then gives every attempt that kept running
   * while the saga was parked a fresh deadline: its timer was off, and its reply may be in the
   * reply topic behind the operator's action. The attempt is sent again with the same idempotency
   * key and attempt number, so a participant that executed it answers with what it answered.
   */
  private List<SagaEvent> resumed(InstanceState parked, List<SagaEvent> resuming, long now) {
    List<SagaEvent> all = new ArrayList<>(rules.settle(parked, resuming, now));
    InstanceState s = rules.applyAll(parked, all);
    for (SagaEvent.ReplyHeld held : parked.held()) {
      List<SagaEvent> more;
      try {
        more =
            rules.onReply(
                s,
                held.step(),
                held.compensation(),
                held.attempt(),
                held.type(),
                held.replyJson(),
                now);
      } catch (IllegalArgumentException e) {
        continue; // held replies were checked when they arrived; a changed definition drops one
      }
      all.addAll(more);
      s = rules.applyAll(s, more);
    }
    if (s.status() != SagaStatus.RUNNING && s.status() != SagaStatus.COMPENSATING) {
      return all;
    }
    for (StepState before : parked.steps()) {
      if (!before.running()) {
        continue;
      }
      StepState st = s.step(before.name());
      boolean sameAttempt =
          st.running()
              && st.compensating() == before.compensating()
              && st.attempt() == before.attempt()
              && st.deadline() == before.deadline();
      if (sameAttempt) {
        SagaEvent rearmed =
            new SagaEvent.StepStarted(
                st.name(),
                st.compensating(),
                st.attempt(),
                now,
                now + rules.spec(st.name()).timeout().toMillis(),
                now,
                st.since());
        all.add(rearmed);
        s = rules.apply(s, rearmed);
      }
    }
    return all;
  }

  /** Why the saga can no longer turn back, or null if it still can. */
  private String pointOfNoReturnPassed(InstanceState s) {
    for (String name : noReturn) {
      StepState st = s.step(name);
      String which =
          rules.spec(name).kind() == StepKind.PIVOT
              ? "the pivot '" + name + "'"
              : "step '" + name + "' (the last compensatable one; the definition has no pivot)";
      if (st.forward() == Phase.SUCCEEDED) {
        return which + " has succeeded";
      }
      if (st.forward() == Phase.RUNNING && !rules.spec(name).waits()) {
        // (a wait in flight has changed nothing: the saga may still turn back)
        return which + " is in flight";
      }
      if (s.status() == SagaStatus.PARKED
          && name.equals(s.parkedStep())
          && !s.parkedCompensation()
          && rules.spec(name).kind() == StepKind.PIVOT) {
        return which + " has an unknown outcome";
      }
    }
    return null;
  }

  private static void requireParked(SagaStatus status, OperatorAction action) {
    if (status != SagaStatus.PARKED) {
      throw new IllegalStateException(
          "the saga is " + status + "; " + action.wireName() + " needs PARKED");
    }
  }
}
