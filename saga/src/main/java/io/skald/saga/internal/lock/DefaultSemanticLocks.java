package io.skald.saga.internal.lock;

import io.skald.framework.Stages;
import io.skald.saga.CommandContext;
import io.skald.saga.SemanticLocks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorSystem;

/** INTERNAL API: semantic locks on sharded lock entities ({@link LockEntity}). */
public final class DefaultSemanticLocks implements SemanticLocks {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9._-]{1,100}");

  private final ActorSystem<?> system;
  private final String name;
  private final Conflict conflict;
  private final Duration maxWait;
  private final Duration askTimeout;

  /**
   * Creates the locks of a space.
   *
   * @param system the actor system (the entity types registered)
   * @param name the space's name
   * @param conflict what a conflicting saga does
   * @param maxWait how long a queued saga waits at most
   * @param askTimeout how long a call waits for a lock entity, beyond the wait
   * @throws IllegalArgumentException for a bad name or a wait that is not positive
   */
  public DefaultSemanticLocks(
      ActorSystem<?> system,
      String name,
      Conflict conflict,
      Duration maxWait,
      Duration askTimeout) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "semantic locks' name '" + name + "' must be 1 to 100 characters from [a-zA-Z0-9._-]");
    }
    Objects.requireNonNull(conflict, "conflict");
    if (maxWait == null || maxWait.isNegative() || maxWait.isZero()) {
      throw new IllegalArgumentException("the longest wait must be positive, was " + maxWait);
    }
    this.system = system;
    this.name = name;
    this.conflict = conflict;
    this.maxWait = maxWait;
    this.askTimeout = askTimeout;
  }

  @Override
  public String name() {
    return name;
  }

  private static String holder(String sagaName, String sagaId) {
    return sagaName + "/" + sagaId;
  }

  private static void check(String resource) {
    if (resource == null
        || resource.isEmpty()
        || resource.length() > 200
        || resource.contains("|")) {
      throw new IllegalArgumentException(
          "a resource's name must be 1 to 200 characters without '|', was " + resource);
    }
  }

  @Override
  public CompletionStage<Lock> acquire(String resource, CommandContext context) {
    try {
      check(resource);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    String holder = holder(context.sagaName(), context.sagaId());
    boolean queue = conflict == Conflict.QUEUE;
    Duration wait = queue ? maxWait.plus(askTimeout) : askTimeout;
    return Stages.unwrapped(
        Stages.inline(
                LockHoldings.ref(system, name, holder)
                    .<Boolean>ask(replyTo -> new LockHoldings.Add(resource, replyTo), askTimeout))
            .thenCompose(
                remembered ->
                    Stages.inline(
                        LockEntity.ref(system, name, resource)
                            .<LockEntity.Outcome>ask(
                                replyTo ->
                                    new LockEntity.Acquire(
                                        holder, queue, maxWait.toMillis(), replyTo),
                                wait)))
            .thenApply(outcome -> new Lock(resource, outcome.granted(), outcome.heldBy())));
  }

  @Override
  public CompletionStage<Boolean> release(String resource, CommandContext context) {
    try {
      check(resource);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    String holder = holder(context.sagaName(), context.sagaId());
    return Stages.unwrapped(release(holder, List.of(resource)).thenApply(n -> n > 0));
  }

  /** Releases at the locks, then forgets them in the holdings; counts the ones held or awaited. */
  private CompletionStage<Integer> release(String holder, List<String> resources) {
    List<CompletableFuture<Boolean>> released = new ArrayList<>();
    for (String resource : resources) {
      released.add(
          Stages.inline(
                  LockEntity.ref(system, name, resource)
                      .<Boolean>ask(replyTo -> new LockEntity.Release(holder, replyTo), askTimeout))
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(released.toArray(CompletableFuture[]::new))
        .thenCompose(
            all ->
                Stages.inline(
                    LockHoldings.ref(system, name, holder)
                        .<Boolean>ask(
                            replyTo -> new LockHoldings.Remove(resources, replyTo), askTimeout)))
        .thenApply(ok -> (int) released.stream().filter(CompletableFuture::join).count());
  }

  @Override
  public CompletionStage<Integer> releaseAll(String sagaName, String sagaId) {
    String holder = holder(sagaName, sagaId);
    return Stages.unwrapped(
        Stages.inline(
                LockHoldings.ref(system, name, holder)
                    .<LockHoldings.State>ask(LockHoldings.Get::new, askTimeout))
            .thenCompose(
                held ->
                    held.resources().isEmpty()
                        ? CompletableFuture.completedFuture(0)
                        : release(holder, held.resources())));
  }

  @Override
  public CompletionStage<Optional<String>> holder(String resource) {
    try {
      check(resource);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    return Stages.unwrapped(
        Stages.inline(
                LockEntity.ref(system, name, resource)
                    .<LockEntity.State>ask(LockEntity.Get::new, askTimeout))
            .thenApply(state -> Optional.ofNullable(state.holder())));
  }

  @Override
  public String toString() {
    return "SemanticLocks[" + name + ", " + conflict + ", wait " + maxWait + "]";
  }
}
