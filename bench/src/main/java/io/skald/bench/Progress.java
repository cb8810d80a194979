package io.skald.bench;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What the benchmark is doing, on standard error: each scenario and each measured run as it starts
 * ({@code [bench 3m12s] produce-4: run 2 of 5}), and every 30 seconds while one runs, so a long run
 * shows where it is.
 */
final class Progress {
  private static final long START = System.nanoTime();
  private static volatile String scenario = "starting";
  private static volatile String step = "";
  private static ScheduledExecutorService ticker;

  private Progress() {}

  /** Starts the 30-second heartbeat (once). */
  static synchronized void start() {
    if (ticker != null) {
      return;
    }
    ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "bench-progress");
              t.setDaemon(true);
              return t;
            });
    ticker.scheduleAtFixedRate(
        () -> print("still in " + scenario + step), 30, 30, TimeUnit.SECONDS);
  }

  /** A scenario starts. */
  static void scenario(String id, int index, int count) {
    scenario = id + " (scenario " + index + " of " + count + ")";
    step = "";
    print(scenario);
  }

  /**
   * A run of the current scenario starts.
   *
   * @param run the run, from 1; 0 for the warm-up
   * @param runs the number of runs
   */
  static void run(int run, int runs) {
    step = run == 0 ? ": warm-up" : ": run " + run + " of " + runs;
    print(scenario + step);
  }

  private static void print(String what) {
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - START);
    System.err.printf("[bench %dm%02ds] %s%n", seconds / 60, seconds % 60, what);
  }
}
