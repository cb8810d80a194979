package io.skald.framework.testing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.skald.framework.Skald;
import io.skald.framework.internal.metrics.SkaldMetrics;

/** Reads Skald's meters in tests: a node's composite registry records nothing until given one. */
public final class Meters {
  private Meters() {}

  /**
   * Makes the node's meters record (adds an in-memory registry).
   *
   * @param skald the node
   */
  public static void record(Skald skald) {
    SkaldMetrics.get(skald.system()).registry().add(new SimpleMeterRegistry());
  }

  /**
   * The sum of the counters of a name with one tag value.
   *
   * @param skald the node
   * @param name the meter name
   * @param tag the tag key
   * @param value the tag value
   * @return the count, 0 if none
   */
  public static double count(Skald skald, String name, String tag, String value) {
    return SkaldMetrics.get(skald.system())
        .registry()
        .find(name)
        .tag(tag, value)
        .counters()
        .stream()
        .mapToDouble(Counter::count)
        .sum();
  }
}
