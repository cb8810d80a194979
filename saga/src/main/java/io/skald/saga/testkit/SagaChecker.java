package io.skald.saga.testkit;

import io.skald.saga.Endpoint;
import io.skald.saga.SagaDefinition;
import io.skald.saga.SagaStatus;
import io.skald.saga.StepKind;
import io.skald.saga.internal.definition.Definitions;
import io.skald.saga.internal.definition.StageSpec;
import io.skald.saga.internal.definition.StepSpec;
import io.skald.saga.internal.engine.InstanceState;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs a saga definition through every failure point and checks that it always ends completed or
 * fully compensated, with every effect applied at most once. The participants are modelled: each
 * command is executed once per idempotency key (a duplicate gets the remembered reply, as with the
 * participant helper), a compensation of a command never executed does nothing, and replies come
 * from the factories given here (an acknowledgement when none is given).
 *
 * <p>The scenarios: the happy path; each step that can fail failing by its business failure reply
 * (if one is configured) and by never answering (a timeout); every reply delivered twice; and for
 * each of these, a crash (recovery from the journal, running attempts sent again) after each
 * transition. After each scenario: the status is COMPLETED (nothing failed), COMPENSATED (something
 * failed) or, when the pivot never answered, PARKED with nothing undone (its outcome is unknown, so
 * the saga must not turn back); every step's effect happened at most once; in a completed saga
 * every step that ran applied its effect and nothing was compensated; in a compensated one exactly
 * the applied effects of compensatable steps were undone, once each, latest stage first.
 * <!-- snippet: jd-checker -->
 *
 * <pre>{@code
 * SagaChecker.Report report =
 *     SagaTestKit.of(placeOrder)
 *         .checker()
 *         .succeedsWith(Inventory.RESERVE, cmd -> new StockReserved("r-1"))
 *         .failsWith(Inventory.RESERVE, cmd -> new OutOfStock(cmd.sku()))
 *         .succeedsWith(Payments.CHARGE, cmd -> new Charged("p-1"))
 *         .failsWith(Payments.CHARGE, cmd -> new Declined("no credit"))
 *         .check(order);
 * }</pre>
 *
 * @param <D> the saga data type
 */
public final class SagaChecker<D> {
  private final SagaDefinition<D> definition;
  private final Map<Endpoint<?>, Function<Object, Object>> successes = new IdentityHashMap<>();
  private final Map<Endpoint<?>, Function<Object, Object>> failures = new IdentityHashMap<>();

  SagaChecker(SagaDefinition<D> definition) {
    this.definition = definition;
  }

  /**
   * The success reply of an endpoint's participant.
   *
   * @param endpoint the endpoint
   * @param reply builds the reply from the command
   * @param <C> the command type
   * @return this checker
   */
  @SuppressWarnings("unchecked")
  public <C> SagaChecker<D> succeedsWith(Endpoint<C> endpoint, Function<C, ?> reply) {
    successes.put(endpoint, (Function<Object, Object>) reply);
    return this;
  }

  /**
   * The business failure reply of an endpoint's participant, used when a scenario fails its step.
   *
   * @param endpoint the endpoint
   * @param reply builds the failure from the command
   * @param <C> the command type
   * @return this checker
   */
  @SuppressWarnings("unchecked")
  public <C> SagaChecker<D> failsWith(Endpoint<C> endpoint, Function<C, ?> reply) {
    failures.put(endpoint, (Function<Object, Object>) reply);
    return this;
  }

  /**
   * What the checker ran.
   *
   * @param scenarios how many scenarios ran
   * @param completed how many ended completed
   * @param compensated how many ended compensated
   */
  public record Report(int scenarios, int completed, int compensated) {}

  /** How a scenario treats a step: succeed, refuse with its failure reply, or never answer. */
  private enum Mode {
    SUCCEED,
    REFUSE,
    SILENT
  }

