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
    ChildrenSpec<D, ?> children;
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

    /** A child-saga step's endpoints, command and reply handling: the saga module's fan-out. */
    void prepareChildren(String sagaName) {
      // the saga module's fan-out, as the step's participant: it starts the children and
      // answers when they have ended (ChildrenCompleted or, once nothing is left to undo,
      // ChildrenFailed); its compensation compensates the children that completed
      String topic = sagaName + ".children";
      ChildrenSpec<D, ?> spec = children;
      endpoint =
          Endpoint.of(
                  name, topic, io.skald.saga.internal.definition.ChildMessages.StartChildren.class)
              .replies(io.skald.saga.internal.definition.ChildMessages.ChildrenCompleted.class)
              .failures(io.skald.saga.internal.definition.ChildMessages.ChildrenFailed.class);
      command = spec::command;
      compensation =
          Endpoint.of(
              name + ".compensate",
              topic,
              io.skald.saga.internal.definition.ChildMessages.CompensateChildren.class);
      String childName = spec.child().name();
      compensationCommand =
          d -> new io.skald.saga.internal.definition.ChildMessages.CompensateChildren(childName);
      replyHandlers.put(
          io.skald.saga.internal.definition.ChildMessages.ChildrenCompleted.class,
          (d, reply) ->
              spec.onCompleted(
                  d, (io.skald.saga.internal.definition.ChildMessages.ChildrenCompleted) reply));
      failureActions.put(
          io.skald.saga.internal.definition.ChildMessages.ChildrenFailed.class,
          FailureAction.COMPENSATE);
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
          signal,
          children);
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

  @Override
  public <C> SagaDefinition.ChildOptions<D, C> startChildren(
      String stepName, SagaDefinition<C> child, Function<D, List<C>> children) {
    StepDraft<D> draft = new StepDraft<>(stepName);
    draft.children =
        new ChildrenSpec<>(
            Objects.requireNonNull(child, "child"),
            Objects.requireNonNull(children, "children"),
            ChildrenSpec.ALL,
            null);
    stages.add(new StageDraft<>(stepName, List.of(draft), false));
    return new Children<>(draft);
  }

  /** The options of a step that end it: the next step, or the definition's end, is declared. */
  private abstract class Next implements SagaDefinition.Steps<D> {
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
    public <K> SagaDefinition.ChildOptions<D, K> startChildren(
        String stepName, SagaDefinition<K> child, Function<D, List<K>> children) {
      return DefinitionBuilder.this.startChildren(stepName, child, children);
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

  /** A child-saga step's options. */
  private final class Children<C> extends Next implements SagaDefinition.ChildOptions<D, C> {
    private final StepDraft<D> draft;

    Children(StepDraft<D> draft) {
      this.draft = draft;
    }

    @SuppressWarnings("unchecked")
    private ChildrenSpec<D, C> spec() {
      return (ChildrenSpec<D, C>) draft.children;
    }

    @Override
    public SagaDefinition.ChildOptions<D, C> onChildren(BiFunction<D, List<C>, D> handler) {
      ChildrenSpec<D, C> spec = spec();
      draft.children =
          new ChildrenSpec<>(
              spec.child(),
              spec.children(),
              spec.quorum(),
              Objects.requireNonNull(handler, "handler"));
      return this;
    }

    @Override
    public SagaDefinition.ChildOptions<D, C> quorum(int completed) {
      if (completed < 1) {
        draft.problems.add("has a quorum below 1: " + completed);
        return this;
      }
      ChildrenSpec<D, C> spec = spec();
      draft.children = new ChildrenSpec<>(spec.child(), spec.children(), completed, spec.fold());
      return this;
    }

    @Override
    public SagaDefinition.ChildOptions<D, C> timeout(Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        draft.problems.add("has a timeout that is not positive: " + timeout);
      } else {
        draft.timeout = timeout;
        draft.timeoutSet = true;
      }
      return this;
    }

    @Override
    public SagaDefinition.ChildOptions<D, C> when(Predicate<D> predicate) {
      draft.condition = Objects.requireNonNull(predicate, "predicate");
      return this;
    }
  }

  /** A wait step's options. */
  private final class Wait<S> extends Next implements SagaDefinition.WaitOptions<D, S> {
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
    public <C> SagaDefinition.ChildOptions<D, C> startChildren(
        String stepName, SagaDefinition<C> child, Function<D, List<C>> children) {
      return DefinitionBuilder.this.startChildren(stepName, child, children);
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
        if (step.children != null) {
          checkChildren(step, where, pivot, retriable, stage.parallel());
          step.prepareChildren(name);
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

  /**
   * A child-saga step's rules: before the pivot (its children are compensated if the parent turns
   * back), not a branch, and a child definition that can be undone once it completed.
   */
  private void checkChildren(
      StepDraft<D> step, String where, String pivot, String retriable, boolean branch) {
    SagaDefinition<?> child = step.children.child();
    if (branch) {
      throw invalid(where + "starts child sagas, which a parallel branch cannot");
    }
    if (pivot != null || retriable != null) {
      throw invalid(
          where
              + "starts child sagas after the "
              + (pivot != null ? "pivot '" + pivot : "retriable step '" + retriable)
              + "': children are compensated when the parent turns back, so they start before");
    }
    if (child.name().equals(name)) {
      throw invalid(where + "starts children of its own saga");
    }
    for (var childStage : Definitions.stages(child)) {
      for (StepSpec<?> childStep : childStage.steps()) {
        if (childStep.kind() != StepKind.COMPENSATABLE) {
          throw invalid(
              where
                  + "starts children of saga '"
                  + child.name()
                  + "', whose step '"
                  + childStep.name()
                  + "' is "
                  + childStep.kind().name().toLowerCase(java.util.Locale.ROOT)
                  + ": a completed child must be undoable (compensatable steps and waits only)");
        }
      }
    }
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
