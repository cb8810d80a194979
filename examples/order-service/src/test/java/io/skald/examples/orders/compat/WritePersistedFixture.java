package io.skald.examples.orders.compat;

import io.skald.examples.orders.Shop;
import io.skald.framework.Skald;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes the persisted-formats fixture: {@code WritePersistedFixture <dir>} fills {@code
 * <dir>/data} (journal and snapshots) and {@code <dir>/expected-*.txt}. Run it with the code whose
 * formats the fixture freezes, commit the directory under {@code src/test/resources/fixtures/}, and
 * never rewrite a committed fixture: add a new one next to it.
 */
public final class WritePersistedFixture {
  private WritePersistedFixture() {}

  /**
   * Writes the fixture.
   *
   * @param args the output directory (must not exist)
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    Path data = out.resolve("data");
    Files.createDirectories(data);
    try (Skald skald = start(data)) {
      Shop shop = Shop.start(skald, options(Shop.Flow.ORCHESTRATION));
      PersistedFixture.seedShop(shop);
      PersistedFixture.writeFrameworkAndOrchestratedPhase(skald, shop);
    }
    try (Skald skald = start(data)) {
      Shop shop = Shop.start(skald, options(Shop.Flow.CHOREOGRAPHY));
      PersistedFixture.placeOrders(shop, PersistedFixture.choreographedIds());
      write(
          out.resolve("expected-choreography.txt"),
          PersistedFixture.observe(skald, shop, PersistedFixture.choreographedIds()));
    }
    try (Skald skald = start(data)) {
      Shop shop = Shop.start(skald, options(Shop.Flow.ORCHESTRATION));
      write(
          out.resolve("expected-orchestration.txt"),
          PersistedFixture.observe(skald, shop, PersistedFixture.orchestratedIds()));
    }
    System.out.println("fixture written to " + out);
  }

  static Skald start(Path data) {
    return Skald.start("skald-fixture", SkaldTestNode.config(data, true, PersistedFixture.CONFIG));
  }

  static Shop.Options options(Shop.Flow flow) {
    return new Shop.Options(flow, 0.0, 0, 1);
  }

  static void write(Path file, Map<String, String> seen) throws Exception {
    List<String> lines = new ArrayList<>();
    seen.forEach((k, v) -> lines.add(k + "\t" + v));
    Files.write(file, lines);
  }
}
