package io.skald.saga;

/** What a business failure reply to a step's command means. */
public enum FailureAction {
  /** The step failed: compensate the completed steps in reverse order (the default). */
  COMPENSATE,
  /** Try the step again (same idempotency key) under the step's retry policy, then compensate. */
  RETRY
}
