package io.skald.examples.orders;

import io.skald.examples.orders.common.Calls;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Injected faults of the participants: before a handler acts, it waits {@code delay} and then fails
 * with probability {@code rate} (an exception, as a crashed dependency would; the participant's
 * subscription retries it with backoff, and a command that keeps failing is dead-lettered and its
 * saga step times out). With probability {@code slowRate} a handler that acted holds its answer for
 * {@code slowMillis}: set above the step's timeout (10 s), its reply arrives after the saga gave up
 * waiting for it, the case a saga must get right without knowing whether the step happened.
 */
public final class Faults implements Calls {
  private final double rate;
  private final long delayMillis;
  private final double slowRate;
  private final long slowMillis;
  private final Random random;

  /**
   * Creates the faults.
   *
   * @param rate the probability that one handler attempt fails, 0 to 1
   * @param delayMillis the delay before each handler attempt
   * @param seed the random seed
   */
  public Faults(double rate, long delayMillis, long seed) {
    this(rate, delayMillis, 0, 0, seed);
  }

  /**
   * Creates the faults, with slow answers.
   *
   * @param rate the probability that one handler attempt fails, 0 to 1
   * @param delayMillis the delay before each handler attempt
   * @param slowRate the probability that a handler that acted answers late, 0 to 1
   * @param slowMillis how late
   * @param seed the random seed
   */
  public Faults(double rate, long delayMillis, double slowRate, long slowMillis, long seed) {
    if (rate < 0 || rate > 1) {
      throw new IllegalArgumentException("failure rate must be between 0 and 1, was " + rate);
    }
    if (slowRate < 0 || slowRate > 1) {
      throw new IllegalArgumentException("slow rate must be between 0 and 1, was " + slowRate);
    }
    if (delayMillis < 0 || slowMillis < 0) {
      throw new IllegalArgumentException(
          "delays must not be negative, were " + delayMillis + " and " + slowMillis);
    }
    this.rate = rate;
    this.delayMillis = delayMillis;
    this.slowRate = slowRate;
    this.slowMillis = slowMillis;
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
          boolean slow;
          synchronized (random) {
            slow = slowRate > 0 && random.nextDouble() < slowRate;
          }
          CompletionStage<T> acted = action.get();
          return slow
              ? acted.thenCompose(
                  result ->
                      CompletableFuture.supplyAsync(
                          () -> result,
                          CompletableFuture.delayedExecutor(slowMillis, TimeUnit.MILLISECONDS)))
              : acted;
        });
  }
}
