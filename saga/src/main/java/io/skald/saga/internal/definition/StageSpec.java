package io.skald.saga.internal.definition;

import java.util.List;

/**
 * INTERNAL API: a stage of a saga: one step, or the branches of a parallel step, which run
 * together.
 *
 * @param name the step's name (the parallel step's name for branches)
 * @param steps the step, or the branches
 * @param parallel whether this is a parallel step
 * @param <D> the data type
 */
public record StageSpec<D>(String name, List<StepSpec<D>> steps, boolean parallel) {

  /** Copies the steps. */
  public StageSpec {
    steps = List.copyOf(steps);
  }
}
