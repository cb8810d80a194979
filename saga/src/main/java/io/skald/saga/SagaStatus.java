package io.skald.saga;

/** Where a saga instance is. */
public enum SagaStatus {
  /** Running its steps forward. */
  RUNNING,
  /** A step failed; undoing the completed steps in reverse order. */
  COMPENSATING,
  /** Every step succeeded (terminal). */
  COMPLETED,
  /** A step failed and every completed step was undone (terminal). */
  COMPENSATED,
  /**
   * A compensation (or a retriable step) kept failing: the instance waits for an operator ({@link
   * SagaRunner#retry}, {@link SagaRunner#skip}, {@link SagaRunner#compensate}, {@link
   * SagaRunner#abort}), with its full context kept.
   */
  PARKED,
  /** Stopped by an operator (terminal). */
  ABORTED;

  /**
   * Whether the instance is finished.
   *
   * @return true for COMPLETED, COMPENSATED and ABORTED
   */
  public boolean terminal() {
    return this == COMPLETED || this == COMPENSATED || this == ABORTED;
  }
}
