package io.skald.framework.internal.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * INTERNAL API: the meters of one actor system's Skald, in a {@link CompositeMeterRegistry} that
 * records nothing until the user adds a registry to it ({@code skald.meterRegistry().add(...)}).
 * Meters are looked up once per topic, group or partition and cached, so the hot paths only
 * increment. Tags are topics, groups, partitions, saga names, steps and reasons: never keys or
 * record ids, so the number of series stays bounded by the deployment's shape.
 */
public final class SkaldMetrics implements Extension {
  private static final Duration MIN_LATENCY = Duration.ofNanos(50_000);
  private static final Duration MAX_LATENCY = Duration.ofSeconds(60);

  /** The extension's id. */
  public static final ExtensionId<SkaldMetrics> ID =
      new ExtensionId<>() {
        @Override
        public SkaldMetrics createExtension(ActorSystem<?> system) {
          return new SkaldMetrics(new CompositeMeterRegistry());
        }
      };

  /**
   * The metrics of an actor system.
   *
   * @param system the actor system
   * @return its metrics
   */
  public static SkaldMetrics get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  private final CompositeMeterRegistry registry;
  private final ConcurrentHashMap<String, ProducerMeters> producers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ConsumerMeters> consumers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
  private final java.util.Map<String, SharedGauge> gauges = new java.util.HashMap<>();
  private final JournalMeters journal;

  SkaldMetrics(CompositeMeterRegistry registry) {
    this.registry = registry;
    this.journal = new JournalMeters(registry);
  }

  /**
   * The registry every Skald meter is registered in.
   *
   * @return the composite registry
   */
  public CompositeMeterRegistry registry() {
    return registry;
  }

  /**
   * The journal's meters.
   *
   * @return them
   */
  public JournalMeters journal() {
    return journal;
  }

  /**
   * The meters of producing to a topic.
   *
   * @param topic the topic
   * @return them
   */
  public ProducerMeters producer(String topic) {
    return producers.computeIfAbsent(topic, t -> new ProducerMeters(registry, t));
  }

  /**
   * The meters of a group consuming a topic.
   *
   * @param group the group
   * @param topic the topic
   * @return them
   */
  public ConsumerMeters consumer(String group, String topic) {
    return consumers.computeIfAbsent(
        group + '\u0000' + topic, k -> new ConsumerMeters(registry, group, topic));
  }

  /**
   * A counter of this registry, cached by name and tags.
   *
   * @param name the meter name
   * @param description its description
   * @param tags tag keys and values
   * @return the counter
   */
  public Counter counter(String name, String description, String... tags) {
    return counters.computeIfAbsent(
        name + String.join("\u0000", tags),
        k -> Counter.builder(name).description(description).tags(tags).register(registry));
  }

  /**
   * A latency timer with a percentile histogram (bounded buckets, 50 µs to 60 s).
   *
   * @param name the meter name
   * @param description its description
   * @param tags tag keys and values
   * @return the timer
   */
  public Timer timer(String name, String description, String... tags) {
    return latency(name, description, Tags.of(tags), registry);
  }

  static Timer latency(String name, String description, Tags tags, MeterRegistry registry) {
    return Timer.builder(name)
        .description(description)
        .tags(tags)
        .publishPercentileHistogram()
        .minimumExpectedValue(MIN_LATENCY)
        .maximumExpectedValue(MAX_LATENCY)
        .register(registry);
  }

  /**
   * A gauge of a partition's lag (or another per-partition number) that the caller sets and removes
   * when it stops owning the partition.
   *
   * @param name the meter name
   * @param description its description
   * @param tags tag keys and values
   * @return the gauge's holder
   */
  public PartitionGauge partitionGauge(String name, String description, String... tags) {
    String key = name + '\u0000' + String.join("\u0000", tags);
    synchronized (gauges) {
      SharedGauge shared = gauges.get(key);
      if (shared == null) {
        AtomicLong value = new AtomicLong();
        Gauge gauge =
            Gauge.builder(name, value, AtomicLong::get)
                .description(description)
                .tags(tags)
                .strongReference(true)
                .register(registry);
        shared = new SharedGauge(gauge, value);
        gauges.put(key, shared);
      }
      shared.owners++;
      return new PartitionGauge(this, key, shared);
    }
  }

  /** Removes one owner of a gauge; the gauge goes with its last owner. */
  private void release(String key, SharedGauge shared) {
    synchronized (gauges) {
      if (--shared.owners == 0 && gauges.get(key) == shared) {
        gauges.remove(key);
        registry.remove(shared.gauge);
      }
    }
  }

  /**
   * A registered per-partition gauge and how many holders own it: when a partition moves between
   * two members of one node, the new owner's worker starts before the old one stopped, and both
   * hold the same gauge for a moment (Micrometer would ignore the second registration, and the
   * first owner's removal would take the gauge away from the second).
   */
  private static final class SharedGauge {
    final Gauge gauge;
    final AtomicLong value;
    int owners;

