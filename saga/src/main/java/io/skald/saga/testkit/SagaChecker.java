package io.skald.saga.testkit;

import io.skald.saga.Endpoint;
import io.skald.saga.OperatorAction;
import io.skald.saga.SagaDefinition;
import io.skald.saga.SagaStatus;
import io.skald.saga.StepKind;
import io.skald.saga.internal.definition.Definitions;
import io.skald.saga.internal.definition.StageSpec;
import io.skald.saga.internal.definition.StepSpec;
import io.skald.saga.internal.engine.InstanceState;
import io.skald.saga.internal.engine.InstanceState.StepState;
import io.skald.saga.internal.engine.SagaEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.Function;

/**
 * Runs a saga definition through every failure point it can meet and checks the saga invariant
 * after each: the saga ends with every step done, or with every compensatable effect that was
 * applied undone, latest stage first, and never with a pivot's or retriable step's effect applied
 * and the saga compensated; no effect is applied twice. The instance runs the real rules, with
 * virtual time; the participants are a model that really applies and undoes effects and answers by
 * the participant helper's own once-per-key rules ({@code LedgerRules}: a remembered success or
 * refusal is replayed, a command that arrives after its compensation is dropped, a compensation
 * always runs and tolerates nothing to undo). Commands and replies travel through a durable
 * network: a crash loses none of them.
 *
 * <p>The faults, each tried on each step's command (the reply of its first attempt): refused (its
 * failure reply, if {@link #failsWith} gives one); never executed and never answered; executed with
 * the reply lost; executed with the reply late (just after the timeout, after the retry went out,
 * or after everything else happened, when the saga may have turned back or ended); refused, then
 * executed when the command is delivered again; and for compensatable steps, the compensation
 * failing (with {@link #compensationFailsWith}'s reply, or silently) until the saga parks, with a
 * later step refused to make it turn back; with a {@linkplain SagaDefinition#deadline() saga
 * deadline}, executed with every reply just after it (the saga compensates or parks with the step
 * in flight). Each with every reply delivered twice, and each with a crash after every persisted
 * transition. When a saga parks, each operator action is tried (retry, skip, compensate, abort; the
 * participant's fault is fixed first, as a person would); an action the saga refuses is reported as
 * refused and followed by a retry.
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
 *     <p>Why this file is over 400 lines: the faults, the durable network and the invariant are one
 *     exploration and read best together; the participants' model is {@link ModelParticipants}.
 */
public final class SagaChecker<D> {

  private static final List<OperatorAction> ACTIONS =
      List.of(
          OperatorAction.RETRY,
          OperatorAction.SKIP,
          OperatorAction.COMPENSATE,
          OperatorAction.ABORT);
  private static final int MAX_PARKS = 4;

  /** A step that retries forever meets a fault on this many attempts, then recovers. */
  private static final int TRANSIENT_ATTEMPTS = 3;

  private final SagaDefinition<D> definition;
  private final Map<Endpoint<?>, Function<Object, Object>> successes = new IdentityHashMap<>();
  private final Map<Endpoint<?>, Function<Object, Object>> failures = new IdentityHashMap<>();
  private final Map<Endpoint<?>, Function<Object, Object>> compensationFailures =
      new IdentityHashMap<>();
  private final Map<String, StepSpec<D>> specs = new HashMap<>();
  private final Map<String, Integer> stageOf = new HashMap<>();
  private final List<StepSpec<D>> steps = new ArrayList<>();
  private SagaDefinition<D> migrationTarget;
  private final Map<String, StepSpec<D>> targetSpecs = new HashMap<>();
  private final Map<String, Integer> targetStageOf = new HashMap<>();
  private final List<StepSpec<D>> targetSteps = new ArrayList<>();

  SagaChecker(SagaDefinition<D> definition) {
    this.definition = definition;
    List<StageSpec<D>> stages = Definitions.stages(definition);
    for (int i = 0; i < stages.size(); i++) {
      for (StepSpec<D> step : stages.get(i).steps()) {
        specs.put(step.name(), step);
        stageOf.put(step.name(), i);
        steps.add(step);
        if (step.spawns()) {
          modelChildren(step);
        }
      }
    }
  }

