package io.skald.saga;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Runs instances of one saga definition, orchestrated ({@link SagaOrchestrator}) or choreographed
 * ({@link SagaChoreography}): start them, see them, and act on them as an operator. Code that only
 * starts and watches sagas depends on this interface and runs either way.
 *
 * <p>The operator actions apply to a {@link SagaStatus#PARKED} instance (abort and compensate also
 * to a running one) and complete with the instance's view after the action is durable; they fail
 * with {@link IllegalStateException} if the action does not apply.
 *
 * @param <D> the saga data type
 */
public interface SagaRunner<D> {

  /**
   * The definition this runner runs.
   *
   * @return the definition
   */
  SagaDefinition<D> definition();

  /**
   * Starts an instance. Starting is idempotent per id: starting an id that exists does nothing.
   *
   * @param sagaId the instance id (for example the order id), 1 to 200 characters, no {@code |}
   * @param data the initial data
   * @return true once the start is durable, false if the instance existed already
   */
  CompletionStage<Boolean> start(String sagaId, D data);

  /**
   * Sends a signal to an instance's wait step ({@link SagaDefinition.Steps#awaitSignal}): the step
   * that waits for the signal's type takes it now if it waits, or keeps it until it is reached.
   * Durable once the stage completes: the signal is in the instance's journal.
   * <!-- snippet: jd-saga-signal -->
   *
   * <pre>{@code
   * boolean taken =
   *     orchestrator.signal("order-7", new Approved("maria")).toCompletableFuture().join();
   * }</pre>
   *
   * @param sagaId the instance
   * @param signal the signal, of a type a wait step of the definition declares (as its signal or a
   *     refusal)
   * @return true if the instance took or kept it; false if it changed nothing (the wait is over, a
   *     signal for it came already, or the saga ended or turned back)
   * @throws IllegalArgumentException (as the stage's failure) if no step waits for the signal's
   *     type
   * @throws IllegalStateException (as the stage's failure) if no instance has the id
   */
  CompletionStage<Boolean> signal(String sagaId, Object signal);

  /**
   * Sends a signal held as JSON, as tools and bridges from other systems have it (the admin API, a
   * consumer of another broker): the same as {@link #signal(String, Object)}.
   *
   * @param sagaId the instance
   * @param type the signal's class name or simple name
   * @param signalJson the signal as JSON
   * @return true if the instance took or kept it; false if it changed nothing
   * @throws IllegalArgumentException (as the stage's failure) if no step waits for the type, or the
   *     JSON does not read as it
   * @throws IllegalStateException (as the stage's failure) if no instance has the id
   */
  CompletionStage<Boolean> signal(String sagaId, String type, String signalJson);

  /**
   * The view of an instance.
   *
   * @param sagaId the instance id
   * @return the view, or empty if no instance has that id
   */
  CompletionStage<Optional<SagaView<D>>> get(String sagaId);

  /**
   * The instances by status, as reported by the instances (an index updated after each transition).
   *
   * @param status the status to list
   * @return the ids of the instances with that status
   */
  CompletionStage<List<String>> list(SagaStatus status);

  /**
   * How many instances have each status.
   *
   * @return counts by status
   */
  CompletionStage<Map<SagaStatus, Long>> counts();

  /**
   * A page of the instances of a status, by time range and version. Finished instances stay listed
   * after retention deleted them ({@code skald.saga.retention}); running and parked ones come from
   * the index's memory. Eventually consistent, as {@link #list}: a change shows within about 100
   * ms.
   * <!-- snippet: jd-saga-query -->
   *
   * <pre>{@code
   * SagaQuery query =
   *     SagaQuery.of(SagaStatus.COMPENSATED)
   *         .between(Instant.parse("2026-12-01T00:00:00Z"), Instant.parse("2026-12-02T00:00:00Z"))
   *         .limit(500);
   * int compensated = 0;
   * while (query != null) {
   *   SagaPage page = orders.query(query).toCompletableFuture().join();
   *   compensated += page.items().size(); // SagaSummary: id, status, version, when, deleted
   *   query = page.hasNext() ? query.after(page.next()) : null;
   * }
   * }</pre>
   *
   * @param query what to find
   * @return the page; failed with an {@link IllegalArgumentException} for a cursor of another query
   */
  CompletionStage<SagaPage> query(SagaQuery query);

  /**
   * The versions of the definition this runner runs side by side ({@link
   * Sagas#orchestrator(java.util.List)}); new instances take the newest.
   *
   * @return the versions, ascending
   */
  java.util.SortedSet<Integer> versions();

  /**
   * How many instances in flight (running, compensating or parked) run each version, as the status
   * index reports them: a version may be retired when none does.
   *
   * @return version to count; versions without instances in flight are absent
   */
  CompletionStage<Map<Integer, Long>> versionsInFlight();

  /**
   * Moves a running or parked instance to another registered version of its definition, when its
   * past fits that version: every step it has reached is there, of the same kind, in the same
   * stage, and the version adds no step before or beside the furthest one it reached (steps after
   * its position may be added, changed or removed). From then on it runs that version's steps.
   *
   * @param sagaId the instance
   * @param toVersion a version this runner runs
   * @return its view after the migration
   * @throws IllegalArgumentException (as the stage's failure) if the version is not registered
   * @throws IllegalStateException (as the stage's failure) naming what does not fit
   */
  CompletionStage<SagaView<D>> migrate(String sagaId, int toVersion);

  /**
   * Retries the step (or compensation) a parked instance waits on, from attempt 1 with the same
   * idempotency key.
   *
   * @param sagaId the instance
   * @return its view after the action
   */
  CompletionStage<SagaView<D>> retry(String sagaId);

  /**
   * Marks the step (or compensation) a parked instance waits on as done without running it, and
   * continues.
   *
   * @param sagaId the instance
   * @return its view after the action
   */
  CompletionStage<SagaView<D>> skip(String sagaId);

  /**
   * Turns a running or parked instance back: its completed steps are compensated.
   *
   * @param sagaId the instance
   * @return its view after the action
   */
  CompletionStage<SagaView<D>> compensate(String sagaId);

  /**
   * Stops an instance where it is, without compensating (terminal).
   *
   * @param sagaId the instance
   * @return its view after the action
   */
  CompletionStage<SagaView<D>> abort(String sagaId);
}
