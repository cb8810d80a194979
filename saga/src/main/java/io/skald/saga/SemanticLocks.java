package io.skald.saga;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Semantic locks: the countermeasure to sagas' lack of isolation (Garcia-Molina and Salem's sagas,
 * Richardson's "semantic lock"). A participant marks a resource as held by the saga in progress
 * that changed it (an order "pending", the last unit of a SKU reserved), and a conflicting saga is
 * refused or queued until the holder ends, instead of acting on a state that may still be undone. A
 * lock is held by a saga instance (its name and id), is re-entrant for it, survives restarts and
 * moves (each resource is a small event-sourced entity), and is released by {@link #release} or,
 * for a participant that {@link Participant#releasingAtEnd releases at end}, when the saga ends
 * (completed, compensated or aborted), after every command of the saga.
 * <!-- snippet: jd-semantic-locks -->
 *
 * <pre>{@code
 * SemanticLocks skus =
 *     sagas.semanticLocks("last-units", SemanticLocks.Conflict.QUEUE, Duration.ofSeconds(5));
 * sagas
 *     .participant("inventory")
 *     .on(
 *         Inventory.RESERVE,
 *         (cmd, ctx) ->
 *             skus.acquire(cmd.sku(), ctx)
 *                 .thenCompose(
 *                     lock ->
 *                         lock.granted()
 *                             ? stock.reserve(cmd)
 *                             : CompletableFuture.completedFuture(new OutOfStock(cmd.sku()))))
 *     .on(Inventory.RELEASE, (cmd, ctx) -> stock.release(cmd))
 *     .releasingAtEnd(skus)
 *     .start();
 * }</pre>
 */
public interface SemanticLocks {

  /** What a saga that finds a resource held by another does. */
  enum Conflict {
    /** Refused at once: the acquire completes with the holder. */
    REFUSE,
    /**
     * Queued, first come first served: the acquire completes when the lock is granted, or refused
     * when the wait exceeds the locks' maximum wait (keep it below the step's timeout).
     */
    QUEUE
  }

  /**
   * The outcome of an acquire.
   *
   * @param resource the resource
   * @param granted true if the saga holds the lock now
   * @param heldBy the saga instance that holds it ({@code <saga>/<id>}), this one when granted
   */
  record Lock(String resource, boolean granted, String heldBy) {}

  /**
   * The locks' name: the space their resources' names live in.
   *
   * @return the name
   */
  String name();

  /**
   * Takes the lock of a resource for the saga a command belongs to (re-entrant: a saga that holds
   * it, or a redelivered command of it, is granted again).
   *
   * @param resource the resource, 1 to 200 characters without {@code |}
   * @param context the command's context: the saga instance that will hold the lock
   * @return the outcome, once durable
   */
  CompletionStage<Lock> acquire(String resource, CommandContext context);

  /**
   * Gives a resource's lock up (or leaves its queue), for the saga a command belongs to.
   *
   * @param resource the resource
   * @param context the command's context
   * @return true if the saga held the lock or waited for it
   */
  CompletionStage<Boolean> release(String resource, CommandContext context);

  /**
   * Gives up every lock a saga instance holds or waits for here.
   *
   * @param sagaName the saga
   * @param sagaId the instance
   * @return how many resources it held or waited for
   */
  CompletionStage<Integer> releaseAll(String sagaName, String sagaId);

  /**
   * Who holds a resource.
   *
   * @param resource the resource
   * @return the saga instance ({@code <saga>/<id>}), or empty if nobody does
   */
  CompletionStage<Optional<String>> holder(String resource);
}
