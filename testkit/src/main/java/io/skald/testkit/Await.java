package io.skald.testkit;

import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;

/** Polling assertions on the testkit's {@code awaitAssert}: no fixed waits. */
public final class Await {
  private Await() {}

  /**
   * Retries an assertion until it holds or the timeout passes.
   *
   * @param system the actor system the probe runs on
   * @param timeout how long to keep trying
   * @param assertion the assertion
   */
  public static void until(ActorSystem<?> system, Duration timeout, Runnable assertion) {
    TestProbe<Object> probe = TestProbe.create(system);
    probe.awaitAssert(
        timeout,
        Duration.ofMillis(50),
        () -> {
          assertion.run();
          return null;
        });
  }
}
