package io.skald.cluster.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skald.cluster.LocalCluster;
import io.skald.framework.Skald;
import java.util.List;

/**
 * A {@link LocalCluster} node tuned for tests: a killed node is unreachable after about 3 s and
 * downed 2 s later, shards rebalance every 2 s, members commit and heartbeat often.
 */
public final class ClusterTestNode {
  /** Every node of a test cluster uses this actor system name. */
  public static final String SYSTEM = LocalCluster.SYSTEM;

  private ClusterTestNode() {}

  /**
   * Starts a node (returns once it is Up).
   *
   * @param port its remoting port
   * @param seedPorts the ports of the seed nodes (the first one joins itself)
   * @param jdbcUrl the shared database
   * @param extra HOCON overriding the rest
   * @return the node
   */
  public static Skald start(int port, List<Integer> seedPorts, String jdbcUrl, String extra) {
    return LocalCluster.start(port, seedPorts, jdbcUrl, config(extra));
  }

  /**
   * The test tuning on top of {@link LocalCluster#config}.
   *
   * @param extra HOCON overriding the tuning
   * @return the overrides
   */
  public static Config config(String extra) {
    return ConfigFactory.parseString(extra)
        .withFallback(
            ConfigFactory.parseString(
                "skald.cluster.postgres.max-connections = 8\n"
                    + "pekko.cluster.failure-detector.acceptable-heartbeat-pause = 3s\n"
                    + "pekko.cluster.split-brain-resolver.stable-after = 2s\n"
                    + "pekko.cluster.sharding.rebalance-interval = 2s\n"
                    + "skald.framework.consumer.commit-interval = 100ms\n"
                    + "skald.framework.consumer.heartbeat-interval = 200ms\n"
                    + "skald.framework.consumer.fetch-max-wait = 1s\n"
                    + "skald.framework.producer.request-timeout = 2s\n"
                    + "pekko.loglevel = WARNING\n"));
  }

  /**
   * How many shards of an entity type each node hosts, as the cluster's sharding reports it.
   *
   * @param node the node to ask
   * @param typeKey the entity type
   * @return node address to number of shards (nodes hosting none may be absent)
   */
  public static java.util.Map<org.apache.pekko.actor.Address, Integer> shardsByNode(
      Skald node, org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey<?> typeKey) {
    org.apache.pekko.actor.testkit.typed.javadsl.TestProbe<
            org.apache.pekko.cluster.sharding.ShardRegion.ClusterShardingStats>
        probe = org.apache.pekko.actor.testkit.typed.javadsl.TestProbe.create(node.system());
    org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.get(node.system())
        .shardState()
        .tell(
            new org.apache.pekko.cluster.sharding.typed.GetClusterShardingStats(
                typeKey, java.time.Duration.ofSeconds(3), probe.getRef()));
    java.util.Map<org.apache.pekko.actor.Address, Integer> shards = new java.util.HashMap<>();
    probe
        .receiveMessage(java.time.Duration.ofSeconds(10))
        .getRegions()
        .forEach((address, stats) -> shards.put(address, stats.getStats().size()));
    return shards;
  }

  /**
   * Closes nodes, the last started first.
   *
   * @param nodes the nodes
   */
  public static void closeAll(List<Skald> nodes) {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).close();
    }
  }

  /**
   * A free TCP port on this machine.
   *
   * @return the port
   */
  public static int freePort() {
    return LocalCluster.freePort();
  }
}
