package io.skald.examples.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.testkit.SkaldTestNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The demo on the same seeded input, orchestrated and choreographed: the same outcome per order.
 */
class BothFlowsTest {

  private static Demo.Result run(Shop.Flow flow) throws Exception {
    SkaldTestNode node = SkaldTestNode.start();
    try {
      Shop shop = Shop.start(node.skald(), new Shop.Options(flow, 0.0, 0, 7));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Demo.Result result =
          Demo.run(
              shop,
              new Demo.Settings(60, 1, 7, true),
              new PrintStream(out, true, StandardCharsets.UTF_8),
              false);
      assertEquals(java.util.List.of(), result.violations(), out.toString(StandardCharsets.UTF_8));
      return result;
    } finally {
      node.close();
      node.deleteDataDir();
    }
  }

  @Test
  void bothFlowsGiveEveryOrderTheSameOutcome() throws Exception {
    Demo.Result orchestrated = run(Shop.Flow.ORCHESTRATION);
    Demo.Result choreographed = run(Shop.Flow.CHOREOGRAPHY);
    assertEquals(60, orchestrated.outcomes().size());
    assertEquals(orchestrated.outcomes(), choreographed.outcomes());
    // the mix has confirmed and rejected orders, for several reasons
    assertTrue(orchestrated.outcomes().containsValue("CONFIRMED"));
    assertTrue(
        orchestrated.outcomes().values().stream().anyMatch(o -> o.startsWith("REJECTED")),
        orchestrated.outcomes().toString());
  }
}