  private record Scenario(String failingStep, Mode mode, boolean duplicates, int crashAfter) {
    @Override
    public String toString() {
      return (failingStep == null ? "happy path" : failingStep + " " + mode)
          + (duplicates ? ", every reply twice" : "")
          + (crashAfter > 0 ? ", crash after transition " + crashAfter : "");
    }
  }

  /**
   * Runs every scenario.
   *
   * @param data the initial data
   * @return what ran
   * @throws AssertionError naming the scenario and the broken invariant
   */
  public Report check(D data) {
    List<Scenario> base = new ArrayList<>();
    base.add(new Scenario(null, Mode.SUCCEED, false, 0));
    for (StageSpec<D> stage : Definitions.stages(definition)) {
      for (StepSpec<D> step : stage.steps()) {
        if (step.kind() == StepKind.RETRIABLE) {
          continue; // retried until it succeeds: it never fails the saga
        }
        if (failures.containsKey(step.endpoint())) {
          base.add(new Scenario(step.name(), Mode.REFUSE, false, 0));
        }
        base.add(new Scenario(step.name(), Mode.SILENT, false, 0));
      }
    }
    int scenarios = 0;
    int completed = 0;
    int compensated = 0;
    for (Scenario scenario : base) {
      for (boolean duplicates : new boolean[] {false, true}) {
        Scenario plain = new Scenario(scenario.failingStep(), scenario.mode(), duplicates, 0);
        int transitions = run(plain, data).transitions;
        SagaStatus status = null;
        for (int crash = 0; crash <= transitions; crash++) {
          Scenario s = new Scenario(plain.failingStep(), plain.mode(), duplicates, crash);
          Outcome outcome = run(s, data);
          scenarios++;
          if (status != null && status != outcome.status) {
            throw new AssertionError(
                s + ": ended " + outcome.status + " but without the crash it ended " + status);
          }
          status = outcome.status;
          if (outcome.status == SagaStatus.COMPLETED) {
            completed++;
          } else {
            compensated++;
          }
        }
      }
    }
    return new Report(scenarios, completed, compensated);
  }

  private record Outcome(SagaStatus status, int transitions) {}

  /** The participants: one execution per idempotency key, effects counted per step. */
  private final class Participants {
    final Map<String, Object> replies = new HashMap<>();
    final Map<String, Integer> effects = new LinkedHashMap<>();
    final List<String> undone = new ArrayList<>();
    final Scenario scenario;

    Participants(Scenario scenario) {
      this.scenario = scenario;
    }

    /** The reply to a command, or a marker for no reply. */
    Object execute(VirtualInstance.Sent sent) {
      if (replies.containsKey(sent.idempotencyKey())) {
        return replies.get(sent.idempotencyKey());
      }
      if (sent.compensation()) {
        if (effects.getOrDefault(sent.step(), 0) > 0) {
          effects.merge(sent.step() + "/undo", 1, Integer::sum);
          undone.add(sent.step());
        }
        Object reply = reply(successes, sent);
        replies.put(sent.idempotencyKey(), reply);
        return reply;
      }
      if (sent.step().equals(scenario.failingStep())) {
        if (scenario.mode() == Mode.SILENT) {
          return NO_REPLY;
        }
        return reply(failures, sent); // a refusal: no effect, not remembered
      }
      effects.merge(sent.step(), 1, Integer::sum);
      Object reply = reply(successes, sent);
      replies.put(sent.idempotencyKey(), reply);
      return reply;
    }

    private Object reply(
        Map<Endpoint<?>, Function<Object, Object>> factories, VirtualInstance.Sent sent) {
      Function<Object, Object> factory = factories.get(sent.endpoint());
      return factory == null ? null : factory.apply(sent.command());
    }
  }

  private static final Object NO_REPLY = new Object();

