package io.skald.cluster;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.cluster.testing.PostgresPerClass;
import io.skald.framework.SkaldException;
import io.skald.testkit.ClusterTestNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A node whose database is unreachable or lacks the tables does not start, and says why. */
class UnreachableDatabaseTest {
  @RegisterExtension static final PostgresPerClass postgres = new PostgresPerClass();

  @Test
  void aNodeDoesNotStartWithoutItsDatabase() {
    String nowhere = "jdbc:postgresql://127.0.0.1:" + ClusterTestNode.freePort() + "/skald";
    for (String createSchema : List.of("on", "off")) {
      int port = ClusterTestNode.freePort();
      SkaldException e =
          assertThrows(
              SkaldException.class,
              () ->
                  ClusterTestNode.start(
                      port,
                      List.of(port),
                      nowhere,
                      "skald.cluster.postgres.create-schema = " + createSchema));
      assertTrue(e.getMessage().contains(nowhere), e.getMessage());
      assertTrue(e.getMessage().contains("refused"), e.getMessage());
    }
  }

  @Test
  void aNodeDoesNotStartWhenTheTablesAreMissingAndItMayNotCreateThem() {
    String empty = postgres.createDatabase("no_tables");
    int port = ClusterTestNode.freePort();
    SkaldException e =
        assertThrows(
            SkaldException.class,
            () ->
                ClusterTestNode.start(
                    port, List.of(port), empty, "skald.cluster.postgres.create-schema = off"));
    assertTrue(e.getMessage().contains("table event_journal is missing"), e.getMessage());
    assertTrue(e.getMessage().contains("schema/skald-postgres.sql"), e.getMessage());
  }
}
