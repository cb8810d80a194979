package io.skald.saga.internal.runner;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.skald.saga.SagaStatus;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * INTERNAL API: the meters of one saga definition, in the node's Skald registry ({@code
 * skald.meterRegistry()}): instances by status (a gauge refreshed from the saga index), status
 * transitions, and step latency by step, direction and outcome. Tags are the saga's name, its
 * steps, statuses and outcomes: never instance ids.
 */
public final class SagaMeters {
  private final MeterRegistry registry;
  private final String saga;
  private final Map<SagaStatus, AtomicLong> instances = new EnumMap<>(SagaStatus.class);
  private final AtomicLong deleted = new AtomicLong();
  private final Map<SagaStatus, Counter> transitions = new EnumMap<>(SagaStatus.class);
  private final ConcurrentHashMap<String, Timer> steps = new ConcurrentHashMap<>();

  /**
   * Registers the meters of a saga.
   *
   * @param registry the node's Skald registry
   * @param saga the definition's name
   */
  public SagaMeters(MeterRegistry registry, String saga) {
    this.registry = registry;
    this.saga = saga;
    Gauge.builder("skald.saga.retention.deleted", deleted, AtomicLong::get)
        .description("Finished saga instances whose journal retention deleted, in all")
        .tags("saga", saga)
        .strongReference(true)
        .register(registry);
    for (SagaStatus status : SagaStatus.values()) {
      AtomicLong count = new AtomicLong();
      instances.put(status, count);
      Gauge.builder("skald.saga.instances", count, AtomicLong::get)
          .description("Saga instances by status, as the saga index last counted them")
          .tags("saga", saga, "status", status.name())
          .strongReference(true)
          .register(registry);
      transitions.put(
          status,
          Counter.builder("skald.saga.transitions")
              .description("Saga instances that entered a status on this node")
              .tags("saga", saga, "status", status.name())
              .register(registry));
    }
  }

  /**
   * The index's latest counts.
   *
   * @param counts instances by status
   * @param deletedInAll finished instances retention deleted
   */
  public void counted(Map<SagaStatus, Long> counts, long deletedInAll) {
    instances.forEach((status, value) -> value.set(counts.getOrDefault(status, 0L)));
    deleted.set(deletedInAll);
  }

  /**
   * An instance entered a status.
   *
   * @param status the status
   */
  public void entered(SagaStatus status) {
    transitions.get(status).increment();
  }

  /**
   * A step's direction finished.
   *
   * @param step the step
   * @param compensation true for its compensation
   * @param outcome how it ended (the phase's name)
   * @param nanos from its first send in this incarnation to its end
   */
  public void stepEnded(String step, boolean compensation, String outcome, long nanos) {
    String direction = compensation ? "compensation" : "forward";
    steps
        .computeIfAbsent(
            step + '\u0000' + direction + '\u0000' + outcome,
            k ->
                Timer.builder("skald.saga.step")
                    .description(
                        "From a step's first command to its outcome (retries included), by"
                            + " direction and outcome")
                    .tags("saga", saga, "step", step, "direction", direction, "outcome", outcome)
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofMinutes(10))
                    .register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
  }
}
