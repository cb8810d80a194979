package io.skald.bench;

import io.skald.examples.orders.Shop;
import java.util.Arrays;
import java.util.List;

/** The benchmark's scenarios: the name to ask for, what runs, and the names its results carry. */
enum Scenario {
  PRODUCE_1("produce-1", bench -> bench.produce(1), "produce-1"),
  PRODUCE_4("produce-4", bench -> bench.produce(4), "produce-4"),
  E2E_MAX("e2e-max", bench -> bench.endToEnd(0), "e2e-max"),
  E2E_10K("e2e-10k", bench -> bench.endToEnd(10_000), "e2e-10k"),
  CONSUME("consume-1-2-4", Bench::consumers, "consume-1", "consume-2", "consume-4"),
  SCALE_PARTITIONS("scale-partitions", Bench::scalePartitions, "partitions-"),
  SCALE_SAGAS("scale-sagas", Bench::scaleSagas, "sagas-"),
  SAGA_ORCHESTRATION("saga-orch", bench -> bench.sagas(Shop.Flow.ORCHESTRATION), "saga-orch"),
  SAGA_CHOREOGRAPHY("saga-chor", bench -> bench.sagas(Shop.Flow.CHOREOGRAPHY), "saga-chor"),
  FILTER_10PCT("filter-10pct", bench -> new MessagingBench(bench).filtered(), "filter-10pct"),
  SHARED_8_ON_2("shared-8-on-2", bench -> new MessagingBench(bench).shared(), "shared-8-on-2"),
  PRIORITY("priority", bench -> new MessagingBench(bench).priorities(), "priority"),
  TXN_COPY("txn-copy", bench -> new TransactionBench(bench).run(), "copy"),
  CLUSTER("cluster-1-2-3", Bench::cluster, "cluster-1", "cluster-2", "cluster-3"),
  CLUSTER_FAILOVER("cluster-failover", Bench::clusterFailover, "cluster-failover"),
  METRICS_OVERHEAD(
      "metrics-overhead",
      bench -> new MetricsOverheadBench(bench).run(),
      "metrics-produce-4",
      "metrics-saga-orch",
      "tracing-produce-4",
      "tracing-saga-orch",
      "sampled-produce-4",
      "sampled-saga-orch");

  /** Runs a scenario on a harness. */
  @FunctionalInterface
  interface Runner {
    void run(Bench bench) throws Exception;
  }

  private final String id;
  private final Runner runner;
  private final List<String> reportedAs;

  Scenario(String id, Runner runner, String... reportedAs) {
    this.id = id;
    this.runner = runner;
    this.reportedAs = List.of(reportedAs);
  }

  /** The name to ask for on the command line. */
  String id() {
    return id;
  }

  /** The scenario names of its results (a name ending in {@code -} is a prefix). */
  List<String> reportedAs() {
    return reportedAs;
  }

  void run(Bench bench) throws Exception {
    runner.run(bench);
  }

  /**
   * The scenario of a name.
   *
   * @param id a name from {@link #id()}
   * @return the scenario
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  static Scenario of(String id) {
    return Arrays.stream(values())
        .filter(s -> s.id.equals(id))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown scenario '"
                        + id
                        + "'; known: "
                        + Arrays.stream(values()).map(Scenario::id).toList()));
  }
}
