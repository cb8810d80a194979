package io.skald.bench;

import com.typesafe.config.ConfigFactory;
import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * The benchmark harness of the messaging layer. Each scenario runs on a fresh data directory with
 * the default durable configuration (LevelDB, fsync on every write), warms up, then measures
 * several runs and reports the median and the spread.
 *
 * <pre>
 * bench/run                 # every scenario
 * bench/run produce-4 e2e   # named scenarios
 * bench/run --quick         # short runs (smoke test)
 * </pre>
 */
public final class Bench {
  private static final int RECORD_BYTES = 100;

  /** The systems measured: Skald, and the Kafka peer with and without an fsync per batch. */
  static final String SKALD = "skald";

  static final String KAFKA_FSYNC = "kafka-fsync";
  static final String KAFKA = "kafka";

  private final boolean quick;
  private final int runs;
  private final boolean withKafka;
  private final List<Result> results = new ArrayList<>();
  private KafkaPeer kafka;

  /** One measured figure. */
  record Result(
      String scenario,
      String metric,
      String system,
      String unit,
      double median,
      double min,
      double max,
      int runs) {}

  private Bench(boolean quick, int runs, boolean withKafka) {
    this.quick = quick;
    this.runs = runs;
    this.withKafka = withKafka;
  }

  /**
   * Runs the named scenarios.
   *
   * @param args scenario names and options
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    run(args);
    System.exit(0);
  }

  /**
   * Runs the named scenarios, prints the table and writes the results file.
   *
   * @param args scenario names and options, as for {@link #main}
   * @return the results file
   * @throws Exception on failure
   */
  public static Path run(String... args) throws Exception {
    boolean quick = false;
    boolean withKafka = true;
    int runs = 5;
    List<String> scenarios = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--no-kafka" -> withKafka = false;
        default -> scenarios.add(args[i]);
      }
    }
    if (quick) {
      runs = Math.min(runs, 2);
    }
    List<String> all =
        List.of(
            "produce-1",
            "produce-4",
            "e2e-max",
            "e2e-10k",
            "consume-1-2-4",
            "scale-partitions",
            "scale-sagas",
            "saga-orch",
            "saga-chor",
            "cluster-1-2-3");
    if (scenarios.isEmpty() || scenarios.contains("all")) {
      scenarios = all;
    }
    Bench bench = new Bench(quick, runs, withKafka);
    try {
      bench.runAll(scenarios, all);
    } finally {
      if (bench.kafka != null) {
        bench.kafka.close();
      }
    }
    return bench.report();
  }

  private void runAll(List<String> scenarios, List<String> all) throws Exception {
    Bench bench = this;
    for (String scenario : scenarios) {
      switch (scenario) {
        case "produce-1" -> bench.produce(1);
        case "produce-4" -> bench.produce(4);
        case "e2e-max" -> bench.endToEnd(0);
        case "e2e-10k" -> bench.endToEnd(10_000);
        case "consume-1-2-4" -> bench.consumers();
        case "scale-partitions" -> bench.scalePartitions();
        case "scale-sagas" -> bench.scaleSagas();
        case "saga-orch" -> bench.sagas(io.skald.examples.orders.Shop.Flow.ORCHESTRATION);
        case "saga-chor" -> bench.sagas(io.skald.examples.orders.Shop.Flow.CHOREOGRAPHY);
        case "cluster-1-2-3" -> bench.cluster();
        default ->
            throw new IllegalArgumentException(
                "unknown scenario '" + scenario + "'; known: " + all);
      }
    }
  }

  /** The Kafka peer's scenarios, or null when the run is without Kafka. */
  private KafkaScenarios kafka() throws Exception {
    if (!withKafka) {
      return null;
    }
    if (kafka == null) {
      kafka = KafkaPeer.start();
    }
    return new KafkaScenarios(kafka);
  }

  /** The peer's configurations: an fsync per appended batch (as Skald), and Kafka's default. */
  private static final List<String> KAFKA_SYSTEMS = List.of(KAFKA_FSYNC, KAFKA);

  /** A 100-byte value starting with the send time, for latency. */
  static byte[] value(long sentNanos) {
    byte[] value = new byte[RECORD_BYTES];
    ByteBuffer.wrap(value).putLong(sentNanos);
    return value;
  }

  /** Durable produce throughput: records acknowledged after their fsynced write, per second. */
  private void produce(int partitions) throws Exception {
    int records = quick ? 20_000 : 300_000;
    double[] rates = new double[runs];
    withNode(
        skald -> {
          String topic = "produce-" + partitions;
          skald.admin().createTopic(TopicSpec.of(topic, partitions)).toCompletableFuture().join();
          Producer<String, byte[]> producer =
              skald.producer(ProducerSettings.of(Codecs.string(), Codecs.bytes()));
          sendAll(producer, topic, records / 2); // warm-up
          for (int run = 0; run < runs; run++) {
            long start = System.nanoTime();
            sendAll(producer, topic, records);
            rates[run] = records / seconds(System.nanoTime() - start);
          }
          record("produce-" + partitions, "durable produce", "records/s", rates);
          record("produce-" + partitions, "heap after GC", "MiB", new double[] {heapAfterGcMiB()});
        });
    KafkaScenarios peer = kafka();
    if (peer == null) {
      return;
    }
    try (var producer = peer.producer()) {
      for (String system : KAFKA_SYSTEMS) {
        String topic = "produce-" + partitions + "-" + system;
        kafka.createTopic(topic, partitions, system.equals(KAFKA_FSYNC));
        KafkaScenarios.prime(producer, topic, partitions);
        KafkaScenarios.sendAll(producer, topic, records / 2); // warm-up
        double[] kafkaRates = new double[runs];
        for (int run = 0; run < runs; run++) {
          kafkaRates[run] = records / seconds(KafkaScenarios.sendAll(producer, topic, records));
        }
        record("produce-" + partitions, "durable produce", system, "records/s", kafkaRates);
      }
    }
  }

  private static void sendAll(Producer<String, byte[]> producer, String topic, int records)
      throws InterruptedException {
    sendAll(producer, topic, records, 0, 50_000);
  }

  /**
   * Sends {@code records} 100-byte records with keys {@code key-(firstKey + i) % 1024}, at most
   * {@code window} unacknowledged, and waits for every ack.
   */
  static void sendAll(
      Producer<String, byte[]> producer, String topic, int records, int firstKey, int window)
      throws InterruptedException {
    Semaphore inFlight = new Semaphore(window);
    AtomicLong failures = new AtomicLong();
    for (int i = 0; i < records; i++) {
      inFlight.acquire();
      producer
          .send(topic, "key-" + ((firstKey + i) % 1024), value(System.nanoTime()))
          .whenComplete(
              (meta, error) -> {
                if (error != null) {
                  failures.incrementAndGet();
                }
                inFlight.release();
              });
    }
    inFlight.acquire(window);
    inFlight.release(window);
    if (failures.get() > 0) {
      throw new IllegalStateException(failures.get() + " sends failed");
    }
  }

  /**
   * Produce → consume: at the maximum rate (records/s from first send to last handled) or at a
   * fixed rate (latency only), latency from send to handler.
   */
  private void endToEnd(int ratePerSecond) throws Exception {
    int records =
        ratePerSecond == 0 ? (quick ? 20_000 : 200_000) : ratePerSecond * (quick ? 2 : 10);
    String name = ratePerSecond == 0 ? "e2e-max" : "e2e-10k";
    double[] rates = new double[runs];
    double[] p50 = new double[runs];
    double[] p99 = new double[runs];
    double[] p999 = new double[runs];
    withNode(
        skald -> {
          String topic = name;
          skald.admin().createTopic(TopicSpec.of(topic, 4)).toCompletableFuture().join();
          Producer<String, byte[]> producer =
              skald.producer(ProducerSettings.of(Codecs.string(), Codecs.bytes()));
          for (int run = -1; run < runs; run++) {
            ConcurrentHistogram latency = new ConcurrentHistogram(3);
            AtomicLong handled = new AtomicLong();
            CompletableFuture<Long> allHandled = new CompletableFuture<>();
            int expected = run < 0 ? records / 2 : records;
            Subscription subscription =
                skald.subscribe(
                    SubscriptionSpec.of("bench-" + run, Codecs.string(), Codecs.bytes())
                        .withTopics(topic)
                        .withStartPosition(io.skald.framework.consumer.StartPosition.LATEST),
                    record -> {
                      long now = System.nanoTime();
                      latency.recordValue(
                          Math.max(0, (now - ByteBuffer.wrap(record.value()).getLong()) / 1_000));
                      if (handled.incrementAndGet() == expected) {
                        allHandled.complete(now);
                      }
                      return CompletableFuture.completedFuture(null);
                    });
            awaitAssigned(subscription, 4);
            long start = System.nanoTime();
            if (ratePerSecond == 0) {
              sendAll(producer, topic, expected);
            } else {
              sendPaced(producer, topic, expected, ratePerSecond);
            }
            long end = allHandled.get(120, TimeUnit.SECONDS);
            subscription.stop().toCompletableFuture().join();
            if (run >= 0) {
              rates[run] = expected / seconds(end - start);
              p50[run] = latency.getValueAtPercentile(50) / 1000.0;
              p99[run] = latency.getValueAtPercentile(99) / 1000.0;
              p999[run] = latency.getValueAtPercentile(99.9) / 1000.0;
            }
          }
          if (ratePerSecond == 0) {
            record(name, "end-to-end throughput", "records/s", rates);
          }
          record(name, "latency p50", "ms", p50);
          record(name, "latency p99", "ms", p99);
          record(name, "latency p99.9", "ms", p999);
          record(name, "heap after GC", "MiB", new double[] {heapAfterGcMiB()});
        });
    KafkaScenarios peer = kafka();
    if (peer == null) {
      return;
    }
    try (var producer = peer.producer()) {
      for (String system : KAFKA_SYSTEMS) {
        String topic = name + "-" + system;
        kafka.createTopic(topic, 4, system.equals(KAFKA_FSYNC));
        KafkaScenarios.prime(producer, topic, 4);
        for (int run = -1; run < runs; run++) {
          int expected = run < 0 ? records / 2 : records;
          KafkaScenarios.EndToEnd m = peer.endToEnd(producer, topic, 4, expected, ratePerSecond);
          if (run >= 0) {
            rates[run] = m.recordsPerSecond();
            p50[run] = m.latencyMicros().getValueAtPercentile(50) / 1000.0;
            p99[run] = m.latencyMicros().getValueAtPercentile(99) / 1000.0;
            p999[run] = m.latencyMicros().getValueAtPercentile(99.9) / 1000.0;
          }
        }
        if (ratePerSecond == 0) {
          record(name, "end-to-end throughput", system, "records/s", rates);
        }
        record(name, "latency p50", system, "ms", p50);
        record(name, "latency p99", system, "ms", p99);
        record(name, "latency p99.9", system, "ms", p999);
      }
    }
  }

  /** A group of 1, 2 and 4 members catching up a backlog on 4 partitions. */
  private void consumers() throws Exception {
    int backlog = quick ? 20_000 : 1_000_000;
    withNode(
        skald -> {
          skald.admin().createTopic(TopicSpec.of("backlog", 4)).toCompletableFuture().join();
          Producer<String, byte[]> producer =
              skald.producer(ProducerSettings.of(Codecs.string(), Codecs.bytes()));
          sendAll(producer, "backlog", backlog);
          for (int members : new int[] {1, 2, 4}) {
            double[] rates = new double[runs];
            for (int run = -1; run < runs; run++) {
              AtomicLong handled = new AtomicLong();
              CompletableFuture<Long> done = new CompletableFuture<>();
              List<Subscription> group = new ArrayList<>();
              long start = System.nanoTime();
              for (int m = 0; m < members; m++) {
                group.add(
                    skald.subscribe(
                        SubscriptionSpec.of(
                                "catch-up-" + members + "-" + run, Codecs.string(), Codecs.bytes())
                            .withTopics("backlog"),
                        record -> {
                          if (handled.incrementAndGet() == backlog) {
                            done.complete(System.nanoTime());
                          }
                          return CompletableFuture.completedFuture(null);
                        }));
              }
              long end = done.get(300, TimeUnit.SECONDS);
              for (Subscription s : group) {
                s.stop().toCompletableFuture().join();
              }
              if (run >= 0) {
                rates[run] = backlog / seconds(end - start);
              }
            }
            record("consume-" + members, "backlog catch-up", "records/s", rates);
          }
        });
    KafkaScenarios peer = kafka();
    if (peer == null) {
      return;
    }
    for (String system : KAFKA_SYSTEMS) {
      String topic = "backlog-" + system;
      kafka.createTopic(topic, 4, system.equals(KAFKA_FSYNC));
      int records;
      try (var producer = peer.producer()) {
        records = KafkaScenarios.prime(producer, topic, 4) + backlog;
        KafkaScenarios.sendAll(producer, topic, backlog);
      }
      for (int members : new int[] {1, 2, 4}) {
        double[] rates = new double[runs];
        for (int run = -1; run < runs; run++) {
          double rate = peer.catchUp(topic, members, records);
          if (run >= 0) {
            rates[run] = rate;
          }
        }
        record("consume-" + members, "backlog catch-up", system, "records/s", rates);
      }
    }
  }

  /**
   * Scenario 5, partitions: heap per started, idle partition (recovered, no traffic) over many
   * partitions, and the time to bring them all back after a restart of the node.
   */
  private void scalePartitions() throws Exception {
    int partitions = quick ? 1_000 : 10_000;
    String name = "partitions-" + partitions;
    Path dir = Files.createTempDirectory("skald-bench-");
    try {
      Skald skald = startNode(dir);
      try {
        skald.admin().createTopic(TopicSpec.of("idle", partitions)).toCompletableFuture().join();
        double before = heapAfterGcMiB();
        double start = seconds(ScaleBench.touchPartitions(skald, "idle", partitions));
        double after = heapAfterGcMiB();
        record(name, "first start", "s", new double[] {start});
        record(name, "heap of idle partitions", "MiB", new double[] {after - before});
        record(
            name,
            "heap per idle partition",
            "KiB",
            new double[] {(after - before) * 1024 / partitions});
      } finally {
        skald.close();
      }
      recordRecovery(name, dir, node -> ScaleBench.touchPartitions(node, "idle", partitions));
    } finally {
      deleteDir(dir);
    }
  }

  /**
   * Scenario 5, sagas: many saga instances in flight at once (each waiting for a participant that
   * is not running), their start rate, heap per instance, and the time to bring them all back after
   * a restart of the node.
   */
  private void scaleSagas() throws Exception {
    int sagas = quick ? 2_000 : 100_000;
    String name = "sagas-" + sagas;
    Path dir = Files.createTempDirectory("skald-bench-");
    try {
      Skald skald = startNode(dir);
      try {
        var orchestrator = ScaleBench.orchestrator(skald);
        double before = heapAfterGcMiB();
        long started = ScaleBench.startSagas(orchestrator, sagas);
        double after = heapAfterGcMiB();
        record(name, "saga starts", "sagas/s", new double[] {sagas / seconds(started)});
        record(name, "heap of in-flight sagas", "MiB", new double[] {after - before});
        record(
            name, "heap per in-flight saga", "KiB", new double[] {(after - before) * 1024 / sagas});
      } finally {
        skald.close();
      }
      recordRecovery(
          name, dir, node -> ScaleBench.awaitRunning(ScaleBench.orchestrator(node), sagas));
    } finally {
      deleteDir(dir);
    }
  }

  /** Restarts a node on {@code dir} and records the time until {@code recovered} returns. */
  private void recordRecovery(String name, Path dir, Scenario recovered) throws Exception {
    long restart = System.nanoTime();
    Skald skald = startNode(dir);
    try {
      recovered.run(skald);
      record(
          name, "recovery after restart", "s", new double[] {seconds(System.nanoTime() - restart)});
    } finally {
      skald.close();
    }
  }

  private static void awaitAssigned(Subscription subscription, int partitions) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (subscription.assignment().size() < partitions) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("partitions not assigned in 30 s");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    // the member resolves LATEST per partition; give the first fetches a moment to be in place
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
  }

  private static void sendPaced(
      Producer<String, byte[]> producer, String topic, int records, int perSecond) {
    paced(
        records,
        perSecond,
        i -> producer.send(topic, "key-" + (i % 1024), value(System.nanoTime())));
  }

  /** Calls {@code send(0..records-1)} at a fixed rate (busy-parking to the next due time). */
  static void paced(int records, int perSecond, java.util.function.IntConsumer send) {
    long interval = 1_000_000_000L / perSecond;
    long next = System.nanoTime();
    for (int i = 0; i < records; i++) {
      long now;
      while ((now = System.nanoTime()) < next) {
        LockSupport.parkNanos(Math.min(next - now, 50_000));
      }
      send.accept(i);
      next += interval;
    }
  }

  /** Scenario 4: the place-order saga at saturation and at a fixed rate. */
  private void sagas(io.skald.examples.orders.Shop.Flow flow) throws Exception {
    String name =
        flow == io.skald.examples.orders.Shop.Flow.ORCHESTRATION ? "saga-orch" : "saga-chor";
    int orders = quick ? 100 : 1_000;
    int rate = 20;
    int paced = quick ? 40 : 200;
    double[] throughput = new double[runs];
    double[] completed = new double[runs];
    double[] p50 = new double[runs];
    double[] p99 = new double[runs];
    double[] pacedP50 = new double[runs];
    double[] pacedP99 = new double[runs];
    // warm-up (the JIT: the first run of a fresh JVM is about half as fast as later ones)
    withNode(skald -> SagaBench.run(skald, flow, orders / 2, 0));
    for (int run = 0; run < runs; run++) {
      int r = run;
      withNode(
          skald -> {
            SagaBench.Measured m = SagaBench.run(skald, flow, orders, 0);
            throughput[r] = m.sagasPerSecond();
            completed[r] = m.completed();
            p50[r] = m.p50Millis();
            p99[r] = m.p99Millis();
          });
      withNode(
          skald -> {
            SagaBench.Measured m = SagaBench.run(skald, flow, paced, rate);
            pacedP50[r] = m.p50Millis();
            pacedP99[r] = m.p99Millis();
          });
    }
    record(name, "sagas/s (saturated)", "sagas/s", throughput);
    record(name, "completed of " + orders, "sagas", completed);
    record(name, "p50 saturated", "ms", p50);
    record(name, "p99 saturated", "ms", p99);
    record(name, "p50 at " + rate + "/s", "ms", pacedP50);
    record(name, "p99 at " + rate + "/s", "ms", pacedP99);
  }

  /**
   * Scenario 6: 1, 2 and 3 cluster nodes on one shared PostgreSQL journal (a real server started
   * from Maven Central's binaries), each node producing its share and running one group member; the
   * peer is the same workload on one node with the embedded LevelDB journal.
   */
  private void cluster() throws Exception {
    int records = quick ? 5_000 : 300_000;
    try (io.skald.testkit.LocalPostgres postgres = io.skald.testkit.LocalPostgres.start()) {
      ClusterBench.run(postgres.createDatabase("warm_up"), 1, records / 2);
      for (int nodes = 1; nodes <= 3; nodes++) {
        double[] produced = new double[runs];
        double[] endToEnd = new double[runs];
        double[] perEvent = new double[runs];
        for (int run = 0; run < runs; run++) {
          ClusterBench.Measured m =
              ClusterBench.run(
                  postgres.createDatabase("cluster_" + nodes + "_" + run), nodes, records);
          produced[run] = m.produced();
          endToEnd[run] = m.endToEnd();
          perEvent[run] = m.recordsPerEvent();
        }
        record("cluster-" + nodes, "durable produce", "records/s", produced);
        record("cluster-" + nodes, "end-to-end throughput", "records/s", endToEnd);
        record("cluster-" + nodes, "records per event", "records", perEvent);
      }
    }
    double[] produced = new double[runs];
    double[] endToEnd = new double[runs];
    for (int run = 0; run < runs; run++) {
      int r = run;
      withNode(
          skald -> {
            ClusterBench.Measured m = ClusterBench.measure(List.of(skald), records);
            produced[r] = m.produced();
            endToEnd[r] = m.endToEnd();
          });
    }
    record("cluster-1", "durable produce", LEVELDB, "records/s", produced);
    record("cluster-1", "end-to-end throughput", LEVELDB, "records/s", endToEnd);
  }

  /** The cluster scenario's peer: one node on the embedded LevelDB journal. */
  static final String LEVELDB = "skald-leveldb";

  private interface Scenario {
    void run(Skald skald) throws Exception;
  }

  private static void withNode(Scenario scenario) throws Exception {
    Path dir = Files.createTempDirectory("skald-bench-");
    try {
      Skald skald = startNode(dir);
      try {
        scenario.run(skald);
      } finally {
        skald.close();
      }
    } finally {
      deleteDir(dir);
    }
  }

  /** A node with the default durable configuration on the given data directory. */
  private static Skald startNode(Path dir) {
    return Skald.start(
        "skald-bench",
        ConfigFactory.parseString(
            "skald.framework.data-dir = \""
                + dir.toString().replace("\\", "/")
                + "\"\n"
                + "pekko.loglevel = WARNING\n"));
  }

  private static void deleteDir(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  private static double heapAfterGcMiB() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0);
  }

  private void record(String scenario, String metric, String unit, double[] values) {
    record(scenario, metric, SKALD, unit, values);
  }

  private void record(String scenario, String metric, String system, String unit, double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    results.add(
        new Result(
            scenario,
            metric,
            system,
            unit,
            sorted[sorted.length / 2],
            sorted[0],
            sorted[sorted.length - 1],
            sorted.length));
  }

  private Path report() throws IOException {
    StringBuilder table = new StringBuilder();
    table.append(
        String.format(
            Locale.ROOT,
            "%-10s %-22s %-13s %14s %14s %14s %5s %-10s%n",
            "scenario",
            "metric",
            "system",
            "median",
            "min",
            "max",
            "runs",
            "unit"));
    for (Result r : results) {
      table.append(
          String.format(
              Locale.ROOT,
              "%-10s %-22s %-13s %14.1f %14.1f %14.1f %5d %-10s%n",
              r.scenario(),
              r.metric(),
              r.system(),
              r.median(),
              r.min(),
              r.max(),
              r.runs(),
              r.unit()));
    }
    List<Map<String, Object>> ratios = ratios();
    if (!ratios.isEmpty()) {
      table.append(
          String.format(
              Locale.ROOT,
              "%nSkald / peer, medians of the same run (throughput: higher is better for Skald;"
                  + " latency: lower is)%n%-10s %-22s %-13s %10s%n",
              "scenario",
              "metric",
              "peer",
              "ratio"));
      for (Map<String, Object> ratio : ratios) {
        table.append(
            String.format(
                Locale.ROOT,
                "%-10s %-22s %-13s %10.2f%n",
                ratio.get("scenario"),
                ratio.get("metric"),
                ratio.get("peer"),
                (Double) ratio.get("ratio")));
      }
    }
    System.out.print(table);
    Path dir = Path.of(System.getProperty("skald.bench.results", "bench/results"));
    Files.createDirectories(dir);
    Path file = dir.resolve("skald-" + Instant.now().toString().replace(':', '-') + ".json");
    StringBuilder json = new StringBuilder("{\n  \"machine\": ");
    Map<String, Object> machine = new LinkedHashMap<>();
    machine.put("cores", Runtime.getRuntime().availableProcessors());
    machine.put("java", System.getProperty("java.version"));
    machine.put("quick", quick);
    json.append(toJson(machine)).append(",\n  \"results\": [\n");
    for (int i = 0; i < results.size(); i++) {
      Result r = results.get(i);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("scenario", r.scenario());
      row.put("metric", r.metric());
      row.put("system", r.system());
      row.put("unit", r.unit());
      row.put("median", r.median());
      row.put("min", r.min());
      row.put("max", r.max());
      row.put("runs", r.runs());
      json.append("    ").append(toJson(row)).append(i + 1 < results.size() ? ",\n" : "\n");
    }
    json.append("  ],\n  \"ratios\": [\n");
    for (int i = 0; i < ratios.size(); i++) {
      json.append("    ")
          .append(toJson(ratios.get(i)))
          .append(i + 1 < ratios.size() ? ",\n" : "\n");
    }
    json.append("  ]\n}\n");
    Files.writeString(file, json);
    System.out.println("results written to " + file);
    return file;
  }

  /** Skald's median over each peer's, for every figure both measured. */
  private List<Map<String, Object>> ratios() {
    List<Map<String, Object>> ratios = new ArrayList<>();
    for (Result skald : results) {
      if (!skald.system().equals(SKALD)) {
        continue;
      }
      for (Result peer : results) {
        if (!peer.system().equals(SKALD)
            && peer.scenario().equals(skald.scenario())
            && peer.metric().equals(skald.metric())
            && peer.median() > 0) {
          Map<String, Object> ratio = new LinkedHashMap<>();
          ratio.put("scenario", skald.scenario());
          ratio.put("metric", skald.metric());
          ratio.put("peer", peer.system());
          ratio.put("ratio", skald.median() / peer.median());
          ratios.add(ratio);
        }
      }
    }
    return ratios;
  }

  private static String toJson(Map<String, Object> map) {
    StringBuilder out = new StringBuilder("{");
    map.forEach(
        (k, v) -> {
          if (out.length() > 1) {
            out.append(", ");
          }
          out.append('"').append(k).append("\": ");
          out.append(v instanceof String ? "\"" + v + "\"" : String.valueOf(v));
        });
    return out.append('}').toString();
  }
}
