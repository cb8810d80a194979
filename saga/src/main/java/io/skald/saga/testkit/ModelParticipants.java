package io.skald.saga.testkit;

import io.skald.saga.Endpoint;
import io.skald.saga.internal.SagaHeaders;
import io.skald.saga.internal.engine.LedgerRules;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * The checker's participants: they apply and undo effects, and answer by the participant helper's
 * own once-per-key rules ({@link LedgerRules}), with the scenario's fault on one step.
 */
final class ModelParticipants {
  /** No reply at all (the command was dropped, never executed, or its reply is lost). */
  static final Object NO_REPLY = new Object();

  /** An acknowledgement, as the model's ledger remembers it. */
  private static final Object ACK = new Object();

  private final String sagaName;
  private final String scenario;
  private final String faultyStep;
  private final SagaChecker.Fault fault;
  private final String trigger;
  private final BiPredicate<String, Integer> faultApplies;
  private final Map<Endpoint<?>, Function<Object, Object>> successes;
  private final Map<Endpoint<?>, Function<Object, Object>> failures;
  private final Map<Endpoint<?>, Function<Object, Object>> compensationFailures;
  final Map<String, Object> ledger = new HashMap<>();
  final Set<String> applied = new LinkedHashSet<>();
  final Set<String> everApplied = new HashSet<>();
  final List<String> undone = new ArrayList<>();
  final List<String> violations = new ArrayList<>();
  final Map<String, Integer> executions = new HashMap<>();
  boolean fixed;

  /**
   * The participants of one scenario.
   *
   * @param sagaName the saga
   * @param scenario the scenario, for messages
   * @param faultyStep the step the fault is on, or null
   * @param fault the fault
   * @param trigger a later step refused to make the saga turn back, or null
   * @param faultApplies whether the fault applies to an attempt of a step (a step that retries
   *     forever recovers)
   * @param successes success replies by endpoint
   * @param failures refusals by endpoint
   * @param compensationFailures compensation failures by endpoint
   */
  ModelParticipants(
      String sagaName,
      String scenario,
      String faultyStep,
      SagaChecker.Fault fault,
      String trigger,
      BiPredicate<String, Integer> faultApplies,
      Map<Endpoint<?>, Function<Object, Object>> successes,
      Map<Endpoint<?>, Function<Object, Object>> failures,
      Map<Endpoint<?>, Function<Object, Object>> compensationFailures) {
    this.sagaName = sagaName;
    this.scenario = scenario;
    this.faultyStep = faultyStep;
    this.fault = fault;
    this.trigger = trigger;
    this.faultApplies = faultApplies;
    this.successes = successes;
    this.failures = failures;
    this.compensationFailures = compensationFailures;
  }

  /** Runs a delivered command; returns its reply, or {@link #NO_REPLY}. */
  Object execute(VirtualInstance.Sent sent) {
    if (sent.awaitsSignal()) {
      return signal(sent);
    }
    String key = sent.idempotencyKey();
    String counterpart = SagaHeaders.key(sagaName, "checked", sent.step(), !sent.compensation());
    Object known = LedgerRules.remembered(ledger, key, sent.attempt());
    switch (LedgerRules.decide(known, ledger.containsKey(counterpart), sent.compensation())) {
      case REPLAY:
        return known == ACK ? null : known;
      case DROP:
        return NO_REPLY;
      default:
        break;
    }
    boolean faulty =
        sent.step().equals(faultyStep) && faultApplies.test(sent.step(), sent.attempt());
    int execution = executions.merge(sent.step() + "/" + sent.compensation(), 1, Integer::sum);
    if (sent.compensation()) {
      if (faulty && fault == SagaChecker.Fault.COMPENSATION_FAILS && !fixed) {
        return compensationFailures.containsKey(sent.endpoint())
            ? remember(key, sent.attempt(), true, reply(compensationFailures, sent))
            : NO_REPLY;
      }
      if (applied.remove(sent.step())) {
        undone.add(sent.step());
      }
      return remember(key, sent.attempt(), false, reply(successes, sent));
    }
    boolean refuses =
        (faulty && fault == SagaChecker.Fault.REFUSED)
            || sent.step().equals(trigger)
            || (faulty && fault == SagaChecker.Fault.REFUSED_THEN_EXECUTED && execution == 1);
    if (refuses) {
      return remember(key, sent.attempt(), true, reply(failures, sent));
    }
    if (faulty && fault == SagaChecker.Fault.NOT_EXECUTED && !fixed) {
      return NO_REPLY;
    }
    if (!applied.add(sent.step())) {
      violations.add(
          "step '" + sent.step() + "' was applied twice (attempt " + sent.attempt() + ")");
    }
    everApplied.add(sent.step());
    return remember(key, sent.attempt(), false, reply(successes, sent));
  }

  /** The outside world's answer to a wait that began: its signal, a refusal, or nothing. */
  private Object signal(VirtualInstance.Sent wait) {
    boolean faulty = wait.step().equals(faultyStep);
    int execution = executions.merge(wait.step() + "/signal", 1, Integer::sum);
    if (faulty && fault == SagaChecker.Fault.SIGNAL_BEFORE_WAIT) {
      return NO_REPLY; // it came before the wait began
    }
    boolean refuses =
        (faulty && fault == SagaChecker.Fault.REFUSED)
            || wait.step().equals(trigger)
            || (faulty && fault == SagaChecker.Fault.REFUSED_THEN_EXECUTED && execution == 1);
    if (refuses) {
      return reply(failures, wait);
    }
    if (faulty && fault == SagaChecker.Fault.NOT_EXECUTED && !fixed) {
      return NO_REPLY;
    }
    return reply(successes, wait);
  }

  private Object remember(String key, int attempt, boolean refusal, Object reply) {
    ledger.put(LedgerRules.memoryKey(key, attempt, refusal), reply == null ? ACK : reply);
    return reply;
  }

  private Object reply(
      Map<Endpoint<?>, Function<Object, Object>> factories, VirtualInstance.Sent sent) {
    Function<Object, Object> factory = factories.get(sent.endpoint());
    try {
      return factory == null ? null : factory.apply(sent.command());
    } catch (RuntimeException e) {
      throw new AssertionError(
          scenario
              + ": the participant of "
              + sent.endpoint().name()
              + " cannot handle the "
              + (sent.compensation() ? "compensation " : "command ")
              + sent.command()
              + " of step '"
              + sent.step()
              + "': "
              + e,
          e);
    }
  }
}
