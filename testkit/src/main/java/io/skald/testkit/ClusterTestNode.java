package io.skald.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
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
   * Starts {@code count} nodes on fresh ports, the first one the seed, each Up before the next
   * starts; closes the started ones if one fails.
   *
   * @param jdbcUrl the shared database
   * @param count how many nodes
   * @param extra HOCON for every node
   * @return the nodes, the seed first (a mutable list)
   */
  public static List<Skald> startCluster(String jdbcUrl, int count, String extra) {
    List<Skald> nodes = new java.util.ArrayList<>();
    try {
      int seed = freePort();
      nodes.add(start(seed, List.of(seed), jdbcUrl, extra));
      for (int i = 1; i < count; i++) {
        nodes.add(join(nodes, jdbcUrl, extra));
      }
      return nodes;
    } catch (RuntimeException e) {
      closeAll(nodes);
      throw e;
    }
  }

  /**
   * Starts one more node that joins through the first node of {@code cluster}.
   *
   * @param cluster running nodes, the seed first
   * @param jdbcUrl the shared database
   * @param extra HOCON for the node
   * @return the new node (not added to {@code cluster})
   */
  public static Skald join(List<Skald> cluster, String jdbcUrl, String extra) {
    int seed = cluster.get(0).system().address().getPort().get();
    return start(freePort(), List.of(seed), jdbcUrl, extra);
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
