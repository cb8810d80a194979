package io.skald.saga;

/** Where one direction (forward or compensation) of a step of a saga instance is. */
public enum StepPhase {
  /** Not started. */
  PENDING,
  /** An attempt was sent and waits for its reply. */
  RUNNING,
  /** Done. */
  SUCCEEDED,
  /** Failed for good, or abandoned when the saga turned back. */
  FAILED,
  /** Skipped: a false condition (forward), or nothing to undo (compensation). */
  SKIPPED
}
