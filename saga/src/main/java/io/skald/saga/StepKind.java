package io.skald.saga;

/**
 * What a saga step promises about undoing it, after Garcia-Molina's and Richardson's saga model. A
 * definition runs its compensatable steps first, then at most one pivot, then its retriable steps;
 * {@link SagaDefinition.Steps#build()} rejects any other order.
 */
public enum StepKind {
  /** Changes remote state that a compensation undoes if a later step fails (the default). */
  COMPENSATABLE,
  /**
   * The point of no return: once it succeeds the saga runs to completion; it is never compensated.
   */
  PIVOT,
  /** Runs after the pivot and is retried until it succeeds; never compensated, never fails. */
  RETRIABLE
}
