package io.skald.bench;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.skald.examples.orders.Shop;
import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The cost of metrics: produce-4 and saga-orch with a Prometheus registry bound to Skald's meters
 * (and scraped every second, a pessimistic scrape interval) against the same workload with no
 * registry, runs alternating in the same JVM. Reported as system {@code skald} (metrics on) with
 * the peer {@code metrics-off}, so the ratio is on / off.
 */
final class MetricsOverheadBench {
  static final String OFF = "metrics-off";

  private final Bench bench;

  MetricsOverheadBench(Bench bench) {
    this.bench = bench;
  }

  /** A Prometheus registry on Skald's meters, scraped every second, until closed. */
  private static final class Scraped implements AutoCloseable {
    private final Skald skald;
    private final PrometheusMeterRegistry registry =
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ScheduledExecutorService scraper = Executors.newSingleThreadScheduledExecutor();

    Scraped(Skald skald) {
      this.skald = skald;
      skald.meterRegistry().add(registry);
      scraper.scheduleAtFixedRate(registry::scrape, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
      scraper.shutdownNow();
      skald.meterRegistry().remove(registry);
      registry.close();
    }
  }

  void run() throws Exception {
    produce();
    sagas();
  }

  private void produce() throws Exception {
    int records = bench.quick ? 20_000 : 300_000;
    double[] on = new double[bench.runs];
    double[] off = new double[bench.runs];
    Bench.withNode(
        skald -> {
          skald.admin().createTopic(TopicSpec.of("produce-4", 4)).toCompletableFuture().join();
          Producer<String, byte[]> producer =
              skald.producer(ProducerSettings.of(Codecs.string(), Codecs.bytes()));
          MessagingBench.sendAll(producer, "produce-4", records / 2, 0, 50_000); // warm-up
          // on and off alternate which goes first, so the log's growth (later sends are to a
          // longer log, with more LevelDB compaction) weighs on both alike
          for (int run = 0; run < bench.runs; run++) {
            if (run % 2 == 0) {
              off[run] = rate(producer, records);
              try (Scraped scraped = new Scraped(skald)) {
                on[run] = rate(producer, records);
              }
            } else {
              try (Scraped scraped = new Scraped(skald)) {
                on[run] = rate(producer, records);
              }
              off[run] = rate(producer, records);
            }
          }
        });
    bench.record("metrics-produce-4", "durable produce", "records/s", on);
    bench.record("metrics-produce-4", "durable produce", OFF, "records/s", off);
  }

  private static double rate(Producer<String, byte[]> producer, int records)
      throws InterruptedException {
    long start = System.nanoTime();
    MessagingBench.sendAll(producer, "produce-4", records, 0, 50_000);
    return records / Bench.seconds(System.nanoTime() - start);
  }

  private void sagas() throws Exception {
    int orders = bench.quick ? 100 : 1_000;
    double[] on = new double[bench.runs];
    double[] off = new double[bench.runs];
    Bench.withNode(skald -> SagaBench.run(skald, Shop.Flow.ORCHESTRATION, orders / 2, 0));
    for (int run = 0; run < bench.runs; run++) {
      int r = run;
      Bench.NodeTask measureOff =
          skald ->
              off[r] = SagaBench.run(skald, Shop.Flow.ORCHESTRATION, orders, 0).sagasPerSecond();
      Bench.NodeTask measureOn =
          skald -> {
            try (Scraped scraped = new Scraped(skald)) {
              on[r] = SagaBench.run(skald, Shop.Flow.ORCHESTRATION, orders, 0).sagasPerSecond();
            }
          };
      Bench.withNode(run % 2 == 0 ? measureOff : measureOn);
      Bench.withNode(run % 2 == 0 ? measureOn : measureOff);
    }
    bench.record("metrics-saga-orch", "sagas/s (saturated)", "sagas/s", on);
    bench.record("metrics-saga-orch", "sagas/s (saturated)", OFF, "sagas/s", off);
  }
}
