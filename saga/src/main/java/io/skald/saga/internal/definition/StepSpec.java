package io.skald.saga.internal.definition;

import io.skald.framework.consumer.RetryPolicy;
import io.skald.saga.Endpoint;
import io.skald.saga.FailureAction;
import io.skald.saga.StepKind;
import java.time.Duration;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * INTERNAL API: one validated step of a saga definition.
 *
 * @param name the step name
 * @param kind compensatable, pivot or retriable
 * @param endpoint where its command goes
 * @param command builds the command from the data
 * @param replyHandlers success reply type to handler
 * @param failureActions business failure type to action
 * @param failureHandlers business failure type to the handler that folds it into the data
 * @param compensation where its compensation goes, or null
 * @param compensationCommand builds the compensation, or null
 * @param timeout the timeout of one attempt
 * @param retry how the forward command is retried
 * @param compensationRetry how the compensation is retried before parking
 * @param condition runs the step only when true, or null
 * @param signal the signal a wait step waits for, or null for a step that sends a command (a wait's
 *     endpoint stands for the outside world: it names the saga's signal topic and declares the
 *     signal as its reply, its refusals as failures; it receives no command)
 * @param children the child sagas a child-saga step starts, or null (its endpoint is the parent's
 *     {@code <saga>.children} topic, served by the saga module's fan-out)
 * @param <D> the data type
 */
public record StepSpec<D>(
    String name,
    StepKind kind,
    Endpoint<?> endpoint,
    Function<D, ?> command,
    Map<Class<?>, BiFunction<D, Object, D>> replyHandlers,
    Map<Class<?>, FailureAction> failureActions,
    Map<Class<?>, BiFunction<D, Object, D>> failureHandlers,
    Endpoint<?> compensation,
    Function<D, ?> compensationCommand,
    Duration timeout,
    RetryPolicy retry,
    RetryPolicy compensationRetry,
    Predicate<D> condition,
    Class<?> signal,
    ChildrenSpec<D, ?> children) {

  /** Copies the maps. */
  public StepSpec {
    replyHandlers = Map.copyOf(replyHandlers);
    failureActions = Map.copyOf(failureActions);
    failureHandlers = Map.copyOf(failureHandlers);
  }

  /**
   * Whether a failure reply of this type retries the step.
   *
   * @param type the failure type
   * @return true for {@link FailureAction#RETRY}, and for every failure of a retriable step
   */
  public boolean retriesOn(Class<?> type) {
    return kind == StepKind.RETRIABLE || failureActions.get(type) == FailureAction.RETRY;
  }

  /**
   * Whether the step waits for a signal instead of sending a command.
   *
   * @return true for a wait step
   */
  public boolean waits() {
    return signal != null;
  }

  /**
   * Whether the step starts child sagas.
   *
   * @return true for a child-saga step
   */
  public boolean spawns() {
    return children != null;
  }

  /**
   * Whether the step has a compensation.
   *
   * @return true if it does
   */
  public boolean compensatable() {
    return compensation != null;
  }
}
