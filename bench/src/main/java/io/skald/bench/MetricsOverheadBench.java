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
 * The cost of metrics and of tracing: produce-4 and saga-orch with a Prometheus registry bound to
 * Skald's meters (scraped every second, a pessimistic scrape interval), and with the OpenTelemetry
 * SDK tracing every send and handler (batched, then dropped), and with it sampling 1 % of new
 * traces (parent-based, as a high-rate service runs it), each against the same workload without,
 * the order alternating run by run in the same JVM. Reported as system {@code skald} (on) with the
 * peers {@code metrics-off}, {@code tracing-off} and {@code sampled-off}, so the ratio is on / off.
 */
final class MetricsOverheadBench {
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

  /** Tracing with the OpenTelemetry SDK: every span batched and then dropped (no exporter I/O). */
  private static final class Traced implements AutoCloseable {
    private final Skald skald;
    private final io.opentelemetry.sdk.OpenTelemetrySdk sdk;

    Traced(Skald skald) {
      this(skald, io.opentelemetry.sdk.trace.samplers.Sampler.alwaysOn());
    }

    /**
     * Tracing with a sampler.
     *
     * @param skald the node
     * @param sampler which traces are recorded
     */
    Traced(Skald skald, io.opentelemetry.sdk.trace.samplers.Sampler sampler) {
      this.skald = skald;
      io.opentelemetry.sdk.trace.export.SpanExporter discard =
          new io.opentelemetry.sdk.trace.export.SpanExporter() {
            @Override
            public io.opentelemetry.sdk.common.CompletableResultCode export(
                java.util.Collection<io.opentelemetry.sdk.trace.data.SpanData> spans) {
              return io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess();
            }

            @Override
            public io.opentelemetry.sdk.common.CompletableResultCode flush() {
              return io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess();
            }

            @Override
            public io.opentelemetry.sdk.common.CompletableResultCode shutdown() {
              return io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess();
            }
          };
      this.sdk =
          io.opentelemetry.sdk.OpenTelemetrySdk.builder()
              .setTracerProvider(
                  io.opentelemetry.sdk.trace.SdkTracerProvider.builder()
                      .setSampler(sampler)
                      .addSpanProcessor(
                          io.opentelemetry.sdk.trace.export.BatchSpanProcessor.builder(discard)
                              .build())
                      .build())
              .setPropagators(
                  io.opentelemetry.context.propagation.ContextPropagators.create(
                      io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator
                          .getInstance()))
              .build();
      skald.useOpenTelemetry(sdk);
    }

    /** Parent-based sampling of 1 % of new traces. */
    static Traced sampled(Skald skald) {
      return new Traced(
          skald,
          io.opentelemetry.sdk.trace.samplers.Sampler.parentBased(
              io.opentelemetry.sdk.trace.samplers.Sampler.traceIdRatioBased(0.01)));
    }

    @Override
    public void close() {
      skald.useOpenTelemetry(io.opentelemetry.api.OpenTelemetry.noop());
      sdk.close();
    }
  }

  /** Turns an observation on for a measurement. */
  interface Observation {
    AutoCloseable on(Skald skald);
  }

  void run() throws Exception {
    produce("metrics", Scraped::new);
    sagas("metrics", Scraped::new);
    produce("tracing", Traced::new);
    sagas("tracing", Traced::new);
    // what a high-rate service runs in production: 1 % of new traces recorded, the rest only
    // propagated (each record still carries its traceparent)
    produce("sampled", Traced::sampled);
    sagas("sampled", Traced::sampled);
  }

  private void produce(String kind, Observation observation) throws Exception {
    int records = bench.size(300_000, 20_000);
    double[] on = new double[bench.runs];
    double[] off = new double[bench.runs];
    Bench.withNode(
        skald -> {
          skald.admin().createTopic(TopicSpec.of("produce-4", 4)).toCompletableFuture().join();
          Producer<String, byte[]> producer =
              skald.producer(ProducerSettings.of(Codecs.string(), Codecs.bytes()));
          if (bench.warmsUp()) {
            MessagingBench.sendAll(producer, "produce-4", records / 2, 0, 50_000); // warm-up
          }
          // on and off alternate which goes first, so the log's growth (later sends are to a
          // longer log, with more LevelDB compaction) weighs on both alike
          for (int run = 0; run < bench.runs; run++) {
            Progress.run(run + 1, bench.runs);
            if (run % 2 == 0) {
              off[run] = rate(producer, records);
              try (AutoCloseable observed = observation.on(skald)) {
                on[run] = rate(producer, records);
              }
            } else {
              try (AutoCloseable observed = observation.on(skald)) {
                on[run] = rate(producer, records);
              }
              off[run] = rate(producer, records);
            }
          }
        });
    bench.record(kind + "-produce-4", "durable produce", "records/s", on);
    bench.record(kind + "-produce-4", "durable produce", kind + "-off", "records/s", off);
  }

  private static double rate(Producer<String, byte[]> producer, int records)
      throws InterruptedException {
    long start = System.nanoTime();
    MessagingBench.sendAll(producer, "produce-4", records, 0, 50_000);
    return records / Bench.seconds(System.nanoTime() - start);
  }

  private void sagas(String kind, Observation observation) throws Exception {
    int orders = bench.size(1_000, 100);
    double[] on = new double[bench.runs];
    double[] off = new double[bench.runs];
    if (bench.warmsUp()) {
      Bench.withNode(skald -> SagaBench.run(skald, Shop.Flow.ORCHESTRATION, orders / 2, 0));
    }
    for (int run = 0; run < bench.runs; run++) {
      Progress.run(run + 1, bench.runs);
      int r = run;
      Bench.NodeTask measureOff =
          skald ->
              off[r] = SagaBench.run(skald, Shop.Flow.ORCHESTRATION, orders, 0).sagasPerSecond();
      Bench.NodeTask measureOn =
          skald -> {
            try (AutoCloseable observed = observation.on(skald)) {
              on[r] = SagaBench.run(skald, Shop.Flow.ORCHESTRATION, orders, 0).sagasPerSecond();
            }
          };
      Bench.withNode(run % 2 == 0 ? measureOff : measureOn);
      Bench.withNode(run % 2 == 0 ? measureOn : measureOff);
    }
    bench.record(kind + "-saga-orch", "sagas/s (saturated)", "sagas/s", on);
    bench.record(kind + "-saga-orch", "sagas/s (saturated)", kind + "-off", "sagas/s", off);
  }
}
