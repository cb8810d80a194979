package io.skald.bench;

import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * The messaging scenarios, each against Skald and the Kafka peer in the same run: durable produce
 * throughput, produce-to-handler latency at full and at a fixed rate, and consumer-group scaling.
 */
final class MessagingBench {
  private final Bench bench;

  MessagingBench(Bench bench) {
    this.bench = bench;
  }

  /**
   * Durable produce throughput: records acknowledged after their fsynced write, per second, with
   * the default (idempotent, pipelined) producer, and with a plain one as the same-run peer.
   */
  void produce(int partitions) throws Exception {
    int records = bench.size(300_000, 20_000);
    double[] rates = new double[bench.runs];
    double[] plainRates = new double[bench.runs];
    Bench.withNode(
        skald -> {
          String topic = "produce-" + partitions;
          String plainTopic = topic + "-plain";
          skald.admin().createTopic(TopicSpec.of(topic, partitions)).toCompletableFuture().join();
          skald
              .admin()
              .createTopic(TopicSpec.of(plainTopic, partitions))
              .toCompletableFuture()
              .join();
          Producer<String, byte[]> producer =
              skald.producer(ProducerSettings.of(Codecs.string(), Codecs.bytes()));
          Producer<String, byte[]> plain =
              skald.producer(
                  ProducerSettings.of(Codecs.string(), Codecs.bytes()).withoutIdempotence());
          if (bench.warmsUp()) {
            sendAll(producer, topic, records / 2); // warm-up
            sendAll(plain, plainTopic, records / 2);
          }
          // the two alternate which goes first, so the journal's growth weighs on both alike
          for (int run = 0; run < bench.runs; run++) {
            Progress.run(run + 1, bench.runs);
            for (int i = 0; i < 2; i++) {
              boolean idempotent = (run + i) % 2 == 0;
              long start = System.nanoTime();
              sendAll(idempotent ? producer : plain, idempotent ? topic : plainTopic, records);
              double rate = records / Bench.seconds(System.nanoTime() - start);
              (idempotent ? rates : plainRates)[run] = rate;
            }
          }
          bench.record("produce-" + partitions, "durable produce", "records/s", rates);
          bench.record(
              "produce-" + partitions, "durable produce", "plain", "records/s", plainRates);
          bench.record(
              "produce-" + partitions,
              "heap after GC",
              "MiB",
              new double[] {Bench.heapAfterGcMiB()});
        });
    KafkaScenarios peer = bench.kafka();
    if (peer == null) {
      return;
    }
    try (var producer = peer.producer()) {
      for (String system : Bench.KAFKA_SYSTEMS) {
        String topic = "produce-" + partitions + "-" + system;
        bench.kafka.createTopic(topic, partitions, system.equals(Bench.KAFKA_FSYNC));
        KafkaScenarios.prime(producer, topic, partitions);
        if (bench.warmsUp()) {
          KafkaScenarios.sendAll(producer, topic, records / 2); // warm-up
        }
        double[] kafkaRates = new double[bench.runs];
        for (int run = 0; run < bench.runs; run++) {
          Progress.run(run + 1, bench.runs);
          kafkaRates[run] =
              records / Bench.seconds(KafkaScenarios.sendAll(producer, topic, records));
        }
        bench.record("produce-" + partitions, "durable produce", system, "records/s", kafkaRates);
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
          .send(topic, "key-" + ((firstKey + i) % 1024), Bench.value(System.nanoTime()))
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

  /** The e2e-10k peer: the same node with the journal's fsync off. */
  static final String NO_FSYNC = "skald-no-fsync";

  /**
   * Produce → consume: at the maximum rate (records/s from first send to last handled) or at a
   * fixed rate (latency only), latency from send to handler. At a fixed rate also on a node whose
   * journal does not fsync ({@link #NO_FSYNC}).
   */
  void endToEnd(int ratePerSecond) throws Exception {
    int records =
        ratePerSecond == 0 ? bench.size(200_000, 20_000) : ratePerSecond * (bench.size(10, 2));
    String name = ratePerSecond == 0 ? "e2e-max" : "e2e-10k";
    skaldEndToEnd(name, records, ratePerSecond, "", Bench.SKALD);
    if (ratePerSecond > 0) {
      // the same node acknowledging before the fsync (journal fsync = off): what the tail costs
      // when an acknowledged record survives a killed process but not a power loss, as Kafka's
      // default does
      skaldEndToEnd(
          name,
          records,
          ratePerSecond,
          "skald.framework.persistence.leveldb-journal.fsync = off",
          NO_FSYNC);
    }
    double[] rates = new double[bench.runs];
    double[] p50 = new double[bench.runs];
    double[] p99 = new double[bench.runs];
    double[] p999 = new double[bench.runs];
    KafkaScenarios peer = bench.kafka();
    if (peer == null) {
      return;
    }
    try (var producer = peer.producer()) {
      for (String system : Bench.KAFKA_SYSTEMS) {
        String topic = name + "-" + system;
        bench.kafka.createTopic(topic, 4, system.equals(Bench.KAFKA_FSYNC));
        KafkaScenarios.prime(producer, topic, 4);
        for (int run = bench.firstRun(); run < bench.runs; run++) {
          Progress.run(run + 1, bench.runs);
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
          bench.record(name, "end-to-end throughput", system, "records/s", rates);
        }
        bench.record(name, "latency p50", system, "ms", p50);
        bench.record(name, "latency p99", system, "ms", p99);
        bench.record(name, "latency p99.9", system, "ms", p999);
      }
    }
  }

  /**
   * Skald's side of {@link #endToEnd}, on a node with {@code extraConfig}, recorded as {@code
   * system}.
   */
  private void skaldEndToEnd(
      String name, int records, int ratePerSecond, String extraConfig, String system)
      throws Exception {
    double[] rates = new double[bench.runs];
    double[] p50 = new double[bench.runs];
    double[] p99 = new double[bench.runs];
    double[] p999 = new double[bench.runs];
    double[] ackP99 = new double[bench.runs];
    double[] ackP999 = new double[bench.runs];
    double[] fsyncP999 = new double[bench.runs];
    double[] fsyncMax = new double[bench.runs];
    double[] gcMax = new double[bench.runs];
    double[] gcTotal = new double[bench.runs];
    Bench.withNodeThen(
        dir -> {},
        extraConfig,
        skald -> {
          String topic = name;
          skald.admin().createTopic(TopicSpec.of(topic, 4)).toCompletableFuture().join();
          Producer<String, byte[]> producer =
              skald.producer(ProducerSettings.of(Codecs.string(), Codecs.bytes()));
          for (int run = bench.firstRun(); run < bench.runs; run++) {
            Progress.run(run + 1, bench.runs);
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
            Bench.awaitAssigned(subscription, 4);
            long start = System.nanoTime();
            try (TailBreakdown breakdown = new TailBreakdown(skald)) {
              if (ratePerSecond == 0) {
                sendAll(producer, topic, expected);
              } else {
                Bench.sendPaced(producer, topic, expected, ratePerSecond, breakdown.ack);
              }
              allHandled.get(120, TimeUnit.SECONDS);
              if (run >= 0 && ratePerSecond > 0) {
                ackP999[run] = breakdown.ack.getValueAtPercentile(99.9) / 1000.0;
                ackP99[run] = breakdown.ack.getValueAtPercentile(99) / 1000.0;
                fsyncP999[run] = breakdown.fsyncMillis(0.999);
                fsyncMax[run] = breakdown.fsyncMaxMillis();
                gcMax[run] = breakdown.gcMaxPauseMillis();
                gcTotal[run] = breakdown.gcPauseMillisTotal();
              }
            }
            long end = allHandled.get(120, TimeUnit.SECONDS);
            subscription.stop().toCompletableFuture().join();
            if (run >= 0) {
              rates[run] = expected / Bench.seconds(end - start);
              p50[run] = latency.getValueAtPercentile(50) / 1000.0;
              p99[run] = latency.getValueAtPercentile(99) / 1000.0;
              p999[run] = latency.getValueAtPercentile(99.9) / 1000.0;
            }
          }
          if (ratePerSecond == 0) {
            bench.record(name, "end-to-end throughput", system, "records/s", rates);
          }
          bench.record(name, "latency p50", system, "ms", p50);
          bench.record(name, "latency p99", system, "ms", p99);
          bench.record(name, "latency p99.9", system, "ms", p999);
          if (ratePerSecond > 0 && system.equals(Bench.SKALD)) {
            // the tail's breakdown (Skald only): the append hop, the fsync inside it, GC pauses
            bench.record(name, "tail: send-to-ack p99", "ms", ackP99);
            bench.record(name, "tail: send-to-ack p99.9", "ms", ackP999);
            bench.record(name, "tail: fsync p99.9", "ms", fsyncP999);
            bench.record(name, "tail: fsync max", "ms", fsyncMax);
            bench.record(name, "tail: GC pause max", "ms", gcMax);
            bench.record(name, "tail: GC pauses total", "ms", gcTotal);
          }
          if (system.equals(Bench.SKALD)) {
            bench.record(name, "heap after GC", "MiB", new double[] {Bench.heapAfterGcMiB()});
          }
        });
  }

  /**
   * A group of 1, 2 and 4 members catching up a backlog on 4 partitions; then, on the same journal
   * with the node stopped, the physical limits: the journal's files read from the page cache, and
   * LevelDB's own scan of every entry (leveldbjni, no decoding), both in records of the backlog per
   * second.
   */
  void consumers() throws Exception {
    int backlog = bench.size(1_000_000, 20_000);
    Bench.withNodeThen(
        dir -> physicalLimits(dir.resolve("journal"), backlog),
        "",
        skald -> catchUp(skald, backlog, Bench.SKALD));
    // the same on reads through the journal actor's replay (as before direct reads), same run
    Bench.withNodeThen(
        dir -> {},
        "skald.framework.partition.direct-reads = off",
        skald -> catchUp(skald, backlog, "journal-replay"));
    KafkaScenarios peer = bench.kafka();
    if (peer == null) {
      return;
    }
    consumersOnKafka(peer, backlog);
  }

  /** The filter of the filtered scenario: keys key-N with N ending in 0, 103 of 1024 keys. */
  static final String TEN_PERCENT = "key matches 'key-[0-9]*0'";

  /**
   * Filtered subscription: a backlog read by a group that wants ~10 % of it (a server-side filter)
   * and, in the same run, by a group that takes everything; both report records examined per second
   * (backlog / time to catch up) and the filtered one also what it delivered.
   */
  void filtered() throws Exception {
    int backlog = bench.size(1_000_000, 20_000);
    io.skald.framework.consumer.RecordFilter filter =
        io.skald.framework.consumer.RecordFilter.parse(TEN_PERCENT);
    long matching = 0;
    for (int i = 0; i < backlog; i++) {
      if (filter.matches("key-" + (i % 1024), java.util.Map.of())) {
        matching++;
      }
    }
    long wanted = matching;
    Bench.withNodeThen(
        dir -> {},
        "",
        skald -> {
          skald.admin().createTopic(TopicSpec.of("backlog", 4)).toCompletableFuture().join();
          Producer<String, byte[]> producer =
              skald.producer(ProducerSettings.of(Codecs.string(), Codecs.bytes()));
          sendAll(producer, "backlog", backlog);
          double[] filteredRates = new double[bench.runs];
          double[] deliveredRates = new double[bench.runs];
          double[] plainRates = new double[bench.runs];
          for (int run = bench.firstRun(); run < bench.runs; run++) {
            Progress.run(run + 1, bench.runs);
            double seconds = catchUpSeconds(skald, "filtered-" + run, 2, filter, wanted);
            double plain = catchUpSeconds(skald, "plain-" + run, 2, null, backlog);
            if (run >= 0) {
              filteredRates[run] = backlog / seconds;
              deliveredRates[run] = wanted / seconds;
              plainRates[run] = backlog / plain;
            }
          }
          bench.record("filter-10pct", "records examined", Bench.SKALD, "records/s", filteredRates);
          bench.record(
              "filter-10pct", "records examined", "skald-unfiltered", "records/s", plainRates);
          bench.record(
              "filter-10pct", "records delivered", Bench.SKALD, "records/s", deliveredRates);
        });
  }

  /** The simulated work of the shared scenario's slow handler (a remote call). */
  static final long WORK_MILLIS = 2;

  /**
   * Where the simulated remote calls complete: a pool of its own, as a client library's would be
   * (the JVM's common pool has one thread on 2 cores, and the framework's callbacks use it too).
   */
  private static final java.util.concurrent.ExecutorService REMOTE_CALLS =
      java.util.concurrent.Executors.newFixedThreadPool(
          4,
          task -> {
            Thread thread = new Thread(task, "bench-remote-calls");
            thread.setDaemon(true);
            return thread;
          });

  /**
   * Shared consumption: a backlog on 2 partitions drained by a shared group of 8 members, and in
   * the same run by partitioned groups of 2 members (one record per partition at a time, as a Kafka
   * consumer; and 8 records of distinct keys at a time, the same concurrency as the shared group),
   * once with a handler that waits {@value #WORK_MILLIS} ms and once with one that returns at once
   * (the protocol's own cost).
   */
  void shared() throws Exception {
    int slowBacklog = bench.size(20_000, 4_000);
    int fastBacklog = bench.size(100_000, 10_000);
    Bench.withNodeThen(
        dir -> {},
        "",
        skald -> {
          skald.admin().createTopic(TopicSpec.of("work", 2)).toCompletableFuture().join();
          skald.admin().createTopic(TopicSpec.of("backlog", 2)).toCompletableFuture().join();
          Producer<String, byte[]> producer =
              skald.producer(ProducerSettings.of(Codecs.string(), Codecs.bytes()));
          sendAll(producer, "work", slowBacklog);
          sendAll(producer, "backlog", fastBacklog);
          double[] shared8 = new double[bench.runs];
          double[] keyed2 = new double[bench.runs];
          double[] keyed2p8 = new double[bench.runs];
          double[] fastShared8 = new double[bench.runs];
          double[] fastKeyed2 = new double[bench.runs];
          for (int run = bench.firstRun(); run < bench.runs; run++) {
            Progress.run(run + 1, bench.runs);
            double s8 = drainSeconds(skald, "work", "shared-" + run, 8, 1, true, slowBacklog);
            double k2 = drainSeconds(skald, "work", "keyed-" + run, 2, 1, false, slowBacklog);
            double k2p8 = drainSeconds(skald, "work", "keyed-p8-" + run, 2, 8, false, slowBacklog);
            double f8 =
                drainSeconds(skald, "backlog", "fast-shared-" + run, 8, 1, true, fastBacklog);
            double f2 =
                drainSeconds(skald, "backlog", "fast-keyed-" + run, 2, 1, false, fastBacklog);
            if (run >= 0) {
              shared8[run] = slowBacklog / s8;
              keyed2[run] = slowBacklog / k2;
              keyed2p8[run] = slowBacklog / k2p8;
              fastShared8[run] = fastBacklog / f8;
              fastKeyed2[run] = fastBacklog / f2;
            }
          }
          String slow = WORK_MILLIS + " ms handler";
          bench.record("shared-8-on-2", slow, "skald-shared-8", "records/s", shared8);
          bench.record("shared-8-on-2", slow, "skald-keyed-2", "records/s", keyed2);
          bench.record("shared-8-on-2", slow, "skald-keyed-2-par-8", "records/s", keyed2p8);
          bench.record(
              "shared-8-on-2", "instant handler", "skald-shared-8", "records/s", fastShared8);
          bench.record(
              "shared-8-on-2", "instant handler", "skald-keyed-2", "records/s", fastKeyed2);
        });
  }

  /**
   * Priority levels: a backlog of ordinary records on 2 partitions followed by 1 % urgent ones
   * (priority 9), drained by a shared group of 8 members with 10 priority levels and, in the same
   * run, by one without: how long until every urgent record is handled, and the drain rate of the
   * whole backlog (the cost of the levels and of reading ahead).
   */
  void priorities() throws Exception {
    int ordinary = bench.size(40_000, 8_000);
    int urgent = ordinary / 100;
    Bench.withNodeThen(
        dir -> {},
        "",
        skald -> {
          skald.admin().createTopic(TopicSpec.of("tickets", 2)).toCompletableFuture().join();
          Producer<String, byte[]> producer =
              skald.producer(ProducerSettings.of(Codecs.string(), Codecs.bytes()));
          sendAll(producer, "tickets", ordinary);
          List<CompletableFuture<?>> acks = new ArrayList<>();
          for (int i = 0; i < urgent; i++) {
            acks.add(
                producer
                    .send(
                        "tickets",
                        "urgent-" + i,
                        Bench.value(System.nanoTime()),
                        io.skald.framework.producer.Priority.of(9))
                    .toCompletableFuture());
          }
          acks.forEach(CompletableFuture::join);
          double[] urgentPrio = new double[bench.runs];
          double[] urgentPlain = new double[bench.runs];
          double[] ratePrio = new double[bench.runs];
          double[] ratePlain = new double[bench.runs];
          for (int run = bench.firstRun(); run < bench.runs; run++) {
            Progress.run(run + 1, bench.runs);
            double[] prio = drainByPriority(skald, "prio-" + run, 10, ordinary + urgent, urgent);
            double[] plain = drainByPriority(skald, "plain-" + run, 1, ordinary + urgent, urgent);
            if (run >= 0) {
              urgentPrio[run] = prio[0] * 1000;
              urgentPlain[run] = plain[0] * 1000;
              ratePrio[run] = (ordinary + urgent) / prio[1];
              ratePlain[run] = (ordinary + urgent) / plain[1];
            }
          }
          bench.record("priority", "all urgent handled", "skald-priority-10", "ms", urgentPrio);
          bench.record("priority", "all urgent handled", "skald-plain", "ms", urgentPlain);
          bench.record("priority", "backlog drained", "skald-priority-10", "records/s", ratePrio);
          bench.record("priority", "backlog drained", "skald-plain", "records/s", ratePlain);
        });
  }

  /** Seconds until every urgent record, and until every record, was handled by 8 members. */
  private static double[] drainByPriority(
      Skald skald, String group, int levels, long expected, long urgent) throws Exception {
    AtomicLong handled = new AtomicLong();
    AtomicLong urgentHandled = new AtomicLong();
    CompletableFuture<Long> urgentDone = new CompletableFuture<>();
    CompletableFuture<Long> done = new CompletableFuture<>();
    SubscriptionSpec<String, byte[]> spec =
        SubscriptionSpec.of(group, Codecs.string(), Codecs.bytes())
            .withTopics("tickets")
            .withSharedConsumption(java.time.Duration.ofSeconds(30))
            .withPriorityLevels(levels);
    List<Subscription> running = new ArrayList<>();
    long start = System.nanoTime();
    for (int m = 0; m < 8; m++) {
      running.add(
          skald.subscribe(
              spec,
              record -> {
                if (record.key().startsWith("urgent-")
                    && urgentHandled.incrementAndGet() == urgent) {
                  urgentDone.complete(System.nanoTime());
                }
                if (handled.incrementAndGet() == expected) {
                  done.complete(System.nanoTime());
                }
                return CompletableFuture.completedFuture(null);
              }));
    }
    long end = done.get(300, TimeUnit.SECONDS);
    long urgentEnd = urgentDone.get(1, TimeUnit.SECONDS);
    for (Subscription s : running) {
      s.stop().toCompletableFuture().join();
    }
    return new double[] {Bench.seconds(urgentEnd - start), Bench.seconds(end - start)};
  }

  /**
   * Seconds until a group of {@code members} (shared, or partitioned) with {@code parallelism}
   * handled every record of a topic, each handler waiting {@link #WORK_MILLIS} on the "work" topic.
   */
  private static double drainSeconds(
      Skald skald,
      String topic,
      String group,
      int members,
      int parallelism,
      boolean shared,
      long expected)
      throws Exception {
    AtomicLong handled = new AtomicLong();
    CompletableFuture<Long> done = new CompletableFuture<>();
    boolean slow = topic.equals("work");
    java.util.concurrent.Executor work =
        CompletableFuture.delayedExecutor(WORK_MILLIS, TimeUnit.MILLISECONDS, REMOTE_CALLS);
    SubscriptionSpec<String, byte[]> spec =
        SubscriptionSpec.of(group, Codecs.string(), Codecs.bytes())
            .withTopics(topic)
            .withParallelism(parallelism);
    if (shared) {
      spec = spec.withSharedConsumption(java.time.Duration.ofSeconds(30));
    }
    List<Subscription> running = new ArrayList<>();
    long start = System.nanoTime();
    for (int m = 0; m < members; m++) {
      running.add(
          skald.subscribe(
              spec,
              record -> {
                Runnable count =
                    () -> {
                      if (handled.incrementAndGet() == expected) {
                        done.complete(System.nanoTime());
                      }
                    };
                if (!slow) {
                  count.run();
                  return CompletableFuture.completedFuture(null);
                }
                return CompletableFuture.runAsync(count, work);
              }));
    }
    long end = done.get(300, TimeUnit.SECONDS);
    for (Subscription s : running) {
      s.stop().toCompletableFuture().join();
    }
    return Bench.seconds(end - start);
  }

  /**
   * Seconds from the first member's start until a group of {@code members} has handled {@code
   * expected} records of the backlog (all of it, or what {@code filter} keeps).
   */
  private static double catchUpSeconds(
      Skald skald,
      String group,
      int members,
      io.skald.framework.consumer.RecordFilter filter,
      long expected)
      throws Exception {
    AtomicLong handled = new AtomicLong();
    CompletableFuture<Long> done = new CompletableFuture<>();
    List<Subscription> running = new ArrayList<>();
    SubscriptionSpec<String, byte[]> spec =
        SubscriptionSpec.of(group, Codecs.string(), Codecs.bytes()).withTopics("backlog");
    if (filter != null) {
      spec = spec.withFilter(filter);
    }
    long start = System.nanoTime();
    for (int m = 0; m < members; m++) {
      running.add(
          skald.subscribe(
              spec,
              record -> {
                if (handled.incrementAndGet() == expected) {
                  done.complete(System.nanoTime());
                }
                return CompletableFuture.completedFuture(null);
              }));
    }
    long end = done.get(300, TimeUnit.SECONDS);
    for (Subscription s : running) {
      s.stop().toCompletableFuture().join();
    }
    return Bench.seconds(end - start);
  }

  private void catchUp(Skald skald, int backlog, String system) throws Exception {
    skald.admin().createTopic(TopicSpec.of("backlog", 4)).toCompletableFuture().join();
    Producer<String, byte[]> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.bytes()));
    sendAll(producer, "backlog", backlog);
    for (int members : new int[] {1, 2, 4}) {
      double[] rates = new double[bench.runs];
      for (int run = bench.firstRun(); run < bench.runs; run++) {
        Progress.run(run + 1, bench.runs);
        double seconds =
            catchUpSeconds(skald, "catch-up-" + members + "-" + run, members, null, backlog);
        if (run >= 0) {
          rates[run] = backlog / seconds;
        }
      }
      bench.record("consume-" + members, "backlog catch-up", system, "records/s", rates);
    }
  }

  private void physicalLimits(java.nio.file.Path journal, int backlog) throws Exception {
    double[] pageCache = new double[bench.runs];
    double[] leveldb = new double[bench.runs];
    long[] bytes = new long[1];
    for (int run = bench.firstRun(); run < bench.runs; run++) {
      Progress.run(run + 1, bench.runs);
      long start = System.nanoTime();
      bytes[0] = 0;
      java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocateDirect(1 << 20);
      try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(journal)) {
        for (java.nio.file.Path file : (Iterable<java.nio.file.Path>) files::iterator) {
          try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file)) {
            int read;
            while ((read = channel.read(buffer)) > 0) {
              bytes[0] += read;
              buffer.clear();
            }
          }
        }
      }
      double pageCacheRate = backlog / Bench.seconds(System.nanoTime() - start);
      start = System.nanoTime();
      long entries = 0;
      long entryBytes = 0;
      org.iq80.leveldb.Options options = new org.iq80.leveldb.Options().createIfMissing(false);
      try (org.iq80.leveldb.DB db =
              org.fusesource.leveldbjni.JniDBFactory.factory.open(journal.toFile(), options);
          org.iq80.leveldb.DBIterator it =
              db.iterator(new org.iq80.leveldb.ReadOptions().verifyChecksums(false))) {
        for (it.seekToFirst(); it.hasNext(); ) {
          java.util.Map.Entry<byte[], byte[]> entry = it.next();
          entries++;
          entryBytes += entry.getKey().length + entry.getValue().length;
        }
      }
      double leveldbRate = backlog / Bench.seconds(System.nanoTime() - start);
      if (run >= 0) {
        pageCache[run] = pageCacheRate;
        leveldb[run] = leveldbRate;
      }
      if (run == -1 && entries == 0) {
        throw new IllegalStateException("the journal at " + journal + " has no entries");
      }
      if (run == -1) {
        System.err.printf(
            "[bench] journal: %,d bytes in files, %,d entries of %,d bytes%n",
            bytes[0], entries, entryBytes);
      }
    }
    for (String scenario : new String[] {"consume-1", "consume-4"}) {
      bench.record(scenario, "backlog catch-up", "page-cache-read", "records/s", pageCache);
      bench.record(scenario, "backlog catch-up", "leveldb-scan", "records/s", leveldb);
    }
  }

  private void consumersOnKafka(KafkaScenarios peer, int backlog) throws Exception {
    for (String system : Bench.KAFKA_SYSTEMS) {
      String topic = "backlog-" + system;
      bench.kafka.createTopic(topic, 4, system.equals(Bench.KAFKA_FSYNC));
      int records;
      try (var producer = peer.producer()) {
        records = KafkaScenarios.prime(producer, topic, 4) + backlog;
        KafkaScenarios.sendAll(producer, topic, backlog);
      }
      for (int members : new int[] {1, 2, 4}) {
        double[] rates = new double[bench.runs];
        for (int run = bench.firstRun(); run < bench.runs; run++) {
          Progress.run(run + 1, bench.runs);
          double rate = peer.catchUp(topic, members, records);
          if (run >= 0) {
            rates[run] = rate;
          }
        }
        bench.record("consume-" + members, "backlog catch-up", system, "records/s", rates);
      }
    }
  }
}
