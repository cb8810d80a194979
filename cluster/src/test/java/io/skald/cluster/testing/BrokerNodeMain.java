package io.skald.cluster.testing;

import io.skald.framework.Skald;
import io.skald.framework.internal.txn.TransactionCoordinator;
import io.skald.testkit.ClusterTestNode;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.sharding.ShardRegion.CurrentShardRegionState;
import org.apache.pekko.cluster.sharding.ShardRegion.ShardState;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * A cluster node with the broker role and nothing else, for tests that kill it: it hosts
 * partitions, group and transaction coordinators, prints {@code READY} once started and runs until
 * killed. Every 200 ms it writes the ids of the transaction coordinators it hosts to {@code
 * entities} in its directory (one a line). Logs go to {@code node.log} there.
 */
public final class BrokerNodeMain {
  /** The HOCON that gives a node the broker role. */
  public static final String BROKER =
      "pekko.cluster.roles = [broker]\n"
          + "skald.framework.cluster.role = broker\n"
          + "skald.saga.role = broker\n";

  private BrokerNodeMain() {}

  /**
   * Runs until killed.
   *
   * @param args data directory, remoting port, seed ports (comma-separated), JDBC URL
   * @throws Exception on a start failure
   */
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, "UTF-8");
    Path dir = Path.of(args[0]);
    System.setOut(
        new PrintStream(
            Files.newOutputStream(dir.resolve("node.log")), true, StandardCharsets.UTF_8));
    List<Integer> seeds = Arrays.stream(args[2].split(",")).map(Integer::valueOf).toList();
    Skald node = ClusterTestNode.start(Integer.parseInt(args[1]), seeds, args[3], BROKER);
    out.println("READY");
    while (true) {
      TestProbe<CurrentShardRegionState> probe = TestProbe.create(node.system());
      ClusterSharding.get(node.system())
          .shardState()
          .tell(new GetShardRegionState(TransactionCoordinator.ENTITY_TYPE_KEY, probe.getRef()));
      StringBuilder ids = new StringBuilder();
      for (ShardState shard : probe.receiveMessage(Duration.ofSeconds(5)).getShards()) {
        for (String id : shard.getEntityIds()) {
          ids.append(id).append('\n');
        }
      }
      Path tmp = dir.resolve("entities.tmp");
      Files.writeString(tmp, ids.toString());
      Files.move(tmp, dir.resolve("entities"), StandardCopyOption.ATOMIC_MOVE);
      probe.expectNoMessage(Duration.ofMillis(200)); // the pause between reports
    }
  }
}
