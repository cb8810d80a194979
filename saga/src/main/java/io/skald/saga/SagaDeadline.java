package io.skald.saga;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a whole saga may take, and what happens when an instance is still not done by then:
 * measured from its start, it turns back ({@link Action#COMPENSATE}) or waits for an operator
 * ({@link Action#PARK}). Declared with {@link SagaDefinition.Steps#deadline(Duration, Action)}.
 *
 * <p>A saga past its point of no return (its pivot succeeded or is in flight) cannot turn back:
 * there the deadline parks it whatever the action, so that an operator sees it. A saga already
 * compensating, or ended, is left alone. See {@code docs/sagas.md}, "Saga deadlines".
 *
 * @param within the longest an instance may run, from its start; positive
 * @param action what a late instance does
 */
public record SagaDeadline(Duration within, Action action) {

  /** What an instance still running at its deadline does. */
  public enum Action {
    /** Compensate its completed steps (and the one in flight), as an operator's compensate. */
    COMPENSATE,
    /** Park on the step it is at, for an operator to retry, skip, compensate or abort. */
    PARK
  }

  /**
   * Validates the deadline.
   *
   * @param within the longest an instance may run, from its start; positive
   * @param action what a late instance does
   */
  public SagaDeadline {
    Objects.requireNonNull(within, "within");
    Objects.requireNonNull(action, "action");
    if (within.isZero() || within.isNegative()) {
      throw new InvalidSagaDefinitionException("a saga deadline must be positive, was " + within);
    }
  }
}
