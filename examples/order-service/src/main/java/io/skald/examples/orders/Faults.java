package io.skald.examples.orders;

import io.skald.examples.orders.common.Calls;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Injected technical failures of the participants: before a handler acts, it waits {@code delay}
 * and then fails with probability {@code rate} (an exception, as a crashed dependency would). The
 * participant's subscription retries it with backoff; a command that keeps failing is dead-lettered
 * and its saga step times out.
 */
public final class Faults implements Calls {
  private final double rate;
  private final long delayMillis;
  private final Random random;

  /**
   * Creates the faults.
   *
   * @param rate the probability that one handler attempt fails, 0 to 1
   * @param delayMillis the delay before each handler attempt
   * @param seed the random seed
   */
  public Faults(double rate, long delayMillis, long seed) {
    if (rate < 0 || rate > 1) {
      throw new IllegalArgumentException("failure rate must be between 0 and 1, was " + rate);
    }
    if (delayMillis < 0) {
      throw new IllegalArgumentException("delay must not be negative, was " + delayMillis);
    }
    this.rate = rate;
    this.delayMillis = delayMillis;
    this.random = new Random(seed);
  }

  /**
   * Runs an action after the delay, or fails instead.
   *
   * @param action the handler's work
   * @param <T> its result
   * @return its result, or an injected failure
   */
  @Override
  public <T> CompletionStage<T> around(Supplier<CompletionStage<T>> action) {
    CompletionStage<Void> delayed =
        delayMillis == 0
            ? CompletableFuture.completedFuture(null)
            : CompletableFuture.runAsync(
                () -> {}, CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS));
    return delayed.thenCompose(
        ignored -> {
          boolean fail;
          synchronized (random) {
            fail = rate > 0 && random.nextDouble() < rate;
          }
          if (fail) {
            return CompletableFuture.failedFuture(
                new IllegalStateException("injected technical failure"));
          }
          return action.get();
        });
  }
}
