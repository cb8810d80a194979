package io.skald.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The figures of a run: each a median, min and max over the runs, per system; the ratio of Skald's
 * median over each peer's for every figure both measured; printed as a table and written as JSON.
 */
final class Report {
  /** The system whose figures the ratios are of. */
  static final String SKALD = "skald";

  /**
   * One measured figure.
   *
   * @param scenario the scenario
   * @param metric what was measured
   * @param system who was measured
   * @param unit its unit
   * @param median the median over the runs
   * @param min the lowest run
   * @param max the highest run
   * @param runs how many runs
   */
  record Result(
      String scenario,
      String metric,
      String system,
      String unit,
      double median,
      double min,
      double max,
      int runs) {}

  /**
   * Skald's median over a peer's, for one figure.
   *
   * @param scenario the scenario
   * @param metric the figure
   * @param peer the peer system
   * @param ratio Skald's median / the peer's median
   */
  record Ratio(String scenario, String metric, String peer, double ratio) {}

  /**
   * The machine the run was on.
   *
   * @param cores available processors
   * @param java the Java version
   * @param quick whether the runs were short (smoke test)
   */
  record Machine(int cores, String java, boolean quick, String payload) {}

  /**
   * The JSON file.
   *
   * @param machine where
   * @param results every figure
   * @param ratios Skald against its peers
   */
  record File(Machine machine, List<Result> results, List<Ratio> ratios) {}

  private final List<Result> results = new ArrayList<>();

  /**
   * Records a figure over its runs.
   *
   * @param scenario the scenario
   * @param metric what was measured
   * @param system who was measured
   * @param unit its unit
   * @param values one value per run
   */
  void record(String scenario, String metric, String system, String unit, double[] values) {
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

  /** Skald's median over each peer's, for every figure both measured. */
  List<Ratio> ratios() {
    List<Ratio> ratios = new ArrayList<>();
    for (Result skald : results) {
      if (!skald.system().equals(SKALD)) {
        continue;
      }
      for (Result peer : results) {
        if (!peer.system().equals(SKALD)
            && peer.scenario().equals(skald.scenario())
            && peer.metric().equals(skald.metric())
            && peer.median() > 0) {
          ratios.add(
              new Ratio(
                  skald.scenario(), skald.metric(), peer.system(), skald.median() / peer.median()));
        }
      }
    }
    return ratios;
  }

  /**
   * Prints the table and writes {@code skald-<time>.json} under {@code skald.bench.results}
   * (default {@code bench/results}).
   *
   * @param quick whether the runs were short
   * @return the file written
   * @throws IOException if it cannot be written
   */
  Path write(boolean quick) throws IOException {
    List<Ratio> ratios = ratios();
    StringBuilder table = new StringBuilder();
    String row = "%-10s %-22s %-13s %14s %14s %14s %5s %-10s%n";
    table.append(
        String.format(
            Locale.ROOT,
            row,
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
      for (Ratio ratio : ratios) {
        table.append(
            String.format(
                Locale.ROOT,
                "%-10s %-22s %-13s %10.2f%n",
                ratio.scenario(),
                ratio.metric(),
                ratio.peer(),
                ratio.ratio()));
      }
    }
    System.out.print(table);
    Path dir = Path.of(System.getProperty("skald.bench.results", "bench/results"));
    Files.createDirectories(dir);
    Path file = dir.resolve("skald-" + Instant.now().toString().replace(':', '-') + ".json");
    Machine machine =
        new Machine(
            Runtime.getRuntime().availableProcessors(),
            System.getProperty("java.version"),
            quick,
            Bench.payload().name().toLowerCase(java.util.Locale.ROOT));
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(file.toFile(), new File(machine, List.copyOf(results), ratios));
    System.out.println("results written to " + file);
    return file;
  }
}