  /**
   * A child-saga step's participant is the saga module's fan-out: it answers that every child
   * completed (with its initial data as its final data), or, as a refusal, that the quorum was out
   * of reach (the completed children compensated); its compensation is acknowledged. The children
   * themselves are checked with their own definition's checker.
   */
  private void modelChildren(StepSpec<D> step) {
    io.skald.saga.internal.SagaJson json = new io.skald.saga.internal.SagaJson();
    successes.put(
        step.endpoint(),
        command -> {
          var start = (io.skald.saga.internal.definition.ChildMessages.StartChildren) command;
          List<io.skald.saga.internal.definition.ChildMessages.ChildResult> done =
              new ArrayList<>();
          for (int i = 0; i < start.children().size(); i++) {
            done.add(
                new io.skald.saga.internal.definition.ChildMessages.ChildResult(
                    "child-" + i, SagaStatus.COMPLETED, json.write(start.children().get(i))));
          }
          return new io.skald.saga.internal.definition.ChildMessages.ChildrenCompleted(done);
        });
    failures.put(
        step.endpoint(),
        command ->
            new io.skald.saga.internal.definition.ChildMessages.ChildrenFailed(
                "a child did not complete", List.of()));
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
   * The business failure reply of an endpoint's participant, used when a scenario refuses its step.
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
   * The failure reply of a compensation's participant, used when a scenario fails that
   * compensation; without one, a failing compensation never answers (it times out).
   *
   * @param endpoint the compensation's endpoint
   * @param reply builds the failure from the compensation command
   * @param <C> the command type
   * @return this checker
   */
  @SuppressWarnings("unchecked")
  public <C> SagaChecker<D> compensationFailsWith(Endpoint<C> endpoint, Function<C, ?> reply) {
    compensationFailures.put(endpoint, (Function<Object, Object>) reply);
    return this;
  }

  /**
   * How the outside world signals a wait step ({@link SagaDefinition.Steps#awaitSignal}) when it is
   * reached, or, in one scenario, before.
   *
   * @param type the signal type a wait step declares
   * @param signal builds the signal from the saga data when the wait begins
   * @param <S> the signal type
   * @return this checker
   * @throws IllegalArgumentException if no wait step declares the type
   */
  @SuppressWarnings("unchecked")
  public <S> SagaChecker<D> signals(Class<S> type, Function<D, ? extends S> signal) {
    successes.put(waitEndpoint(type), (Function<Object, Object>) (Function<?, ?>) signal);
    return this;
  }

  /**
   * The refusal a scenario sends to a wait step instead of its signal.
   *
   * @param type a refusal type the wait step declares ({@link
   *     SagaDefinition.WaitOptions#refusedBy})
   * @param refusal builds it from the saga data
   * @param <F> the refusal type
   * @return this checker
   * @throws IllegalArgumentException if no wait step declares the type
   */
  @SuppressWarnings("unchecked")
  public <F> SagaChecker<D> refusesSignal(Class<F> type, Function<D, ? extends F> refusal) {
    failures.put(waitEndpoint(type), (Function<Object, Object>) (Function<?, ?>) refusal);
    return this;
  }

  private Endpoint<?> waitEndpoint(Class<?> type) {
    for (StepSpec<D> step : steps) {
      if (step.waits()
          && (step.endpoint().replyTypes().contains(type) || step.endpoint().isFailure(type))) {
        return step.endpoint();
      }
    }
    throw new IllegalArgumentException(
        "no step of saga '" + definition.name() + "' waits for " + type.getName());
  }

  /**
   * Also explores migrating every scenario's instance to another version of the definition after
   * each of its transitions ({@link io.skald.saga.SagaRunner#migrate}): where the migration is
   * allowed, the saga must go on to a correct end under the target's steps (give the checker the
   * replies of the target's new endpoints too); where it is refused, it goes on as it was.
   *
   * @param target another version of the definition (same name and data type)
   * @return this checker
   * @throws IllegalArgumentException if the target is not another version of the definition
   */
  public SagaChecker<D> migratingTo(SagaDefinition<D> target) {
    if (!target.name().equals(definition.name())
        || !target.dataType().equals(definition.dataType())
        || target.version() == definition.version()) {
      throw new IllegalArgumentException(
          "the target must be another version of saga '" + definition.name() + "': " + target);
    }
    migrationTarget = target;
    targetSpecs.clear();
    targetStageOf.clear();
    targetSteps.clear();
    List<StageSpec<D>> stages = Definitions.stages(target);
    for (int i = 0; i < stages.size(); i++) {
      for (StepSpec<D> step : stages.get(i).steps()) {
        targetSpecs.put(step.name(), step);
        targetStageOf.put(step.name(), i);
        targetSteps.add(step);
      }
    }
    return this;
  }

  /** A step's spec, in the source definition or else the migration target. */
  private StepSpec<D> spec(String step) {
    StepSpec<D> spec = specs.get(step);
    return spec != null ? spec : targetSpecs.get(step);
  }

  /**
   * What the checker ran.
   *
   * @param scenarios how many scenarios ran
   * @param completed how many ended completed
   * @param compensated how many ended compensated
   * @param aborted how many an operator aborted
   */
  public record Report(int scenarios, int completed, int compensated, int aborted) {}

  /** What goes wrong with a step's command in a scenario. */
  enum Fault {
    NONE("happy path"),
    REFUSED("refused"),
    NOT_EXECUTED("never executed, never answered"),
    REPLY_LOST("executed, reply lost"),
    REPLY_AFTER_TIMEOUT("executed, reply just after the timeout"),
    REPLY_AFTER_RETRY("executed, reply after the retry went out"),
    REPLY_LAST("executed, reply after everything else"),
    REFUSED_THEN_EXECUTED("refused, then executed when delivered again"),
    REPLY_AFTER_SAGA_DEADLINE("executed, every reply just after the saga's deadline"),
    SIGNAL_BEFORE_WAIT("signalled before its wait was reached"),
    COMPENSATION_FAILS("its compensation fails until an operator acts");

    final String label;

    Fault(String label) {
      this.label = label;
    }
  }

  private record Scenario(
      String step,
      Fault fault,
      String trigger,
      boolean duplicates,
      int crashAfter,
      OperatorAction firstAction,
      boolean reversed) {
    @Override
    public String toString() {
      return (step == null ? "happy path" : step + " " + fault.label)
          + (trigger == null ? "" : " (" + trigger + " refused)")
          + (duplicates ? ", every reply twice" : "")
          + (reversed ? ", simultaneous messages in reverse order" : "")
          + (crashAfter > 0 ? ", crash after transition " + crashAfter : "")
          + (firstAction == null ? "" : ", operator " + firstAction.wireName() + " when parked");
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
    boolean parallel = Definitions.stages(definition).stream().anyMatch(s -> s.steps().size() > 1);
    int[] counts = new int[4];
    for (Scenario base : baseScenarios()) {
      for (boolean duplicates : new boolean[] {false, true}) {
        for (boolean reversed : parallel ? new boolean[] {false, true} : new boolean[] {false}) {
          Scenario plain =
              new Scenario(
                  base.step(), base.fault(), base.trigger(), duplicates, 0, null, reversed);
          Outcome first = run(plain, data);
          for (int crash = 0; crash <= first.transitions(); crash++) {
            Scenario crashed =
                new Scenario(
                    base.step(), base.fault(), base.trigger(), duplicates, crash, null, reversed);
            Outcome outcome = crash == 0 ? first : run(crashed, data);
            count(counts, outcome);
            if (outcome.parked()) {
              for (OperatorAction action : ACTIONS.subList(1, ACTIONS.size())) {
                count(
                    counts,
                    run(
                        new Scenario(
                            base.step(),
                            base.fault(),
                            base.trigger(),
                            duplicates,
                            crash,
                            action,
                            reversed),
                        data));
              }
            }
          }
        }
      }
    }
    if (migrationTarget != null) {
      // a wait's endpoint belongs to its definition: the target's waits are signalled alike
      for (StepSpec<D> wait : targetSteps) {
        for (StepSpec<D> own : steps) {
          if (wait.waits() && own.waits() && wait.signal().equals(own.signal())) {
            if (successes.containsKey(own.endpoint())) {
              successes.putIfAbsent(wait.endpoint(), successes.get(own.endpoint()));
            }
            if (failures.containsKey(own.endpoint())) {
              failures.putIfAbsent(wait.endpoint(), failures.get(own.endpoint()));
            }
          }
        }
      }
      for (Scenario base : baseScenarios()) {
        Scenario plain =
            new Scenario(base.step(), base.fault(), base.trigger(), false, 0, null, false);
        int transitions = run(plain, data).transitions();
        for (int after = 1; after <= transitions; after++) {
          count(counts, run(plain, data, after));
        }
      }
    }
    return new Report(counts[0], counts[1], counts[2], counts[3]);
  }

  private static void count(int[] counts, Outcome outcome) {
    counts[0]++;
    if (outcome.status() == SagaStatus.COMPLETED) {
      counts[1]++;
    } else if (outcome.status() == SagaStatus.COMPENSATED) {
      counts[2]++;
    } else {
      counts[3]++;
    }
  }

  private List<Scenario> baseScenarios() {
    List<Scenario> out = new ArrayList<>();
    out.add(new Scenario(null, Fault.NONE, null, false, 0, null, false));
    for (StepSpec<D> step : steps) {
      boolean refusable = failures.containsKey(step.endpoint());
      if (step.waits() && !successes.containsKey(step.endpoint())) {
        throw new IllegalArgumentException(
            "step '"
                + step.name()
                + "' waits for "
                + step.signal().getSimpleName()
                + ": tell the checker how it is signalled with signals(...)");
      }
      for (Fault fault : Fault.values()) {
        if (step.waits()
            ? fault == Fault.REPLY_LOST // for a signal, the same as never signalled
                || fault == Fault.REPLY_AFTER_RETRY // a wait is not retried
                || fault == Fault.COMPENSATION_FAILS // nor compensated
            : fault == Fault.SIGNAL_BEFORE_WAIT) {
          continue;
        }
        if (fault == Fault.NONE
            || ((fault == Fault.REFUSED || fault == Fault.REFUSED_THEN_EXECUTED) && !refusable)
            || (step.kind() == StepKind.RETRIABLE && fault == Fault.COMPENSATION_FAILS)
            || (fault == Fault.REPLY_AFTER_SAGA_DEADLINE && definition.deadline().isEmpty())) {
          continue;
        }
        if (fault == Fault.COMPENSATION_FAILS) {
          String trigger = laterRefusable(step);
          if (step.compensatable() && trigger != null) {
            out.add(new Scenario(step.name(), fault, trigger, false, 0, null, false));
          }
          continue;
        }
        out.add(new Scenario(step.name(), fault, null, false, 0, null, false));
      }
    }
    return out;
  }

  private static boolean infinite(StepSpec<?> step) {
    return step.retry().maxAttempts() == Integer.MAX_VALUE;
  }

  /** A step after this one that can be refused (so that the saga turns back), or null. */
  private String laterRefusable(StepSpec<D> step) {
    for (StepSpec<D> later : steps) {
      if (stageOf.get(later.name()) > stageOf.get(step.name())
          && later.kind() != StepKind.RETRIABLE
          && failures.containsKey(later.endpoint())) {
        return later.name();
      }
    }
    return null;
  }

  private record Outcome(SagaStatus status, int transitions, boolean parked) {}

  /** A command or a reply on its way, delivered at {@code at}; ties by {@code order}. */
  private record Message(long at, long order, VirtualInstance.Sent command, Reply reply) {}

  private record Reply(
      String step, boolean compensation, int attempt, Object body, boolean signal) {}

  private Outcome run(Scenario scenario, D data) {
    return run(scenario, data, 0);
  }

  private Outcome run(Scenario scenario, D data, int migrateAfter) {
    String label =
        scenario
            + (migrateAfter == 0
                ? ""
                : ", migrated to version "
                    + migrationTarget.version()
                    + " after transition "
                    + migrateAfter);
    PriorityQueue<Message> network =
        new PriorityQueue<>(
            (a, b) ->
                a.at() != b.at()
                    ? Long.compare(a.at(), b.at())
                    : scenario.reversed()
                        ? Long.compare(b.order(), a.order())
                        : Long.compare(a.order(), b.order()));
    List<Reply> stragglers = new ArrayList<>();
    long[] order = {0};
    VirtualInstance<D>[] holder = newHolder();
    VirtualInstance<D> instance =
        new VirtualInstance<>(
            definition,
            "checked",
            sent -> network.add(new Message(holder[0].now(), order[0]++, sent, null)));
    holder[0] = instance;
    ModelParticipants participants =
        new ModelParticipants(
            definition.name(),
            label,
            scenario.step(),
            scenario.fault(),
            scenario.trigger(),
            (step, attempt) -> !infinite(spec(step)) || attempt <= TRANSIENT_ATTEMPTS,
            successes,
            failures,
            compensationFailures);
    takeable.clear();
    instance.start(data);
    if (scenario.fault() == Fault.SIGNAL_BEFORE_WAIT) {
      // the outside world answers before the saga asks: the signal must be kept, not lost
      StepSpec<D> wait = specs.get(scenario.step());
      Reply early =
          new Reply(wait.name(), false, 0, successes.get(wait.endpoint()).apply(data), true);
      network.add(new Message(instance.now(), order[0]++, null, early));
      if (scenario.duplicates()) {
        network.add(new Message(instance.now(), order[0]++, null, early));
      }
    }
    boolean crashed = false;
    boolean migrated = false;
    boolean everParked = false;
    boolean delayedOnce = false;
    boolean redelivered = false;
    int parks = 0;
    for (int guard = 0; ; guard++) {
      if (guard > 20_000) {
        throw new AssertionError(
            label + ": does not end (20,000 deliveries); " + describe(instance.state()));
      }
      if (!migrated && migrateAfter > 0 && instance.transitions() >= migrateAfter) {
        migrated = true;
        try {
          instance.migrate(migrationTarget);
        } catch (IllegalStateException refused) {
          // its past does not fit the target: it goes on under its own version
        }
        continue;
      }
      if (!crashed
          && scenario.crashAfter() > 0
          && instance.transitions() >= scenario.crashAfter()) {
        crashed = true;
        instance.crash(); // what is in the network stays there: topics are durable
        continue;
      }
      long timer = instance.nextTimer();
      Message next = network.peek();
      if (next != null && (timer < 0 || next.at() <= timer)) {
        network.poll();
        instance.advanceTo(next.at());
        if (next.command() != null) {
          VirtualInstance.Sent sent = next.command();
          Object reply = participants.execute(sent);
          if (!sent.compensation()
              && !redelivered
              && sent.step().equals(scenario.step())
              && scenario.fault() == Fault.REFUSED_THEN_EXECUTED) {
            redelivered = true;
            // delivered again, as after the participant crashed before it committed the record
            network.add(new Message(instance.now(), order[0]++, sent, null));
          }
          if (reply != ModelParticipants.NO_REPLY) {
            Reply answer =
                new Reply(
                    sent.step(), sent.compensation(), sent.attempt(), reply, sent.awaitsSignal());
            long at = instance.now();
            boolean faulty =
                !sent.compensation() && sent.step().equals(scenario.step()) && !delayedOnce;
            if (faulty && delays(scenario.fault())) {
              // every attempt answers only after the saga's deadline; the others fault once
              delayedOnce = scenario.fault() != Fault.REPLY_AFTER_SAGA_DEADLINE;
              StepSpec<D> spec = spec(sent.step());
              switch (scenario.fault()) {
                case REPLY_LOST:
                  continue;
                case REPLY_AFTER_TIMEOUT:
                  at += spec.timeout().toMillis() + 1;
                  break;
                case REPLY_AFTER_RETRY:
                  at += spec.timeout().toMillis() + spec.retry().delayAfter(1).toMillis() + 1;
                  break;
                case REPLY_AFTER_SAGA_DEADLINE:
                  // the step is still running when the whole saga runs out of time
                  at =
                      Math.max(
                          at,
                          instance.state().startedAt()
                              + definition.deadline().get().within().toMillis()
                              + 1);
                  break;
                default:
                  stragglers.add(answer);
                  continue;
              }
            }
            network.add(new Message(at, order[0]++, null, answer));
            if (scenario.duplicates()) {
              network.add(new Message(at, order[0]++, null, answer));
            }
          }
        } else {
          deliver(instance, next.reply());
        }
        continue;
      }
      SagaStatus status = instance.state().status();
      if (status == SagaStatus.PARKED) {
        everParked = true;
        if (!stragglers.isEmpty()) {
          deliverStragglers(instance, stragglers, scenario);
          continue;
        }
        if (++parks > MAX_PARKS) {
          throw new AssertionError(
              label
                  + ": parks again after every operator action ("
                  + instance.state().reason()
                  + "); "
                  + describe(instance.state()));
        }
        participants.fixed = true; // a person fixed what failed, then acts
        OperatorAction action =
            parks == 1 && scenario.firstAction() != null
                ? scenario.firstAction()
                : OperatorAction.RETRY;
        try {
          instance.operate(action);
        } catch (IllegalStateException refused) {
          instance.operate(OperatorAction.RETRY);
        }
        continue;
      }
      if (timer >= 0) {
        instance.advanceTo(timer);
        continue;
      }
      if (!stragglers.isEmpty()) {
        deliverStragglers(instance, stragglers, scenario);
        continue;
      }
      if (!status.terminal()) {
        throw new AssertionError(
            label + ": the saga is stuck " + status + "; " + describe(instance.state()));
      }
      break;
    }
    verify(label, instance.state(), participants);
    return new Outcome(instance.state().status(), instance.transitions(), everParked);
  }

  @SuppressWarnings("unchecked")
  private VirtualInstance<D>[] newHolder() {
    return (VirtualInstance<D>[]) new VirtualInstance<?>[1];
  }

  private static boolean delays(Fault fault) {
    return fault == Fault.REPLY_LOST
        || fault == Fault.REPLY_AFTER_TIMEOUT
        || fault == Fault.REPLY_AFTER_RETRY
        || fault == Fault.REPLY_AFTER_SAGA_DEADLINE
        || fault == Fault.REPLY_LAST;
  }

  private void deliverStragglers(
      VirtualInstance<D> instance, List<Reply> stragglers, Scenario scenario) {
    for (Reply r : List.copyOf(stragglers)) {
      deliver(instance, r);
      if (scenario.duplicates()) {
        deliver(instance, r);
      }
    }
    stragglers.clear();
  }

  /**
   * A signal delivered when its wait could take it (running, ahead, or parked on it), and how many
   * events the instance had written before it.
   */
  private record Taken(String step, long at, long position) {}

  private final List<Taken> takeable = new ArrayList<>();

  private void deliver(VirtualInstance<D> instance, Reply r) {
    if (r.signal()) {
      InstanceState s = instance.state();
      StepState st = s.step(r.step());
      boolean couldTake =
          (s.status() == SagaStatus.RUNNING
                  && (st.forward() == InstanceState.Phase.PENDING
                      || st.forward() == InstanceState.Phase.RUNNING))
              || (s.status() == SagaStatus.PARKED
                  && (st.forward() == InstanceState.Phase.PENDING
                      || (r.step().equals(s.parkedStep()) && !s.parkedCompensation())));
      if (couldTake) {
        takeable.add(new Taken(r.step(), instance.now(), s.history().size() + s.historyDropped()));
      }
      instance.signal(r.body());
    } else {
      instance.reply(r.step(), r.compensation(), r.attempt(), r.body());
    }
  }

  private void verify(String scenario, InstanceState state, ModelParticipants participants) {
    // the shape of the version the instance ended under
    boolean target = migrationTarget != null && state.version() == migrationTarget.version();
    Map<String, StepSpec<D>> specs = target ? targetSpecs : this.specs;
    Map<String, Integer> stageOf = target ? targetStageOf : this.stageOf;
    List<StepSpec<D>> steps = target ? targetSteps : this.steps;
    List<String> broken = new ArrayList<>(participants.violations);
    Set<String> skippedByOperator = new HashSet<>();
    for (SagaEvent e : state.history()) {
      if (e instanceof SagaEvent.StepSucceeded s && "skipped by an operator".equals(s.reply())) {
        skippedByOperator.add(s.step() + (s.compensation() ? "/undo" : ""));
      }
    }
    SagaStatus status = state.status();
    Set<String> signalled = new HashSet<>();
    for (SagaEvent e : state.history()) {
      if (e instanceof SagaEvent.StepSucceeded s
          && !s.compensation()
          && specs.get(s.step()).waits()
          && s.reply().equals(specs.get(s.step()).signal().getSimpleName())) {
        signalled.add(s.step());
      }
    }
    long position = state.historyDropped();
    for (SagaEvent e : state.history()) {
      position++;
      String timedOut = null;
      if (e instanceof SagaEvent.StepFailed f
          && !f.compensation()
          && !f.business()
          && specs.get(f.step()).waits()
          && f.reason().startsWith("received no")) {
        timedOut = f.step();
      } else if (e instanceof SagaEvent.Parked p
          && !p.compensation()
          && specs.get(p.step()).waits()
          && p.reason().contains("received no")) {
        timedOut = p.step();
      }
      for (Taken t : takeable) {
        if (t.step().equals(timedOut) && t.position() < position) {
          broken.add(
              "the wait '"
                  + timedOut
                  + "' timed out although its signal came at "
                  + t.at()
                  + ", when it could take it (lost?)");
        }
      }
    }
    if (status == SagaStatus.COMPLETED) {
      for (StepState st : state.steps()) {
        if (specs.get(st.name()).waits()) {
          if (st.forward() != InstanceState.Phase.SKIPPED
              && !skippedByOperator.contains(st.name())
              && !signalled.contains(st.name())) {
            broken.add("COMPLETED but the wait '" + st.name() + "' passed without its signal");
          }
          continue;
        }
        if (st.forward() != InstanceState.Phase.SKIPPED
            && !skippedByOperator.contains(st.name())
            && !participants.applied.contains(st.name())) {
          broken.add("COMPLETED but the effect of '" + st.name() + "' is not in place");
        }
      }
      if (!participants.undone.isEmpty()) {
        broken.add("COMPLETED but compensated " + participants.undone);
      }
    } else if (status == SagaStatus.COMPENSATED) {
      for (StepSpec<D> step : steps) {
        String name = step.name();
        if (!step.compensatable() && participants.everApplied.contains(name)) {
          broken.add(
              "COMPENSATED although the "
                  + (step.kind() == StepKind.PIVOT ? "pivot" : "retriable step")
                  + " '"
                  + name
                  + "' was applied: its effect stays without the steps before it");
        } else if (participants.applied.contains(name)
            && !skippedByOperator.contains(name + "/undo")) {
          broken.add("COMPENSATED but the effect of '" + name + "' is still in place");
        }
      }
      for (int i = 1; i < participants.undone.size(); i++) {
        if (stageOf.get(participants.undone.get(i)) > stageOf.get(participants.undone.get(i - 1))) {
          broken.add("compensated out of order: " + participants.undone + " (latest stage first)");
          break;
        }
      }
    } else if (status != SagaStatus.ABORTED) {
      broken.add("ended " + status);
    }
    if (!broken.isEmpty()) {
      throw new AssertionError(
          scenario + ": " + String.join("; ", broken) + "; " + describe(state));
    }
  }

  private static String describe(InstanceState state) {
    List<String> history = io.skald.saga.internal.engine.InstanceViews.history(state);
    return "the saga is "
        + state.status()
        + (state.reason() == null ? "" : " (" + state.reason() + ")")
        + ", history "
        + (history.size() <= 40
            ? history
            : "[... "
                + (history.size() - 40)
                + " more, "
                + history.subList(history.size() - 40, history.size())
                + "]");
  }
}