  private Outcome run(Scenario scenario, D data) {
    Deque<VirtualInstance.Sent> outbox = new ArrayDeque<>();
    VirtualInstance<D> instance = new VirtualInstance<>(definition, "checked", outbox::add);
    Participants participants = new Participants(scenario);
    instance.start(data);
    boolean crashed = false;
    for (int guard = 0; guard < 100_000; guard++) {
      if (!crashed
          && scenario.crashAfter() > 0
          && instance.transitions() >= scenario.crashAfter()) {
        crashed = true;
        outbox.clear(); // what was in flight is lost with the node
        instance.crash();
        continue;
      }
      VirtualInstance.Sent sent = outbox.poll();
      if (sent != null) {
        Object reply = participants.execute(sent);
        if (reply != NO_REPLY) {
          instance.reply(sent.step(), sent.compensation(), sent.attempt(), reply);
          if (scenario.duplicates()) {
            instance.reply(sent.step(), sent.compensation(), sent.attempt(), reply);
          }
        }
        continue;
      }
      SagaStatus status = instance.state().status();
      if (status.terminal() || status == SagaStatus.PARKED) {
        break;
      }
      long next = instance.nextTimer();
      if (next < 0) {
        throw new AssertionError(scenario + ": the saga is stuck " + status + " with no timer");
      }
      instance.advanceTo(next);
    }
    verify(scenario, instance.state(), participants);
    return new Outcome(instance.state().status(), instance.transitions());
  }

  private void verify(Scenario scenario, InstanceState state, Participants participants) {
    // A silent pivot may have happened: the saga must park (outcome unknown), never compensate.
    boolean uncertainPivot =
        scenario.mode() == Mode.SILENT && stepKind(scenario.failingStep()) == StepKind.PIVOT;
    SagaStatus expected =
        scenario.failingStep() == null
            ? SagaStatus.COMPLETED
            : uncertainPivot ? SagaStatus.PARKED : SagaStatus.COMPENSATED;
    if (state.status() != expected) {
      throw new AssertionError(
          scenario
              + ": expected "
              + expected
              + " but the saga is "
              + state.status()
              + " ("
              + state.reason()
              + ")");
    }
    participants.effects.forEach(
        (what, count) -> {
          if (count != 1) {
            throw new AssertionError(scenario + ": " + what + " happened " + count + " times");
          }
        });
    List<String> undoExpected = new ArrayList<>();
    for (int stage = Definitions.stages(definition).size() - 1; stage >= 0; stage--) {
      for (StepSpec<D> step : Definitions.stages(definition).get(stage).steps()) {
        if (step.compensatable() && participants.effects.containsKey(step.name())) {
          undoExpected.add(step.name());
        }
      }
    }
    if (expected != SagaStatus.COMPENSATED) {
      if (!participants.undone.isEmpty()) {
        throw new AssertionError(
            scenario + ": " + expected + " but compensated " + participants.undone);
      }
      return;
    }
    if (!sameStagesInOrder(undoExpected, participants.undone)) {
      throw new AssertionError(
          scenario
              + ": compensated "
              + participants.undone
              + ", expected "
              + undoExpected
              + " (latest stage first)");
    }
  }

  private StepKind stepKind(String step) {
    for (StageSpec<D> stage : Definitions.stages(definition)) {
      for (StepSpec<D> spec : stage.steps()) {
        if (spec.name().equals(step)) {
          return spec.kind();
        }
      }
    }
    return null;
  }

  /** Same steps, in an order that only differs inside a parallel stage. */
  private boolean sameStagesInOrder(List<String> expected, List<String> actual) {
    if (expected.size() != actual.size()) {
      return false;
    }
    Map<String, Integer> stageOf = new HashMap<>();
    for (int i = 0; i < Definitions.stages(definition).size(); i++) {
      for (StepSpec<D> step : Definitions.stages(definition).get(i).steps()) {
        stageOf.put(step.name(), i);
      }
    }
    for (int i = 0; i < expected.size(); i++) {
      if (!stageOf.get(expected.get(i)).equals(stageOf.get(actual.get(i)))) {
        return false;
      }
    }
    return new java.util.HashSet<>(expected).equals(new java.util.HashSet<>(actual));
  }
}