    SharedGauge(Gauge gauge, AtomicLong value) {
      this.gauge = gauge;
      this.value = value;
    }
  }

  /** A gauge's value, and its removal. */
  public static final class PartitionGauge {
    private final SkaldMetrics metrics;
    private final String key;
    private final SharedGauge shared;
    private final java.util.concurrent.atomic.AtomicBoolean removed =
        new java.util.concurrent.atomic.AtomicBoolean();

    PartitionGauge(SkaldMetrics metrics, String key, SharedGauge shared) {
      this.metrics = metrics;
      this.key = key;
      this.shared = shared;
    }

    /**
     * Sets the value (every holder of the gauge sets the same one: the last one set shows).
     *
     * @param v the value
     */
    public void set(long v) {
      if (!removed.get()) {
        shared.value.set(v);
      }
    }

    /** Gives the gauge up; it leaves the registry with its last holder. Idempotent. */
    public void remove() {
      if (removed.compareAndSet(false, true)) {
        metrics.release(key, shared);
      }
    }
  }

  /** Producing to one topic. */
  public static final class ProducerMeters {
    private final Counter records;
    private final Counter bytes;
    private final Counter failures;
    private final Timer append;

    ProducerMeters(MeterRegistry registry, String topic) {
      records =
          Counter.builder("skald.producer.records")
              .description("Records acknowledged to producers")
              .tag("topic", topic)
              .register(registry);
      bytes =
          Counter.builder("skald.producer.bytes")
              .description("Encoded bytes of the records acknowledged to producers")
              .baseUnit("bytes")
              .tag("topic", topic)
              .register(registry);
      failures =
          Counter.builder("skald.producer.failed.records")
              .description("Records whose send failed (refused, timed out)")
              .tag("topic", topic)
              .register(registry);
      append =
          latency(
              "skald.producer.append",
              "From a batch's first send to the partition's durable acknowledgement",
              Tags.of("topic", topic),
              registry);
    }

    /**
     * A batch was acknowledged.
     *
     * @param count its records
     * @param size its bytes
     * @param nanos how long it took
     */
    public void acknowledged(int count, int size, long nanos) {
      records.increment(count);
      bytes.increment(size);
      append.record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * A batch failed.
     *
     * @param count its records
     */
    public void failed(int count) {
      failures.increment(count);
    }
  }

  /** A group consuming one topic. */
  public static final class ConsumerMeters {
    private final Counter records;
    private final Counter bytes;
    private final Counter retries;
    private final Timer handler;

    ConsumerMeters(MeterRegistry registry, String group, String topic) {
      Tags tags = Tags.of("group", group, "topic", topic);
      records =
          Counter.builder("skald.consumer.records")
              .description("Records the group's handler completed")
              .tags(tags)
              .register(registry);
      bytes =
          Counter.builder("skald.consumer.bytes")
              .description("Key and value bytes of the records the group's handler completed")
              .baseUnit("bytes")
              .tags(tags)
              .register(registry);
      retries =
          Counter.builder("skald.consumer.retries")
              .description("Handler attempts that failed and were retried")
              .tags(tags)
              .register(registry);
      handler =
          latency(
              "skald.consumer.handler",
              "Duration of the group's handler, per attempt",
              tags,
              registry);
    }

    /**
     * An attempt completed.
     *
     * @param nanos how long the handler took
     * @param succeeded whether it succeeded
     * @param size the record's key and value bytes
     */
    public void attempt(long nanos, boolean succeeded, int size) {
      handler.record(nanos, TimeUnit.NANOSECONDS);
      if (succeeded) {
        records.increment();
        bytes.increment(size);
      }
    }

    /** A failed attempt will be retried. */
    public void retried() {
      retries.increment();
    }
  }

  /** The embedded journal's group commit. */
  public static final class JournalMeters {
    private final Timer fsync;
    private final Timer flush;
    private final DistributionSummary writesPerSync;

    JournalMeters(MeterRegistry registry) {
      fsync =
          latency(
              "skald.journal.fsync",
              "Duration of the journal's synced write that makes a group of writes durable",
              Tags.empty(),
              registry);
      flush =
          latency(
              "skald.journal.write",
              "Duration of a group commit: writing the group's requests and syncing them",
              Tags.empty(),
              registry);
      writesPerSync =
          DistributionSummary.builder("skald.journal.writes.per.sync")
              .description(
                  "Write requests (one per persisting entity) made durable by one fsync: the"
                      + " group commit's efficiency")
              .publishPercentileHistogram()
              .minimumExpectedValue(1.0)
              .maximumExpectedValue(10_000.0)
              .register(registry);
    }

    /**
     * A group commit finished.
     *
     * @param writes the write requests of the group
     * @param flushNanos the whole group's duration
     * @param fsyncNanos the synced write's duration
     */
    public void groupCommitted(int writes, long flushNanos, long fsyncNanos) {
      writesPerSync.record(writes);
      flush.record(flushNanos, TimeUnit.NANOSECONDS);
      fsync.record(fsyncNanos, TimeUnit.NANOSECONDS);
    }
  }
}
