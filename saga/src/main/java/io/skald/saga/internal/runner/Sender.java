package io.skald.saga.internal.runner;

import io.skald.saga.internal.engine.FlowEvent;
import io.skald.saga.internal.engine.InstanceState;
import io.skald.saga.internal.engine.InstanceState.StepState;

/**
 * INTERNAL API: what an instance does for a running attempt: send the step's command to its
 * participant (orchestration, {@link CommandSender}), or emit the flow event that triggers the step
 * when no participant's event will (choreography, {@link FlowSender}).
 *
 * @param <D> the data type
 */
public interface Sender<D> {

  /** Why the instance acts. */
  enum Cause {
    /** The instance started. */
    START,
    /** A participant's reply. */
    REPLY,
    /** A retry's backoff or a deadline elapsed. */
    TIMER,
    /** The instance recovered from its journal. */
    RECOVERY,
    /** An operator's action. */
    OPERATOR,
    /** A choreography's flow event. */
    OBSERVED
  }

  /**
   * An attempt to act on.
   *
   * @param sagaId the instance
   * @param state its state
   * @param step the running step
   * @param cause why the instance acts
   * @param observed the flow event it observed (cause OBSERVED), or null
   */
  record Attempt(
      String sagaId, InstanceState state, StepState step, Cause cause, FlowEvent observed) {}

  /**
   * Acts on an attempt: called once per attempt and incarnation of the instance.
   *
   * @param attempt the attempt
   */
  void send(Attempt attempt);

  /**
   * Marks the end of an instance behind its last command, on every topic its participants read, so
   * that their ledgers forget its keys (after a grace period). Called when the instance has ended,
   * once per incarnation; a repeated marker changes nothing.
   *
   * @param sagaId the instance
   */
  void ended(String sagaId);

  /**
   * The headers of an end marker.
   *
   * @param saga the saga name
   * @param sagaId the instance
   * @return the headers
   */
  static java.util.Map<String, String> endHeaders(String saga, String sagaId) {
    return java.util.Map.of(
        io.skald.saga.internal.SagaHeaders.SAGA,
        saga,
        io.skald.saga.internal.SagaHeaders.ID,
        sagaId,
        io.skald.saga.internal.SagaHeaders.DIRECTION,
        io.skald.saga.internal.SagaHeaders.END,
        io.skald.saga.internal.SagaHeaders.TYPE,
        io.skald.saga.internal.SagaHeaders.END);
  }
}
