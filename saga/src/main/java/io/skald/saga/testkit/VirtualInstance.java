package io.skald.saga.testkit;

import io.skald.saga.Endpoint;
import io.skald.saga.OperatorAction;
import io.skald.saga.SagaDefinition;
import io.skald.saga.internal.SagaHeaders;
import io.skald.saga.internal.SagaJson;
import io.skald.saga.internal.definition.StepSpec;
import io.skald.saga.internal.engine.InstanceState;
import io.skald.saga.internal.engine.InstanceState.StepState;
import io.skald.saga.internal.engine.SagaEvent;
import io.skald.saga.internal.engine.Transitions;
import io.skald.saga.internal.engine.UserCodeFailed;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One saga instance run by the real rules ({@link Transitions}) on a virtual clock, without actors,
 * topics or a journal: what the entity would persist is kept in a list, what it would send is
 * handed to a callback. A {@link #crash()} rebuilds the state from the persisted events and forgets
 * what was sent, as a restarted node does.
 */
final class VirtualInstance<D> {
  /**
   * A command the instance sent; or, for a wait step ({@code awaitsSignal}), the wait that began:
   * its command is the saga data, and nothing goes out.
   */
  record Sent(
      String step,
      boolean compensation,
      int attempt,
      Endpoint<?> endpoint,
      Object command,
      String idempotencyKey,
      boolean awaitsSignal) {}

  private Transitions<D> rules;
  private final java.util.Map<Integer, Transitions<D>> versions = new java.util.HashMap<>();
  private final SagaJson json = new SagaJson();
  private final String sagaId;
  private final java.util.function.Consumer<Sent> outbox;
  private final List<SagaEvent> journal = new ArrayList<>();
  private final Set<String> sent = new HashSet<>();
  private final java.util.Map<String, Long> extended = new java.util.HashMap<>();
  private InstanceState state = InstanceState.EMPTY;
  private long now = 1_000_000L;
  private int transitions;

  VirtualInstance(
      SagaDefinition<D> definition, String sagaId, java.util.function.Consumer<Sent> outbox) {
    this.rules = new Transitions<>(definition, json);
    versions.put(definition.version(), rules);
    this.sagaId = sagaId;
    this.outbox = outbox;
  }

  SagaJson json() {
    return json;
  }

  Transitions<D> rules() {
    return rules;
  }

  InstanceState state() {
    return state;
  }

  long now() {
    return now;
  }

  int transitions() {
    return transitions;
  }

  void start(D data) {
    persist(rules.start(state, json.write(data), java.util.Map.of(), now));
  }

  /** Delivers a reply to an attempt (0: unknown); returns false if the instance ignored it. */
  boolean reply(String step, boolean compensation, int attempt, Object reply) {
    String type = reply == null ? Transitions.ACK : reply.getClass().getName();
    String body = reply == null ? "{}" : json.write(reply);
    List<SagaEvent> events = rules.onReply(state, step, compensation, attempt, type, body, now);
    persist(events);
    return !events.isEmpty();
  }

  /** Delivers a signal; returns false if the instance ignored it. */
  boolean signal(Object signal) {
    List<SagaEvent> events =
        rules.onSignal(state, signal.getClass().getName(), json.write(signal), now);
    persist(events);
    return !events.isEmpty();
  }

  /** Moves the instance to another version, as {@code SagaRunner.migrate} does. */
  void migrate(SagaDefinition<D> target) {
    Transitions<D> to =
        versions.computeIfAbsent(target.version(), v -> new Transitions<>(target, json));
    List<SagaEvent> events = to.migrate(state, rules, now); // throws if it does not fit
    rules = to;
    persist(events);
  }

  void operate(OperatorAction action) {
    persist(rules.operate(state, action, now));
  }

  /** The next time a timer of a running attempt, or the saga's deadline, falls due, or -1. */
  long nextTimer() {
    long next = -1;
    for (StepState st : state.steps()) {
      if (!running(st)) {
        continue;
      }
      long due =
          sentKey(st) != null && !sent.contains(sentKey(st)) && st.sendAt() > now
              ? st.sendAt()
              : deadline(st);
      next = next < 0 ? due : Math.min(next, due);
    }
    long saga = rules.sagaDeadline(state);
    if (saga >= 0) {
      next = next < 0 ? saga : Math.min(next, saga);
    }
    return next;
  }

  /** Moves the clock, firing due sends and deadlines in time order. */
  void advanceTo(long time) {
    while (true) {
      long next = nextTimer();
      if (next < 0 || next > time) {
        break;
      }
      now = Math.max(now, next);
      act();
      for (StepState st : List.copyOf(state.steps())) {
        if (running(st) && deadline(st) <= now) {
          persist(rules.onDeadline(state, st.name(), st.compensating(), st.attempt(), now));
        }
      }
      long saga = rules.sagaDeadline(state);
      if (saga >= 0 && saga <= now) {
        persist(rules.onSagaDeadline(state, now));
      }
    }
    now = Math.max(now, time);
    act();
  }

  /** Forgets everything but the journal, and recovers from it, as a restarted node does. */
  void crash() {
    InstanceState recovered = InstanceState.EMPTY;
    for (SagaEvent e : journal) {
      if (e instanceof SagaEvent.Started started) {
        rules = versions.get(started.runsVersion());
      } else if (e instanceof SagaEvent.Migrated migrated) {
        rules = versions.get(migrated.toVersion());
      }
      recovered = rules.apply(recovered, e);
    }
    state = recovered;
    sent.clear();
    // as the entity does: an attempt that was running gets its full timeout again from now, its
    // reply may be waiting behind the restart
    extended.clear();
    for (StepState st : state.steps()) {
      if (running(st)) {
        extended.put(sentKey(st), rules.recoveredDeadline(st, now));
      }
    }
    act();
  }

  private boolean running(StepState st) {
    return st.running()
        && (state.status() == io.skald.saga.SagaStatus.RUNNING
            || state.status() == io.skald.saga.SagaStatus.COMPENSATING);
  }

  /** When a running attempt's timer fires: its deadline, or later after a recovery. */
  private long deadline(StepState st) {
    Long later = extended.get(sentKey(st));
    return later == null ? st.deadline() : later;
  }

  private static String sentKey(StepState st) {
    return st.name() + "/" + st.compensating() + "/" + st.attempt() + "/" + st.deadline();
  }

  private void persist(List<SagaEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    for (SagaEvent e : events) {
      journal.add(e);
      state = rules.apply(state, e);
    }
    transitions++;
    act();
  }

  /** Sends the commands of running attempts that are due and were not sent. */
  private void act() {
    for (StepState st : List.copyOf(state.steps())) {
      if (!running(st) || st.sendAt() > now || !sent.add(sentKey(st))) {
        continue;
      }
      StepSpec<D> spec = rules.spec(st.name());
      boolean compensation = st.compensating();
      if (spec.waits() && !compensation) {
        outbox.accept(
            new Sent(
                st.name(), false, st.attempt(), spec.endpoint(), rules.data(state), null, true));
        continue;
      }
      Object command;
      try {
        command = rules.command(state, st);
      } catch (UserCodeFailed e) {
        // as the entity does: park on the attempt, with the cause
        persist(
            rules.commandFailed(state, st.name(), compensation, st.attempt(), e.getMessage(), now));
        return;
      }
      outbox.accept(
          new Sent(
              st.name(),
              compensation,
              st.attempt(),
              compensation ? spec.compensation() : spec.endpoint(),
              command,
              SagaHeaders.key(rules.definition().name(), sagaId, st.name(), compensation),
              false));
    }
  }
}
