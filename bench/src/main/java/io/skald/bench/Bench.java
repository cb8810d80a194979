package io.skald.bench;

import com.typesafe.config.ConfigFactory;
import io.skald.examples.orders.Shop;
import io.skald.framework.Skald;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.producer.Producer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * The benchmark harness of the messaging layer. Each scenario runs on a fresh data directory with
 * the default durable configuration (LevelDB, fsync on every write), warms up, then measures
 * several runs and reports the median and the spread.
 *
 * <pre>
 * bench/run                 # every scenario
 * bench/run produce-4 e2e   # named scenarios
 * bench/run --quick         # short runs, at most two (figures still indicative)
 * bench/run --smoke         # tiny runs: proves the harness works, figures mean nothing
 * </pre>
 */
public final class Bench {
  private static final int RECORD_BYTES = 100;

  /** The systems measured: Skald, and the Kafka peer with and without an fsync per batch. */
  static final String SKALD = Report.SKALD;

  static final String KAFKA_FSYNC = "kafka-fsync";
  static final String KAFKA = "kafka";

  final boolean quick;
  private final boolean smoke;
  final int runs;
  private final boolean withKafka;
  private final Report report = new Report();
  KafkaPeer kafka;

  private Bench(boolean quick, boolean smoke, int runs, boolean withKafka) {
    this.quick = quick || smoke;
    this.smoke = smoke;
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
    boolean smoke = false;
    boolean withKafka = true;
    int runs = 5;
    List<String> scenarios = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--smoke" -> smoke = true;
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--no-kafka" -> withKafka = false;
        case "--payload" ->
            usePayload(Payload.valueOf(args[++i].toUpperCase(java.util.Locale.ROOT)));
        default -> scenarios.add(args[i]);
      }
    }
    if (quick || smoke) {
      runs = Math.min(runs, smoke ? 1 : 2);
    }
    List<Scenario> selected =
        scenarios.isEmpty() || scenarios.contains("all")
            ? List.of(Scenario.values())
            : scenarios.stream().map(Scenario::of).toList();
    Bench bench = new Bench(quick, smoke, runs, withKafka);
    Progress.start();
    try {
      for (int i = 0; i < selected.size(); i++) {
        Progress.scenario(selected.get(i).id(), i + 1, selected.size());
        selected.get(i).run(bench);
      }
    } finally {
      if (bench.kafka != null) {
        bench.kafka.close();
      }
    }
    return bench.report.write(bench.quick);
  }

  /**
   * A scenario's size for the mode of this run: the full size, the {@code --quick} one, or a fifth
   * of that in {@code --smoke} mode (which only proves the harness works).
   *
   * @param full records, sagas or partitions of a full run
   * @param quickSize the same for a quick run
   * @return the size to use
   */
  /**
   * The first run of a measuring loop: -1 is the warm-up (the JIT), skipped by a smoke run, whose
   * figures mean nothing anyway.
   *
   * @return -1, or 0 in a smoke run
   */
  int firstRun() {
    return smoke ? 0 : -1;
  }

  /**
   * Whether to warm up before measuring: not in a smoke run.
   *
   * @return true unless smoke
   */
  boolean warmsUp() {
    return !smoke;
  }

  int size(int full, int quickSize) {
    return smoke ? Math.max(1, quickSize / 5) : quick ? quickSize : full;
  }

  /** The Kafka peer's scenarios, or null when the run is without Kafka. */
  KafkaScenarios kafka() throws Exception {
    if (!withKafka) {
      return null;
    }
    if (kafka == null) {
      kafka = KafkaPeer.start();
    }
    return new KafkaScenarios(kafka);
  }

  /** The peer's configurations: an fsync per appended batch (as Skald), and Kafka's default. */
  static final List<String> KAFKA_SYSTEMS = List.of(KAFKA_FSYNC, KAFKA);

  /** What fills the values after their 8-byte send time ({@code --payload}). */
  enum Payload {
    /** Zero bytes (the default, and every figure before 2026-12-04): compress extremely well. */
    ZEROS,
    /** Random bytes: do not compress at all. */
    RANDOM,
    /** JSON-like text with varying numbers and names: compresses as real events do (about 2:1). */
    JSON
  }

  private static volatile Payload payload = Payload.ZEROS;

  /** 4,096 fillers (about 380 KB, beyond a compressor's window), generated once. */
  private static volatile byte[][] fillers;

  private static final int FILLERS = 4_096;

  static Payload payload() {
    return payload;
  }

  static void usePayload(Payload chosen) {
    java.util.Random random = new java.util.Random(42);
    byte[][] made = new byte[FILLERS][];
    String[] names = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"};
    String[] states = {"NEW", "PAID", "SHIPPED", "CANCELLED"};
    for (int i = 0; i < FILLERS; i++) {
      byte[] filler = new byte[RECORD_BYTES - 8];
      if (chosen == Payload.RANDOM) {
        random.nextBytes(filler);
      } else if (chosen == Payload.JSON) {
        String json =
            String.format(
                java.util.Locale.ROOT,
                "{\"order\":%d,\"customer\":\"%s-%d\",\"amount\":%d.%02d,\"state\":\"%s\",\"items\":%d}",
                random.nextInt(1_000_000),
                names[random.nextInt(names.length)],
                random.nextInt(10_000),
                random.nextInt(1_000),
                random.nextInt(100),
                states[random.nextInt(states.length)],
                1 + random.nextInt(9));
        byte[] text = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.util.Arrays.fill(filler, (byte) ' ');
        System.arraycopy(text, 0, filler, 0, Math.min(text.length, filler.length));
      }
      made[i] = filler;
    }
    fillers = made;
    payload = chosen;
  }

  /** A 100-byte value starting with the send time, for latency, filled per {@code --payload}. */
  static byte[] value(long sentNanos) {
    byte[] value = new byte[RECORD_BYTES];
    ByteBuffer.wrap(value).putLong(sentNanos);
    if (payload != Payload.ZEROS) {
      byte[] filler = fillers[(int) ((sentNanos >>> 4) & (FILLERS - 1))];
      System.arraycopy(filler, 0, value, 8, filler.length);
    }
    return value;
  }

  void produce(int partitions) throws Exception {
    new MessagingBench(this).produce(partitions);
  }

  void endToEnd(int ratePerSecond) throws Exception {
    new MessagingBench(this).endToEnd(ratePerSecond);
  }

  void consumers() throws Exception {
    new MessagingBench(this).consumers();
  }

  /**
   * Scenario 5, partitions: heap per started, idle partition (recovered, no traffic) over many
   * partitions, and the time to bring them all back after a restart of the node.
   */
  void scalePartitions() throws Exception {
    int partitions = size(10_000, 1_000);
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
  void scaleSagas() throws Exception {
    int sagas = size(100_000, 2_000);
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
  private void recordRecovery(String name, Path dir, NodeTask recovered) throws Exception {
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

  static void awaitAssigned(Subscription subscription, int partitions) {
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

  static void sendPaced(
      Producer<String, byte[]> producer, String topic, int records, int perSecond) {
    sendPaced(producer, topic, records, perSecond, null);
  }

  /** As above, recording each send's time to its durable acknowledgement (µs) if asked. */
  static void sendPaced(
      Producer<String, byte[]> producer,
      String topic,
      int records,
      int perSecond,
      org.HdrHistogram.ConcurrentHistogram ackMicros) {
    paced(
        records,
        perSecond,
        i -> {
          long sent = System.nanoTime();
          var acked = producer.send(topic, "key-" + (i % 1024), value(sent));
          if (ackMicros != null) {
            acked.thenRun(
                () -> ackMicros.recordValue(Math.max(0, (System.nanoTime() - sent) / 1_000)));
          }
        });
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
  void sagas(Shop.Flow flow) throws Exception {
    String name = flow == Shop.Flow.ORCHESTRATION ? "saga-orch" : "saga-chor";
    int orders = size(1_000, 100);
    int rate = 20;
    int paced = size(200, 40);
    double[] throughput = new double[runs];
    double[] completed = new double[runs];
    double[] p50 = new double[runs];
    double[] p99 = new double[runs];
    double[] pacedP50 = new double[runs];
    double[] pacedP99 = new double[runs];
    // warm-up (the JIT: the first run of a fresh JVM is about half as fast as later ones)
    if (warmsUp()) {
      withNode(skald -> SagaBench.run(skald, flow, orders / 2, 0));
    }
    for (int run = 0; run < runs; run++) {
      Progress.run(run + 1, runs);
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
  void cluster() throws Exception {
    int records = size(300_000, 5_000);
    try (io.skald.testkit.LocalPostgres postgres = io.skald.testkit.LocalPostgres.start()) {
      if (warmsUp()) {
        ClusterBench.run(postgres.createDatabase("warm_up"), 1, records / 2);
      }
      for (int nodes = 1; nodes <= 3; nodes++) {
        double[] produced = new double[runs];
        double[] endToEnd = new double[runs];
        double[] perEvent = new double[runs];
        for (int run = 0; run < runs; run++) {
          Progress.run(run + 1, runs);
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
      Progress.run(run + 1, runs);
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

  /**
   * Scenario 7: failover. Three node JVMs on the defaults of {@code skald-cluster.conf}, each
   * producing 200 records/s (idempotent, durable) and running one group member; a node is SIGKILLed
   * three times per run and restarted ({@link io.skald.testkit.FailoverLoop}). Reported over every
   * kill of every run: how long until every partition acknowledged sends again (produce stall) and
   * had records handled again (consume stall), when the survivors saw the victim removed, and per
   * run the records handled twice. No peer: the Kafka of this harness is a single broker, which has
   * nothing to fail over to.
   */
  void clusterFailover() throws Exception {
    int kills = size(3, 1);
    List<Double> produce = new ArrayList<>();
    List<Double> consume = new ArrayList<>();
    List<Double> downed = new ArrayList<>();
    double[] survivorRedelivered = new double[runs];
    double[] victimRedelivered = new double[runs];
    double[] overlaps = new double[runs];
    try (io.skald.testkit.LocalPostgres postgres = io.skald.testkit.LocalPostgres.start()) {
      for (int run = 0; run < runs; run++) {
        Progress.run(run + 1, runs);
        Path work = Files.createTempDirectory("skald-failover-");
        io.skald.testkit.FailoverLoop.Result result =
            io.skald.testkit.FailoverLoop.run(
                postgres.createDatabase("failover_" + run),
                work,
                new io.skald.testkit.FailoverLoop.Settings(
                    kills, 200, java.time.Duration.ofSeconds(3)));
        System.out.println("cluster-failover run " + run + ":\n" + result.summary());
        for (io.skald.testkit.FailoverLoop.Kill kill : result.kills()) {
          produce.add(kill.produceStallSeconds());
          consume.add(kill.consumeStallSeconds());
          downed.add(kill.downedSeconds());
        }
        survivorRedelivered[run] = result.survivorRedelivered();
        victimRedelivered[run] = result.victimRedelivered();
        overlaps[run] = result.overlaps();
        io.skald.testkit.SkaldTestNode.deleteRecursively(work);
      }
    }
    record("cluster-failover", "produce stall after a kill", "s", values(produce));
    record("cluster-failover", "consume stall after a kill", "s", values(consume));
    record("cluster-failover", "victim removed after", "s", values(downed));
    record("cluster-failover", "records redelivered by survivors", "records", survivorRedelivered);
    record("cluster-failover", "records redelivered for victims", "records", victimRedelivered);
    record("cluster-failover", "double ownership spans", "spans", overlaps);
  }

  private static double[] values(List<Double> list) {
    return list.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** The cluster scenario's peer: one node on the embedded LevelDB journal. */
  static final String LEVELDB = "skald-leveldb";

  interface NodeTask {
    void run(Skald skald) throws Exception;
  }

  static void withNode(NodeTask scenario) throws Exception {
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

  /** Work on a stopped node's data directory. */
  interface DirTask {
    void run(Path dataDir) throws Exception;
  }

  /**
   * As {@link #withNode}, with more configuration, then {@code after} on the data directory once
   * the node has stopped.
   */
  static void withNodeThen(DirTask after, String extraConfig, NodeTask scenario) throws Exception {
    Path dir = Files.createTempDirectory("skald-bench-");
    try {
      Skald skald = startNode(dir, extraConfig);
      try {
        scenario.run(skald);
      } finally {
        skald.close();
      }
      after.run(dir);
    } finally {
      deleteDir(dir);
    }
  }

  /** A node with the default durable configuration on the given data directory. */
  private static Skald startNode(Path dir) {
    return startNode(dir, "");
  }

  private static Skald startNode(Path dir, String extraConfig) {
    return Skald.start(
        "skald-bench",
        ConfigFactory.parseString(
            extraConfig
                + "\nskald.framework.data-dir = \""
                + dir.toString().replace("\\", "/")
                + "\"\n"
                + "pekko.loglevel = WARNING\n"));
  }

  private static void deleteDir(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  static double seconds(long nanos) {
    return nanos / 1e9;
  }

  static double heapAfterGcMiB() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0);
  }

  void record(String scenario, String metric, String unit, double[] values) {
    report.record(scenario, metric, SKALD, unit, values);
  }

  void record(String scenario, String metric, String system, String unit, double[] values) {
    report.record(scenario, metric, system, unit, values);
  }
}
