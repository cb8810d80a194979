package io.skald.saga.internal.definition;

import io.skald.framework.consumer.RetryPolicy;
import io.skald.saga.Endpoint;
import io.skald.saga.FailureAction;
import io.skald.saga.InvalidSagaDefinitionException;
import io.skald.saga.SagaDefinition;
import io.skald.saga.StepKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * INTERNAL API: the mutable builder behind the saga DSL. The stage interfaces of {@link
 * SagaDefinition} fix the order of calls; {@link #build()} checks the rules that types cannot.
 *
 * @param <D> the data type
 *     <p>Why this file is about 400 lines: it implements every stage interface of the DSL, each
 *     method a few lines of validation; splitting it would scatter the one builder over as many
 *     classes.
 */
public final class DefinitionBuilder<D> implements SagaDefinition.Steps<D> {
  private static final Pattern LEGAL_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,100}");

  /** The default retry of a retriable step: forever, 200 ms doubling to 30 s. */
  static final RetryPolicy RETRY_FOREVER =
      RetryPolicy.exponential(Duration.ofMillis(200), Duration.ofSeconds(30), 2.0)
          .withMaxAttempts(Integer.MAX_VALUE);

  /** The default retry of a compensation: 10 attempts, 200 ms doubling to 30 s. */
  static final RetryPolicy COMPENSATION_RETRY =
      RetryPolicy.exponential(Duration.ofMillis(200), Duration.ofSeconds(30), 2.0)
          .withMaxAttempts(10);

  private final String name;
  private final Class<D> dataType;
  private final List<StageDraft<D>> stages = new ArrayList<>();
  private io.skald.saga.SagaDeadline deadline;
  private int version;

  private DefinitionBuilder(String name, Class<D> dataType) {
    this.name = name;
    this.dataType = dataType;
  }

  /**
   * Starts a definition.
   *
   * @param name the saga name
   * @param dataType the data type
   * @param <D> the data type
   * @return the builder
   */
  public static <D> SagaDefinition.Steps<D> start(String name, Class<D> dataType) {
    if (name == null || !LEGAL_NAME.matcher(name).matches()) {
      throw new InvalidSagaDefinitionException(
          "saga name '" + name + "' must be 1 to 100 characters from [a-zA-Z0-9._-]");
    }
    Objects.requireNonNull(dataType, "dataType");
    return new DefinitionBuilder<>(name, dataType);
  }

  private record StageDraft<D>(String name, List<StepDraft<D>> steps, boolean parallel) {}

  /** A step being declared. */
  private static final class StepDraft<D> {
    final String name;
    StepKind kind = StepKind.COMPENSATABLE;
    boolean kindSetTwice;
    Endpoint<?> endpoint;
    Function<D, ?> command;
    final Map<Class<?>, BiFunction<D, Object, D>> replyHandlers = new LinkedHashMap<>();
    final Map<Class<?>, FailureAction> failureActions = new LinkedHashMap<>();
    final Map<Class<?>, BiFunction<D, Object, D>> failureHandlers = new LinkedHashMap<>();
    Endpoint<?> compensation;
    Function<D, ?> compensationCommand;
    Duration timeout = SagaDefinition.DEFAULT_TIMEOUT;
    RetryPolicy retry;
    RetryPolicy compensationRetry = COMPENSATION_RETRY;
    Predicate<D> condition;
    Class<?> signal;
    final List<Class<?>> refusals = new ArrayList<>();
    boolean timeoutSet;
    final List<String> problems = new ArrayList<>();

    StepDraft(String name) {
      this.name = name;
    }

    void kind(StepKind newKind) {
      kindSetTwice |= kind != StepKind.COMPENSATABLE;
      kind = newKind;
    }

    StepSpec<D> toSpec(String sagaName) {
      RetryPolicy forward =
          signal != null
              ? RetryPolicy.none() // a wait is not retried: a person or another system signals
              : retry != null
                  ? retry
                  : kind == StepKind.RETRIABLE ? RETRY_FOREVER : RetryPolicy.none();
      if (signal != null) {
        // the outside world, as the wait's endpoint: the signal is its reply, refusals failures
        endpoint =
            Endpoint.of(name, sagaName + ".signals", signal)
                .replies(signal)
                .failures(refusals.toArray(Class<?>[]::new));
      }
      return new StepSpec<>(
          name,
          kind,
          endpoint,
          command,
          replyHandlers,
          failureActions,
          failureHandlers,
          compensation,
          compensationCommand,
          timeout,
          forward,
          compensationRetry,
          condition,
          signal);
    }
  }

  @Override
  public SagaDefinition.StepInvoke<D, SagaDefinition.StepOptions<D>> step(String stepName) {
    StepDraft<D> draft = new StepDraft<>(stepName);
    stages.add(new StageDraft<>(stepName, List.of(draft), false));
    return new Invoke<>(draft, new SequentialOptions(draft));
  }

  @Override
  public <S> SagaDefinition.WaitOptions<D, S> awaitSignal(String stepName, Class<S> signal) {
    StepDraft<D> draft = new StepDraft<>(stepName);
    draft.signal = Objects.requireNonNull(signal, "signal");
    stages.add(new StageDraft<>(stepName, List.of(draft), false));
    return new Wait<>(draft);
  }

  /** A wait step's options. */
  private final class Wait<S> implements SagaDefinition.WaitOptions<D, S> {
    private final StepDraft<D> draft;

    Wait(StepDraft<D> draft) {
      this.draft = draft;
    }

    @Override
    @SuppressWarnings("unchecked")
    public SagaDefinition.WaitOptions<D, S> onSignal(BiFunction<D, S, D> handler) {
      draft.replyHandlers.put(
          draft.signal, (BiFunction<D, Object, D>) Objects.requireNonNull(handler, "handler"));
      return this;
    }

    @Override
    public SagaDefinition.WaitOptions<D, S> refusedBy(Class<?> type) {
      Objects.requireNonNull(type, "type");
      if (type.equals(draft.signal) || draft.refusals.contains(type)) {
        draft.problems.add("declares " + type.getSimpleName() + " twice among its signals");
      }
      draft.refusals.add(type);
      draft.failureActions.put(type, FailureAction.COMPENSATE);
      return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <F> SagaDefinition.WaitOptions<D, S> refusedBy(
        Class<F> type, BiFunction<D, F, D> handler) {
      refusedBy(type);
      draft.failureHandlers.put(
          type, (BiFunction<D, Object, D>) Objects.requireNonNull(handler, "handler"));
      return this;
    }

    @Override
    public SagaDefinition.WaitOptions<D, S> timeout(Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        draft.problems.add("has a timeout that is not positive: " + timeout);
      } else {
        draft.timeout = timeout;
        draft.timeoutSet = true;
      }
      return this;
    }

    @Override
    public SagaDefinition.WaitOptions<D, S> when(Predicate<D> predicate) {
      draft.condition = Objects.requireNonNull(predicate, "predicate");
      return this;
    }

    @Override
    public SagaDefinition.StepInvoke<D, SagaDefinition.StepOptions<D>> step(String stepName) {
      return DefinitionBuilder.this.step(stepName);
    }

    @Override
    public SagaDefinition.ParallelStart<D> parallel(String stageName) {
      return DefinitionBuilder.this.parallel(stageName);
    }

    @Override
    public <T> SagaDefinition.WaitOptions<D, T> awaitSignal(String stepName, Class<T> signal) {
      return DefinitionBuilder.this.awaitSignal(stepName, signal);
    }

    @Override
    public SagaDefinition.Steps<D> deadline(
        Duration within, io.skald.saga.SagaDeadline.Action action) {
      return DefinitionBuilder.this.deadline(within, action);
    }

    @Override
    public SagaDefinition.Steps<D> version(int newVersion) {
      return DefinitionBuilder.this.version(newVersion);
    }

    @Override
    public SagaDefinition<D> build() {
      return DefinitionBuilder.this.build();
    }
  }

  @Override
  public SagaDefinition.Steps<D> version(int newVersion) {
    if (version != 0) {
      throw invalid("declares its version twice");
    }
    if (newVersion < 1) {
      throw invalid("has a version below 1: " + newVersion);
    }
    version = newVersion;
    return this;
  }

  @Override
  public SagaDefinition.Steps<D> deadline(
      java.time.Duration within, io.skald.saga.SagaDeadline.Action action) {
    if (deadline != null) {
      throw invalid("declares a saga deadline twice");
    }
    try {
      deadline = new io.skald.saga.SagaDeadline(within, action);
    } catch (NullPointerException | InvalidSagaDefinitionException e) {
      throw invalid("has an invalid deadline: " + e.getMessage());
    }
    return this;
  }

  @Override
  public SagaDefinition.ParallelStart<D> parallel(String stageName) {
    StageDraft<D> stage = new StageDraft<>(stageName, new ArrayList<>(), true);
    stages.add(stage);
    return branchName -> {
      StepDraft<D> draft = new StepDraft<>(branchName);
      stage.steps().add(draft);
      return new Invoke<>(draft, new BranchOptionsImpl(draft, stage));
    };
  }

  /** Sets a step's command and hands on its options. */
  private static final class Invoke<D, S> implements SagaDefinition.StepInvoke<D, S> {
    private final StepDraft<D> draft;
    private final S options;

    Invoke(StepDraft<D> draft, S options) {
      this.draft = draft;
      this.options = options;
    }

    @Override
    public <C> S invoke(Endpoint<C> endpoint, Function<D, C> command) {
      draft.endpoint = Objects.requireNonNull(endpoint, "endpoint");
      draft.command = Objects.requireNonNull(command, "command");
      return options;
    }
  }

  /** The options shared by steps and branches; {@code self} is the stage to return to. */
  private abstract static class Settings<D, S> implements SagaDefinition.StepSettings<D, S> {
    final StepDraft<D> draft;

    Settings(StepDraft<D> draft) {
      this.draft = draft;
    }

    abstract S self();

    @Override
    @SuppressWarnings("unchecked")
    public <R> S onReply(Class<R> type, BiFunction<D, R, D> handler) {
      Objects.requireNonNull(handler, "handler");
      if (!draft.endpoint.replyTypes().contains(type)) {
        draft.problems.add(
            "handles reply "
                + type.getSimpleName()
                + " that endpoint '"
                + draft.endpoint.name()
                + "' does not declare (add it with replies(...))");
      }
      draft.replyHandlers.put(type, (BiFunction<D, Object, D>) handler);
      return self();
    }

    @Override
    public S onFailure(Class<?> type, FailureAction action) {
      if (!draft.endpoint.isFailure(type)) {
        draft.problems.add(
            "handles failure "
                + type.getSimpleName()
                + " that endpoint '"
                + draft.endpoint.name()
                + "' does not declare (add it with failures(...))");
      }
      draft.failureActions.put(type, Objects.requireNonNull(action, "action"));
      return self();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <F> S onFailure(Class<F> type, FailureAction action, BiFunction<D, F, D> handler) {
      onFailure(type, action);
      draft.failureHandlers.put(
          type, (BiFunction<D, Object, D>) Objects.requireNonNull(handler, "handler"));
      return self();
    }

    @Override
    public <C> S compensateWith(Endpoint<C> endpoint, Function<D, C> command) {
      draft.compensation = Objects.requireNonNull(endpoint, "endpoint");
      draft.compensationCommand = Objects.requireNonNull(command, "command");
      return self();
    }

    @Override
    public S timeout(Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        draft.problems.add("has a timeout that is not positive: " + timeout);
      } else {
        draft.timeout = timeout;
      }
      return self();
    }

    @Override
    public S retry(RetryPolicy policy) {
      draft.retry = Objects.requireNonNull(policy, "policy");
      return self();
    }

    @Override
    public S compensationRetry(RetryPolicy policy) {
      draft.compensationRetry = Objects.requireNonNull(policy, "policy");
      return self();
    }

    @Override
    public S when(Predicate<D> predicate) {
      draft.condition = Objects.requireNonNull(predicate, "predicate");
      return self();
    }

    @Override
    public S pivot() {
      draft.kind(StepKind.PIVOT);
      return self();
    }

    @Override
    public S retriable() {
      draft.kind(StepKind.RETRIABLE);
      return self();
    }
  }

  private final class SequentialOptions extends Settings<D, SagaDefinition.StepOptions<D>>
      implements SagaDefinition.StepOptions<D> {
    SequentialOptions(StepDraft<D> draft) {
      super(draft);
    }

    @Override
    SagaDefinition.StepOptions<D> self() {
      return this;
    }

    @Override
    public SagaDefinition.StepInvoke<D, SagaDefinition.StepOptions<D>> step(String stepName) {
      return DefinitionBuilder.this.step(stepName);
    }

    @Override
    public SagaDefinition.Steps<D> deadline(
        java.time.Duration within, io.skald.saga.SagaDeadline.Action action) {
      return DefinitionBuilder.this.deadline(within, action);
    }

    @Override
    public SagaDefinition.Steps<D> version(int newVersion) {
      return DefinitionBuilder.this.version(newVersion);
    }

    @Override
    public SagaDefinition.ParallelStart<D> parallel(String stageName) {
      return DefinitionBuilder.this.parallel(stageName);
    }

    @Override
    public <S> SagaDefinition.WaitOptions<D, S> awaitSignal(String stepName, Class<S> signal) {
      return DefinitionBuilder.this.awaitSignal(stepName, signal);
    }

    @Override
    public SagaDefinition<D> build() {
      return DefinitionBuilder.this.build();
    }
  }

  private final class BranchOptionsImpl extends Settings<D, SagaDefinition.BranchOptions<D>>
      implements SagaDefinition.BranchOptions<D> {
    private final StageDraft<D> stage;

    BranchOptionsImpl(StepDraft<D> draft, StageDraft<D> stage) {
      super(draft);
      this.stage = stage;
    }

    @Override
    SagaDefinition.BranchOptions<D> self() {
      return this;
    }

    @Override
    public SagaDefinition.StepInvoke<D, SagaDefinition.BranchOptions<D>> branch(String branchName) {
      StepDraft<D> next = new StepDraft<>(branchName);
      stage.steps().add(next);
      return new Invoke<>(next, new BranchOptionsImpl(next, stage));
    }

    @Override
    public SagaDefinition.Steps<D> join() {
      return DefinitionBuilder.this;
    }
  }

  @Override
  public SagaDefinition<D> build() {
    if (stages.isEmpty()) {
      throw invalid("has no steps");
    }
    Set<String> names = new HashSet<>();
    String pivot = null;
    String retriable = null;
    Map<String, String> signals = new java.util.HashMap<>();
    List<StageSpec<D>> specs = new ArrayList<>();
    for (StageDraft<D> stage : stages) {
      if (stage.parallel()) {
        checkName(stage.name(), names);
        if (stage.steps().size() < 2) {
          throw invalid(
              "parallel step '"
                  + stage.name()
                  + "' needs at least two branches, has "
                  + stage.steps().size());
        }
      }
      if (stage.parallel()) {
        List<String> compensatable = new ArrayList<>();
        List<String> retriableBranches = new ArrayList<>();
        for (StepDraft<D> step : stage.steps()) {
          if (step.kind == StepKind.COMPENSATABLE) {
            compensatable.add(step.name);
          } else if (step.kind == StepKind.RETRIABLE) {
            retriableBranches.add(step.name);
          }
        }
        if (!compensatable.isEmpty() && !retriableBranches.isEmpty()) {
          throw invalid(
              "parallel step '"
                  + stage.name()
                  + "' mixes compensatable branches "
                  + compensatable
                  + " with retriable branches "
                  + retriableBranches
                  + ": if a compensatable branch fails, the retriable ones can neither be undone"
                  + " nor be allowed to finish; put the retriable steps in a later stage");
        }
      }
      List<StepSpec<D>> steps = new ArrayList<>();
      for (StepDraft<D> step : stage.steps()) {
        checkName(step.name, names);
        String where = "step '" + step.name + "' ";
        if (!step.problems.isEmpty()) {
          throw invalid(where + step.problems.get(0));
        }
        if (step.kindSetTwice) {
          throw invalid(where + "is declared both pivot() and retriable(); choose one");
        }
        if (step.signal != null) {
          checkWait(step, where, signals);
          // nothing to undo: before the pivot a wait that fails turns the saga back, after it
          // (where nothing is undone any more) it parks, as a retriable step does
          step.kind =
              pivot != null || retriable != null ? StepKind.RETRIABLE : StepKind.COMPENSATABLE;
          if (step.kind == StepKind.RETRIABLE && retriable == null) {
            retriable = step.name;
          }
          try {
            steps.add(step.toSpec(name));
          } catch (IllegalArgumentException e) {
            throw invalid(where + "has signal types that cannot be told apart: " + e.getMessage());
          }
          continue;
        }
        switch (step.kind) {
          case COMPENSATABLE -> {
            if (step.compensation != null
                && !step.compensation.topic().equals(step.endpoint.topic())) {
              throw invalid(
                  where
                      + "sends its command to topic '"
                      + step.endpoint.topic()
                      + "' but its compensation to '"
                      + step.compensation.topic()
                      + "': they must share a topic, so the participant sees them in order");
            }
            if (step.compensation == null) {
              throw invalid(
                  where
                      + "changes remote state but declares no compensation: add"
                      + " compensateWith(...), or mark it pivot() or retriable()");
            }
            if (pivot != null) {
              throw invalid(
                  where + "comes after the pivot '" + pivot + "' and must be retriable()");
            }
            if (retriable != null) {
              throw invalid(
                  where
                      + "is compensatable but follows the retriable step '"
                      + retriable
                      + "': retriable steps are never compensated, so they come last");
            }
          }
          case PIVOT -> {
            if (stage.parallel()) {
              throw invalid(where + "is a parallel branch and cannot be the pivot");
            }
            if (pivot != null) {
              throw invalid(where + "is a second pivot; the pivot is '" + pivot + "'");
            }
            if (retriable != null) {
              throw invalid(
                  where + "is the pivot but follows the retriable step '" + retriable + "'");
            }
            if (step.compensation != null) {
              throw invalid(
                  where + "is the pivot, which is never compensated: remove compensateWith");
            }
            pivot = step.name;
          }
          case RETRIABLE -> {
            if (step.compensation != null) {
              throw invalid(
                  where + "is retriable, which is never compensated: remove compensateWith");
            }
            retriable = retriable == null ? step.name : retriable;
          }
        }
        steps.add(step.toSpec(name));
      }
      specs.add(new StageSpec<>(stage.name(), steps, stage.parallel()));
    }
    return Definitions.create(name, dataType, specs, deadline, version == 0 ? 1 : version);
  }

  /** A wait's own rules: a timeout, and signal types no other wait of the saga declares. */
  private void checkWait(StepDraft<D> step, String where, Map<String, String> signals) {
    if (!step.timeoutSet) {
      throw invalid(
          where
              + "waits for "
              + step.signal.getSimpleName()
              + " but declares no timeout(...): a saga would wait for ever for a signal that"
              + " never comes");
    }
    List<Class<?>> types = new ArrayList<>();
    types.add(step.signal);
    types.addAll(step.refusals);
    for (Class<?> type : types) {
      // signals are routed to their step by type, named by class name or simple name
      for (String typeName : List.of(type.getName(), type.getSimpleName())) {
        String other = signals.putIfAbsent(typeName, step.name);
        if (other != null && !other.equals(step.name)) {
          throw invalid(
              where
                  + "waits for signal "
                  + type.getSimpleName()
                  + " that step '"
                  + other
                  + "' waits for already: a signal is routed to its step by its type, so each"
                  + " type belongs to one wait");
        }
      }
    }
  }

  private void checkName(String stepName, Set<String> names) {
    if (stepName == null || !LEGAL_NAME.matcher(stepName).matches()) {
      throw invalid("step name '" + stepName + "' must be 1 to 100 characters from [a-zA-Z0-9._-]");
    }
    if (!names.add(stepName)) {
      throw invalid("has two steps named '" + stepName + "'");
    }
  }

  private InvalidSagaDefinitionException invalid(String problem) {
    return new InvalidSagaDefinitionException("saga '" + name + "': " + problem);
  }
}
