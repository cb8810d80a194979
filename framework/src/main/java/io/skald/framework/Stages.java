package io.skald.framework;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Completion stages whose callbacks run where plain {@link CompletableFuture}'s do.
 *
 * <p>Every {@code CompletionStage} that Pekko's Java API returns (an {@code ask}, an {@code
 * EntityRef.ask}, a stream's materialized value) is Scala's {@code FutureConverters} wrapper, whose
 * non-async methods ({@code thenApply}, {@code whenComplete}, {@code thenCompose}...) are their
 * {@code *Async} variants on the JDK's default executor. On a machine with fewer than three cores
 * the common pool's parallelism is 1 and that default executor is the JDK's thread-per-task
 * executor: <b>every such callback starts a new thread</b>. Profiled on 2 cores, this cost more
 * than the work itself in Skald's saga path.
 *
 * <p>Skald passes every stage it gets from Pekko, and every stage a user handler returns, through
 * {@link #inline}. Do the same in your own code that chains on Pekko's stages:
 *
 * <pre>{@code
 * CompletionStage<Balance> balance =
 *     Stages.inline(AskPattern.ask(account, GetBalance::new, timeout, scheduler));
 * return balance.thenApply(b -> b.amount()); // runs on the thread that completed the ask
 * }</pre>
 */
public final class Stages {
  private Stages() {}

  /**
   * The same outcome as a plain {@link CompletableFuture}: dependents added with non-async methods
   * run on the completing thread (or the caller's, when already complete), as the JDK documents.
   *
   * @param stage any stage; a plain {@code CompletableFuture} is returned as it is
   * @param <T> the value type
   * @return a plain future completed with the stage's value or failure
   */
  public static <T> CompletableFuture<T> inline(CompletionStage<T> stage) {
    if (stage.getClass() == CompletableFuture.class) {
      return (CompletableFuture<T>) stage;
    }
    CompletableFuture<T> plain = new CompletableFuture<>();
    // An *Async method with an explicit executor is not redirected by the wrapper: run inline.
    stage.whenCompleteAsync(
        (value, error) -> {
          if (error != null) {
            plain.completeExceptionally(error);
          } else {
            plain.complete(value);
          }
        },
        Runnable::run);
    return plain;
  }
}
