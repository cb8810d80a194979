package io.skald.framework;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

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
 * <!-- snippet: jd-stages -->
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

  /**
   * The same outcome with a {@link CompletionException} or {@link ExecutionException} wrapper taken
   * off: the stage fails with the exception that was thrown. The JDK adds the wrapper when a
   * callback of a dependent stage throws, so a stage built with {@code thenApply}/{@code
   * thenCompose} would fail with {@code CompletionException(UnknownTopicException)} where its
   * caller expects {@code UnknownTopicException}. Every stage Skald's API returns goes through this
   * method (see "Errors" in {@code docs/concepts.md}); callbacks run as with {@link #inline}.
   *
   * @param stage any stage
   * @param <T> the value type
   * @return a plain future with the stage's value, or failed with the unwrapped exception
   */
  public static <T> CompletableFuture<T> unwrapped(CompletionStage<T> stage) {
    CompletableFuture<T> plain = new CompletableFuture<>();
    stage.whenCompleteAsync(
        (value, error) -> {
          if (error != null) {
            plain.completeExceptionally(unwrap(error));
          } else {
            plain.complete(value);
          }
        },
        Runnable::run);
    return plain;
  }

  /**
   * The exception under the JDK's {@link CompletionException} and {@link ExecutionException}
   * wrappers.
   *
   * @param error a failure, perhaps wrapped
   * @return the first cause that is not such a wrapper (the error itself if it is none, or a
   *     wrapper without a cause)
   */
  public static Throwable unwrap(Throwable error) {
    Throwable e = error;
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
