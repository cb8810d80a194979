package io.skald.saga;

import io.skald.framework.consumer.RetryPolicy;
import io.skald.saga.internal.definition.DefinitionBuilder;
import io.skald.saga.internal.definition.Definitions;
import io.skald.saga.internal.definition.MermaidRenderer;
import io.skald.saga.internal.definition.StageSpec;
import io.skald.saga.internal.definition.StepSpec;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * An immutable, validated saga: named steps, each sending a typed command to an {@link Endpoint}
 * and folding the reply into the saga's data, with the compensation that undoes it. Built by a
 * fluent DSL whose stage interfaces only offer what may come next (a step's options only after its
 * command), and checked by {@link Steps#build()}.
 * <!-- snippet: jd-saga-definition -->
 *
 * <pre>{@code
 * SagaDefinition<Order> placeOrder =
 *     SagaDefinition.named("place-order", Order.class)
 *         .step("reserve-stock")
 *         .invoke(Inventory.RESERVE, o -> new ReserveStock(o.id(), o.items()))
 *         .onReply(StockReserved.class, (o, r) -> o.withReservation(r.reservationId()))
 *         .compensateWith(Inventory.RELEASE, o -> new ReleaseStock(o.id()))
 *         .timeout(Duration.ofSeconds(5))
 *         .step("charge-payment")
 *         .invoke(Payments.CHARGE, o -> new Charge(o.id(), o.customer(), o.total()))
 *         .pivot()
 *         .step("confirm-order")
 *         .invoke(Orders.CONFIRM, o -> new ConfirmOrder(o.id()))
 *         .retriable()
 *         .build();
 * }</pre>
 *
 * <p>Saga data is an immutable value (a record) that Jackson can serialize; reply handlers are pure
 * functions {@code (data, reply) -> data}. See {@code docs/sagas.md} for the semantics.
 *
 * @param <D> the saga data type
 */
public final class SagaDefinition<D> {
  /** The timeout of a step that declares none. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private final String name;
  private final Class<D> dataType;
  private final List<StageSpec<D>> stages;
  private final SagaDeadline deadline;
  private final int version;

  static {
    Definitions.register(
        new Definitions.Access() {
          @Override
          public <T> SagaDefinition<T> create(
              String name,
              Class<T> dataType,
              List<StageSpec<T>> stages,
              SagaDeadline deadline,
              int version) {
            return new SagaDefinition<>(name, dataType, stages, deadline, version);
          }

          @Override
          public <T> List<StageSpec<T>> stages(SagaDefinition<T> definition) {
            return definition.stages;
          }
        });
  }

  private SagaDefinition(
      String name,
      Class<D> dataType,
      List<StageSpec<D>> stages,
      SagaDeadline deadline,
      int version) {
    this.name = Objects.requireNonNull(name);
    this.dataType = Objects.requireNonNull(dataType);
    this.stages = List.copyOf(stages);
    this.deadline = deadline;
    this.version = version;
  }

  /**
   * Starts a definition.
   *
   * @param name the saga's name: 1 to 100 characters from {@code [a-zA-Z0-9._-]}
   * @param dataType the class of its data
   * @param <D> the data type
   * @return the first stage of the DSL
   */
  public static <D> Steps<D> named(String name, Class<D> dataType) {
    return DefinitionBuilder.start(name, dataType);
  }

  /**
   * The saga's name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The definition's version ({@link Steps#version}): each instance runs the version it started
   * with; new instances take the newest version registered.
   *
   * @return the version, from 1 (1 unless declared)
   */
  public int version() {
    return version;
  }

  /**
   * The data type.
   *
   * @return the class
   */
  public Class<D> dataType() {
    return dataType;
  }

  /**
   * How long an instance may run, and what a late one does.
   *
   * @return the deadline, or empty when instances may run as long as their steps take
   */
  public java.util.Optional<SagaDeadline> deadline() {
    return java.util.Optional.ofNullable(deadline);
  }

  /**
   * The names of all steps, in definition order.
   *
   * @return the step names
   */
  public List<String> stepNames() {
    return stages.stream().flatMap(s -> s.steps().stream()).map(StepSpec::name).toList();
  }

  /**
   * The topic the saga's participants reply to: {@code <name>.replies}.
   *
   * @return the reply topic
   */
  public String replyTopic() {
    return name + ".replies";
  }

  /**
   * The topic the saga's signals may be written to: {@code <name>.signals}, keyed by saga id, the
   * signal's type in the {@code skald-saga-type} header (class name or simple name), its JSON as
   * the value. Created only for a saga that waits for signals.
   *
   * @return the signal topic
   */
  public String signalTopic() {
    return name + ".signals";
  }

  /**
   * Whether any step waits for a signal.
   *
   * @return true if the saga has a wait step
   */
  public boolean awaitsSignals() {
    return stages.stream().flatMap(s -> s.steps().stream()).anyMatch(StepSpec::waits);
  }

  /**
   * A Mermaid flowchart of the definition: the forward path, and for each step that can fail the
   * compensations it triggers, in the order they run.
   *
   * @return Mermaid source
   */
  public String toMermaid() {
    return MermaidRenderer.render(this);
  }

  /**
   * The Mermaid flowchart of {@link #toMermaid()} with an instance's progress: the steps that
   * succeeded in green, the one that failed in red, the compensations that ran in amber.
   *
   * @param instance a view of an instance of this definition
   * @return Mermaid source
   */
  public String toMermaid(SagaView<?> instance) {
    return MermaidRenderer.render(this, instance);
  }

  @Override
  public String toString() {
    return "SagaDefinition["
        + name
        + (version == 1 ? "" : " v" + version)
        + ": "
        + String.join(", ", stepNames())
        + "]";
  }

  /**
   * Where the next step is declared, or the definition is finished.
   *
   * @param <D> the data type
   */
  public interface Steps<D> {
    /**
     * Declares the next step.
     *
     * @param name unique within the saga
     * @return the step's command
     */
    StepInvoke<D, StepOptions<D>> step(String name);

    /**
     * Declares a parallel step: its branches run together, and the saga continues when all
     * succeeded; if one fails, the branches that succeeded are compensated together.
     *
     * @param name unique within the saga
     * @return the first branch
     */
    ParallelStart<D> parallel(String name);

    /**
     * Declares a step that waits for a signal from outside the saga (a bank's confirmation, a
     * person's approval) instead of sending a command. A signal is sent to one instance by {@link
     * SagaRunner#signal}, by the admin API, or as a record on the saga's {@link
     * SagaDefinition#signalTopic() signal topic}; one that arrives before the step is reached is
     * kept and taken when it is. The wait needs a {@link WaitOptions#timeout timeout}: a saga that
     * is not signalled in time turns back (before the pivot) or parks (after it), as a step that
     * does not answer; a {@link WaitOptions#refusedBy refusal} signal counts as a business failure.
     * A wait has nothing to undo, so it has no compensation.
     * <!-- snippet: jd-saga-await-signal -->
     *
     * <pre>{@code
     * SagaDefinition<Order> placeOrder =
     *     SagaDefinition.named("place-order", Order.class)
     *         .step("reserve-stock")
     *         .invoke(Inventory.RESERVE, o -> new ReserveStock(o.id(), o.items()))
     *         .compensateWith(Inventory.RELEASE, o -> new ReleaseStock(o.id()))
     *         .awaitSignal("manager-approval", Approved.class)
     *         .onSignal((o, approved) -> o.approvedBy(approved.manager()))
     *         .refusedBy(Rejected.class)
     *         .timeout(Duration.ofHours(4))
     *         .step("charge-payment")
     *         .invoke(Payments.CHARGE, o -> new Charge(o.id(), o.customer(), o.total()))
     *         .pivot()
     *         .build();
     * }</pre>
     *
     * @param name unique within the saga
     * @param signal the signal's type: a record Jackson can read; each signal type is awaited by at
     *     most one step of a saga, and is named on the wire by its class name or simple name
     * @param <S> the signal type
     * @return the wait's options
     */
    <S> WaitOptions<D, S> awaitSignal(String name, Class<S> signal);

    /**
     * Declares a step that starts one child saga per element of a list (one per order line, per
     * warehouse) and continues when they have all completed, or a {@link ChildOptions#quorum
     * quorum} of them. If too many fail to reach it, the children that completed are compensated
     * and then the step fails as a refused step (the parent turns back); if the parent turns back
     * later, this step's compensation compensates every child that completed. Children run as
     * instances of their own definition (listed, queried and operated as any), with the ids {@code
     * <parent id>:<step>:<index>}; the parent's step waits for them durably, across restarts.
     *
     * <p>The child definition must be undoable once completed: compensatable steps and waits only,
     * no pivot and no retriable step. It is registered with the parent (or may be before it).
     * <!-- snippet: jd-saga-children -->
     *
     * <pre>{@code
     * SagaDefinition<Order> placeOrder =
     *     SagaDefinition.named("place-order", Order.class)
     *         .startChildren("reserve-lines", reserveLine, o -> o.lines())
     *         .onChildren((o, reserved) -> o.withLines(reserved))
     *         .timeout(Duration.ofMinutes(5))
     *         .step("charge-payment")
     *         .invoke(Payments.CHARGE, o -> new Charge(o.id(), o.customer(), o.total()))
     *         .pivot()
     *         .build();
     * }</pre>
     *
     * @param name unique within the saga
     * @param child the child saga's definition
     * @param children the children's initial data, from the data when the step is reached (a pure
     *     function; an empty list completes the step at once)
     * @param <C> the child saga's data type
     * @return the step's options
     */
    <C> ChildOptions<D, C> startChildren(
        String name, SagaDefinition<C> child, Function<D, java.util.List<C>> children);

    /**
     * Bounds the whole saga: an instance still running {@code within} after its start compensates
     * or parks, by {@code action} (see {@link SagaDeadline}).
     * <!-- snippet: jd-saga-deadline -->
     *
     * <pre>{@code
     * SagaDefinition<Order> placeOrder =
     *     SagaDefinition.named("place-order", Order.class)
     *         .step("reserve-stock")
     *         .invoke(Inventory.RESERVE, o -> new ReserveStock(o.id(), o.items()))
     *         .compensateWith(Inventory.RELEASE, o -> new ReleaseStock(o.id()))
     *         .step("charge-payment")
     *         .invoke(Payments.CHARGE, o -> new Charge(o.id(), o.customer(), o.total()))
     *         .pivot()
     *         .deadline(Duration.ofMinutes(2), SagaDeadline.Action.COMPENSATE)
     *         .build();
     * }</pre>
     *
     * @param within the longest an instance may run, positive
     * @param action what a late instance does
     * @return the steps, to go on or build
     * @throws InvalidSagaDefinitionException if the duration is not positive or a deadline was
     *     declared already
     */
    Steps<D> deadline(Duration within, SagaDeadline.Action action);

    /**
     * The definition's version (default 1). Running instances keep the version they started with,
     * so a change of steps that instances in flight would not replay goes into a new version,
     * registered alongside the old one ({@link Sagas#orchestrator(List)}) until the old one has no
     * instance left.
     *
     * @param version from 1
     * @return the steps, to go on or build
     * @throws InvalidSagaDefinitionException if the version is below 1 or was declared already
     */
    Steps<D> version(int version);

    /**
     * Validates and returns the definition.
     *
     * @return the immutable definition
     * @throws InvalidSagaDefinitionException naming the step that breaks a rule
     */
    SagaDefinition<D> build();
  }

  /**
   * A step's command.
   *
   * @param <D> the data type
   * @param <S> what follows: the step's options
   */
  public interface StepInvoke<D, S> {
    /**
     * The command the step sends.
     *
     * @param endpoint where it goes
     * @param command builds it from the saga data
     * @param <C> the command type
     * @return the step's options
     */
    <C> S invoke(Endpoint<C> endpoint, Function<D, C> command);
  }

  /**
   * The options of a step or a parallel branch.
   *
   * @param <D> the data type
   * @param <S> the stage these options return to
   */
  public interface StepSettings<D, S> {
    /**
     * Folds a success reply into the data (replies without a handler leave the data unchanged).
     *
     * @param type the reply type, declared by the endpoint
     * @param handler a pure function {@code (data, reply) -> data}
     * @param <R> the reply type
     * @return these options
     */
    <R> S onReply(Class<R> type, BiFunction<D, R, D> handler);

    /**
     * What a business failure reply means: compensate (the default) or retry.
     *
     * @param type the failure type, declared by the endpoint
     * @param action the action
     * @return these options
     */
    S onFailure(Class<?> type, FailureAction action);

    /**
     * What a business failure reply means, and how it changes the data when the step fails for good
     * (for example to record why, for a compensation command that needs the reason).
     *
     * @param type the failure type, declared by the endpoint
     * @param action compensate or retry
     * @param handler a pure function {@code (data, failure) -> data}, applied when the step fails
     * @param <F> the failure type
     * @return these options
     */
    <F> S onFailure(Class<F> type, FailureAction action, BiFunction<D, F, D> handler);

    /**
     * The command that undoes the step; a compensatable step must have one.
     *
     * @param endpoint where it goes
     * @param command builds it from the saga data
     * @param <C> the command type
     * @return these options
     */
    <C> S compensateWith(Endpoint<C> endpoint, Function<D, C> command);

    /**
     * How long to wait for a reply to one attempt (default {@link #DEFAULT_TIMEOUT}).
     *
     * @param timeout positive
     * @return these options
     */
    S timeout(Duration timeout);

    /**
     * How attempts that time out or are answered with a RETRY failure are retried (default: one
     * attempt for compensatable steps and the pivot, forever for retriable steps).
     *
     * @param policy the policy
     * @return these options
     */
    S retry(RetryPolicy policy);

    /**
     * How a failed compensation of this step is retried before the saga is parked (default: 10
     * attempts, 200 ms doubling to 30 s).
     *
     * @param policy the policy
     * @return these options
     */
    S compensationRetry(RetryPolicy policy);

    /**
     * Runs the step only when the predicate holds on the data when the step is reached; a skipped
     * step is not compensated.
     *
     * @param predicate a pure predicate
     * @return these options
     */
    S when(Predicate<D> predicate);

    /**
     * Marks the step as the pivot: the point of no return.
     *
     * @return these options
     */
    S pivot();

    /**
     * Marks the step retriable: it comes after the pivot and is retried until it succeeds.
     *
     * @return these options
     */
    S retriable();
  }

  /**
   * A sequential step's options; or declare the next step, or build.
   *
   * @param <D> the data type
   */
  public interface StepOptions<D> extends StepSettings<D, StepOptions<D>>, Steps<D> {}

  /**
   * A wait step's options ({@link Steps#awaitSignal}); or declare the next step, or build.
   *
   * @param <D> the data type
   * @param <S> the signal type
   */
  public interface WaitOptions<D, S> extends Steps<D> {
    /**
     * Folds the signal into the data (without a handler the data stays unchanged).
     *
     * @param handler a pure function {@code (data, signal) -> data}
     * @return these options
     */
    WaitOptions<D, S> onSignal(BiFunction<D, S, D> handler);

    /**
     * A signal that refuses: the wait fails as a step refused by its participant (the saga
     * compensates before the pivot, parks after it).
     *
     * @param type the refusal's type, distinct from every other signal type of the saga
     * @return these options
     */
    WaitOptions<D, S> refusedBy(Class<?> type);

    /**
     * A signal that refuses, and how it changes the data (for example to keep the reason).
     *
     * @param type the refusal's type
     * @param handler a pure function {@code (data, refusal) -> data}
     * @param <F> the refusal type
     * @return these options
     */
    <F> WaitOptions<D, S> refusedBy(Class<F> type, BiFunction<D, F, D> handler);

    /**
     * How long to wait once the step is reached (required). The timer is durable: it runs from when
     * the step was reached, across restarts and moves.
     *
     * @param timeout positive
     * @return these options
     */
    WaitOptions<D, S> timeout(Duration timeout);

    /**
     * Waits only when the predicate holds on the data when the step is reached.
     *
     * @param predicate a pure predicate
     * @return these options
     */
    WaitOptions<D, S> when(Predicate<D> predicate);
  }

  /**
   * A child-saga step's options ({@link Steps#startChildren}); or declare the next step, or build.
   *
   * @param <D> the data type
   * @param <C> the child saga's data type
   */
  public interface ChildOptions<D, C> extends Steps<D> {
    /**
     * Folds the completed children's final data into the parent's (without it the data stays).
     *
     * @param handler a pure function {@code (data, completed children's data, in index order) ->
     *     data}
     * @return these options
     */
    ChildOptions<D, C> onChildren(BiFunction<D, java.util.List<C>, D> handler);

    /**
     * Continues once this many children completed (default: all). The others run to their end; they
     * are compensated with the rest if the parent turns back. A quorum above the number of children
     * means all of them.
     *
     * @param completed at least 1
     * @return these options
     */
    ChildOptions<D, C> quorum(int completed);

    /**
     * How long the parent waits for its children (default {@link SagaDefinition#DEFAULT_TIMEOUT});
     * past it the step has failed without a verdict: the parent turns back and its compensation
     * compensates every child that completed, once they have all ended.
     *
     * @param timeout positive
     * @return these options
     */
    ChildOptions<D, C> timeout(Duration timeout);

    /**
     * Starts the children only when the predicate holds on the data when the step is reached.
     *
     * @param predicate a pure predicate
     * @return these options
     */
    ChildOptions<D, C> when(Predicate<D> predicate);
  }

  /**
   * The first branch of a parallel step.
   *
   * @param <D> the data type
   */
  public interface ParallelStart<D> {
    /**
     * Declares a branch.
     *
     * @param name unique within the saga
     * @return the branch's command
     */
    StepInvoke<D, BranchOptions<D>> branch(String name);
  }

  /**
   * A branch's options; or the next branch, or the end of the parallel step.
   *
   * @param <D> the data type
   */
  public interface BranchOptions<D> extends StepSettings<D, BranchOptions<D>>, ParallelStart<D> {
    /**
     * Ends the parallel step.
     *
     * @return where the next step is declared
     */
    Steps<D> join();
  }
}
