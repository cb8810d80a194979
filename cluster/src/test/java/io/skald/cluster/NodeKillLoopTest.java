package io.skald.cluster;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.cluster.testing.PostgresPerClass;
import io.skald.testkit.FailoverLoop;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three node JVMs on the defaults of {@code skald-cluster.conf}, each producing and consuming; a
 * node is SIGKILLed twice (the group coordinator's host, then another node), each time restarted.
 * The benchmark's {@code cluster-failover} scenario runs the same loop longer. Judged from the
 * outside: nothing acknowledged is lost, the log holds every record once and in send order per key,
 * every acknowledgement names the record's real offset, no two members ever handle one partition in
 * the same span, and survivors do not handle their own completed records again. The stall figures
 * are printed; the benchmark's {@code cluster-failover} scenario reports them.
 */
class NodeKillLoopTest {
  @RegisterExtension static final PostgresPerClass postgres = new PostgresPerClass();

  @Test
  void killedNodesLoseNothingAndNoPartitionHasTwoOwners() throws Exception {
    String url = postgres.createDatabase("kill_loop");
    Path work = SkaldTestNode.newDataDir();
    System.out.println("node kill loop: files in " + work + " (kept if the test fails)");

    FailoverLoop.Result result =
        FailoverLoop.run(url, work, new FailoverLoop.Settings(2, 200, Duration.ofSeconds(2)));
    String summary = result.summary();
    System.out.println("node kill loop: " + summary.replace("\n", "\n  "));
    assertAll(
        () -> assertEquals(2, result.kills().size(), summary),
        () -> assertTrue(result.acked() > 5_000, summary),
        () -> assertEquals(0, result.failedSends(), summary),
        () -> assertEquals(0, result.lost(), summary),
        () -> assertEquals(0, result.logDuplicates(), summary),
        () -> assertEquals(0, result.logConflicts(), summary),
        () -> assertEquals(0, result.orderViolations(), summary),
        () -> assertEquals(0, result.unknownOffsets(), summary),
        () -> assertEquals(0, result.wrongOffsets(), summary),
        () -> assertEquals(0, result.overlaps(), summary),
        // survivors redeliver at most one commit interval (500 ms) of their work
        () -> assertTrue(result.survivorRedeliverySpanMillis() <= 500, summary));
    if (System.getenv("SKALD_FAILOVER_DEBUG") == null) {
      SkaldTestNode.deleteRecursively(work);
    }
  }
}
