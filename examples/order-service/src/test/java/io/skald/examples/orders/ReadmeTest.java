package io.skald.examples.orders;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.examples.orders.saga.PlaceOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ReadmeTest {
  @Test
  void theReadmeShowsTheDiagramOfTheDefinition() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    String diagram = PlaceOrder.DEFINITION.toMermaid();
    assertTrue(
        readme.contains("```mermaid\n" + diagram + "```"),
        "examples/order-service/README.md shows the flow as rendered:\n" + diagram);
  }
}
