package io.skald.saga;

import io.skald.framework.consumer.Subscription;

/**
 * A service that handles saga commands: one consumer group (named after the service) over the
 * topics of its endpoints. Duplicates are answered from a deduplication ledger keyed by the
 * commands' idempotency keys; a compensation that arrives for a command the service never executed
 * is acknowledged without running the handler, and the command is refused if it arrives later.
 * <!-- snippet: jd-participant -->
 *
 * <pre>{@code
 * Subscription inventory =
 *     sagas
 *         .participant("inventory")
 *         .on(Inventory.RESERVE, (cmd, ctx) -> stock.reserve(cmd))
 *         .on(Inventory.RELEASE, (cmd, ctx) -> stock.release(cmd))
 *         .start();
 * }</pre>
 */
public interface Participant {
  /**
   * Handles an endpoint's commands. Commands are routed by endpoint: two endpoints may share a
   * command class, and each reaches only the participant that handles it.
   *
   * @param endpoint the endpoint
   * @param handler its handler
   * @param <C> the command type
   * @return this participant
   * @throws IllegalArgumentException if the endpoint already has a handler here
   */
  <C> Participant on(Endpoint<C> endpoint, CommandHandler<C> handler);

  /**
   * Also takes part in the choreography of a saga (see {@link SagaChoreography}): for each step of
   * the saga whose command (or compensation) this participant handles, it reacts to the event that
   * triggers the step on the saga's flow topic, runs the same handler as for a command, and emits
   * the step's outcome event. Retries of a business failure ({@link FailureAction#RETRY}), of a
   * retriable step and of a failing compensation run here, with the step's policies; when they are
   * exhausted the participant emits a failure (or a parked event).
   *
   * @param definition a saga definition without parallel steps
   * @return this participant
   * @throws InvalidSagaDefinitionException if the definition has a parallel step
   */
  Participant follow(SagaDefinition<?> definition);

  /**
   * Releases every lock of these locks a saga instance holds or waits for when it ends (completed,
   * compensated or aborted): the participant acts on the instance's end marker, which its
   * orchestrator writes behind the instance's last command on each of its endpoints' topics (or on
   * the flow topic of a choreography), so after every command of the saga. A release that fails is
   * retried with the marker.
   *
   * @param locks the locks
   * @return this participant
   */
  Participant releasingAtEnd(SemanticLocks locks);

  /**
   * Starts consuming (creating missing topics).
   *
   * @return the subscription; stop it to stop the participant
   */
  Subscription start();
}
