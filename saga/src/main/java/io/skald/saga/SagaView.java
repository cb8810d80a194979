package io.skald.saga;

import java.time.Instant;
import java.util.List;

/**
 * What an operator sees of a saga instance: its status, data, where each step is, and its full
 * history.
 *
 * @param sagaId the instance id
 * @param sagaName the definition's name
 * @param status where the instance is
 * @param data the saga data now
 * @param steps every step, in definition order
 * @param reason why it compensates, is parked or ended (null while it runs normally)
 * @param history every transition, oldest first
 * @param deadline when the saga's deadline falls ({@link SagaDefinition#deadline()}), or null
 *     without one
 * @param deadlinePassed whether it passed before the instance was done (the history says what it
 *     did)
 * @param version the version of the definition the instance runs ({@link SagaDefinition#version()})
 * @param <D> the data type
 */
public record SagaView<D>(
    String sagaId,
    String sagaName,
    SagaStatus status,
    D data,
    List<Step> steps,
    String reason,
    List<HistoryEntry> history,
    Instant deadline,
    boolean deadlinePassed,
    int version) {

  /**
   * Copies the lists.
   *
   * @param sagaId the instance id
   * @param sagaName the definition's name
   * @param status where the instance is
   * @param data the saga data now
   * @param steps every step, in definition order
   * @param reason why it compensates, is parked or ended (null while it runs normally)
   * @param history every transition, oldest first
   * @param deadline when the saga's deadline falls, or null
   * @param deadlinePassed whether it passed before the instance was done
   * @param version the version of the definition the instance runs
   */
  public SagaView {
    steps = List.copyOf(steps);
    history = List.copyOf(history);
  }

  /**
   * One step of the instance.
   *
   * @param name the step
   * @param forward where its forward command is
   * @param compensation where its compensation is
   * @param attempt the attempt of the running (or last) direction
   */
  public record Step(String name, StepPhase forward, StepPhase compensation, int attempt) {}

  /**
   * One transition.
   *
   * @param at when
   * @param step the step it concerns, or null
   * @param what what happened, e.g. {@code "started attempt 2"}, {@code "compensation succeeded"}
   */
  public record HistoryEntry(Instant at, String step, String what) {}

  /**
   * The names of the steps whose forward command succeeded, in definition order.
   *
   * @return the step names
   */
  public List<String> succeededSteps() {
    return steps.stream().filter(s -> s.forward() == StepPhase.SUCCEEDED).map(Step::name).toList();
  }

  /**
   * The names of the steps that were compensated, in the order their compensations succeeded.
   *
   * @return the step names
   */
  public List<String> compensatedSteps() {
    return history.stream()
        .filter(h -> h.what().equals("compensation succeeded"))
        .map(HistoryEntry::step)
        .toList();
  }
}
