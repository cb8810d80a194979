package io.skald.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The harness in --smoke mode (tiny runs), so it never rots: every scenario produces results, the
 * Kafka peer starts, is measured and is stopped. Except {@code cluster-failover}: its harness
 * ({@link io.skald.testkit.FailoverLoop}, three node JVMs killed and restarted) already runs in the
 * suite as the cluster module's {@code NodeKillLoopTest}, and a second run here would add most of a
 * minute to the suite for the few lines that record its figures.
 */
class BenchSmokeTest {
  @Test
  void everyScenarioProducesResults() throws Exception {
    Path dir = Files.createTempDirectory("skald-bench-results");
    System.setProperty("skald.bench.results", dir.toString());
    try {
      String[] args =
          java.util.stream.Stream.concat(
                  java.util.stream.Stream.of("--smoke"),
                  java.util.Arrays.stream(Scenario.values())
                      .filter(s -> s != Scenario.CLUSTER_FAILOVER)
                      .map(Scenario::id))
              .toArray(String[]::new);
      Path file = Bench.run(args);
      JsonNode json = new ObjectMapper().readTree(file.toFile());
      Set<String> scenarios = new HashSet<>();
      Set<String> systems = new HashSet<>();
      json.get("results")
          .forEach(
              r -> {
                scenarios.add(r.get("scenario").asText());
                systems.add(r.get("system").asText());
              });
      for (Scenario scenario : Scenario.values()) {
        if (scenario == Scenario.CLUSTER_FAILOVER) {
          continue;
        }
        for (String name : scenario.reportedAs()) {
          assertTrue(
              scenarios.stream()
                  .anyMatch(s -> name.endsWith("-") ? s.startsWith(name) : s.equals(name)),
              scenario + " has results named " + name + " in " + scenarios);
        }
      }
      // the Kafka peer ran beside Skald, in both of its configurations, and ratios were computed
      assertTrue(
          systems.containsAll(Set.of("skald", "kafka-fsync", "kafka")), "systems " + systems);
      Set<String> peers = new HashSet<>();
      json.get("ratios").forEach(r -> peers.add(r.get("peer").asText()));
      assertTrue(peers.containsAll(Set.of("kafka-fsync", "skald-leveldb")), "ratio peers " + peers);
    } finally {
      System.clearProperty("skald.bench.results");
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
