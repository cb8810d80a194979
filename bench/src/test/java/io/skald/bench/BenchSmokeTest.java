package io.skald.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The harness in --quick mode, so it never rots: every scenario produces results, the Kafka peer
 * starts, is measured and is stopped.
 */
class BenchSmokeTest {
  @Test
  void everyScenarioProducesResults() throws Exception {
    // the quick scale scenarios report as partitions-1000 and sagas-2000 (instead of 10,000 and
    // 100,000)
    Path dir = Files.createTempDirectory("skald-bench-results");
    System.setProperty("skald.bench.results", dir.toString());
    try {
      Path file = Bench.run("--quick", "--runs", "1");
      String json = Files.readString(file);
      for (String scenario :
          List.of(
              "produce-1",
              "produce-4",
              "e2e-max",
              "e2e-10k",
              "consume-1",
              "consume-2",
              "consume-4",
              "partitions-1000",
              "sagas-2000",
              "saga-orch",
              "saga-chor",
              "cluster-1",
              "cluster-2",
              "cluster-3")) {
        assertTrue(json.contains("\"" + scenario + "\""), scenario + " has results in " + json);
      }
      // the Kafka peer ran beside Skald, in both of its configurations, and ratios were computed
      for (String system : List.of("\"skald\"", "\"kafka-fsync\"", "\"kafka\"")) {
        assertTrue(json.contains("\"system\": " + system), system + " has results in " + json);
      }
      assertTrue(json.contains("\"peer\": \"kafka-fsync\""), "ratios in " + json);
      assertTrue(json.contains("\"peer\": \"skald-leveldb\""), "cluster ratios in " + json);
    } finally {
      System.clearProperty("skald.bench.results");
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
