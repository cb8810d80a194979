package io.skald.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skald.framework.Skald;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Skald nodes in cluster mode on 127.0.0.1, for tests, benchmarks and trying a cluster on one
 * machine: each node is an actor system named {@value #SYSTEM} with its own remoting port, joined
 * through the given seed nodes, with {@code skald-cluster.conf} and a shared PostgreSQL database.
 * <!-- snippet: cluster-two-nodes -->
 *
 * <pre>{@code
 * try (LocalPostgres postgres = LocalPostgres.start()) {
 *   int seed = LocalCluster.freePort();
 *   Skald node1 = LocalCluster.start(seed, List.of(seed), postgres, ConfigFactory.empty());
 *   Skald node2 =
 *       LocalCluster.start(
 *           LocalCluster.freePort(), List.of(seed), postgres, ConfigFactory.empty());
 *   try {
 *     node1.admin().createTopic(TopicSpec.of("orders", 6)).toCompletableFuture().join();
 *
 *     // a member of group "billing" on node 2 ...
 *     node2.subscribe(
 *         SubscriptionSpec.of("billing", Codecs.string(), Codecs.string()).withTopics("orders"),
 *         record -> {
 *           billed.add(record.value());
 *           return CompletableFuture.completedFuture(null);
 *         });
 *
 *     // ... gets what a producer on node 1 sends, wherever sharding placed the partitions
 *     Producer<String, String> producer =
 *         node1.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
 *     for (int i = 0; i < 100; i++) {
 *       producer.send("orders", "customer-" + (i % 7), "order-" + i).toCompletableFuture().join();
 *     }
 *   } finally {
 *     node2.close();
 *     node1.close();
 *   }
 * }
 * }</pre>
 */
public final class LocalCluster {
  /** The actor system name every node of a local cluster uses (members must share it). */
  public static final String SYSTEM = "skald-cluster";

  private LocalCluster() {}

  /**
   * Starts a node and returns once it is an Up member.
   *
   * @param port its remoting port on 127.0.0.1
   * @param seedPorts the seed nodes' ports (a node whose port is the first seed joins itself)
   * @param postgres the shared database server (its {@code skald} database)
   * @param overrides configuration overriding everything else
   * @return the running node
   */
  public static Skald start(
      int port, List<Integer> seedPorts, LocalPostgres postgres, Config overrides) {
    return start(port, seedPorts, postgres.jdbcUrl(), overrides);
  }

  /**
   * Starts a node on a given database and returns once it is an Up member.
   *
   * @param port its remoting port on 127.0.0.1
   * @param seedPorts the seed nodes' ports
   * @param jdbcUrl the shared database (user {@code postgres}, no password, as {@link
   *     LocalPostgres})
   * @param overrides configuration overriding everything else
   * @return the running node
   */
  public static Skald start(int port, List<Integer> seedPorts, String jdbcUrl, Config overrides) {
    return Skald.start(SYSTEM, overrides.withFallback(config(port, seedPorts, jdbcUrl)));
  }

  /**
   * A node's configuration: {@code skald-cluster.conf}, address, seed nodes and database.
   *
   * @param port its remoting port on 127.0.0.1
   * @param seedPorts the seed nodes' ports
   * @param jdbcUrl the shared database
   * @return the configuration (unresolved; {@link Skald#start(String, Config)} resolves it)
   */
  public static Config config(int port, List<Integer> seedPorts, String jdbcUrl) {
    String seeds =
        seedPorts.stream()
            .map(p -> "\"pekko://" + SYSTEM + "@127.0.0.1:" + p + "\"")
            .collect(Collectors.joining(", "));
    return ConfigFactory.parseString(
            "pekko.remote.artery.canonical.hostname = \"127.0.0.1\"\n"
                + "pekko.remote.artery.canonical.port = "
                + port
                + "\n"
                + "pekko.cluster.seed-nodes = ["
                + seeds
                + "]\n"
                + "skald.cluster.postgres.url = \""
                + jdbcUrl
                + "\"\n"
                + "skald.cluster.postgres.user = postgres\n"
                + "skald.cluster.postgres.password = \"\"\n"
                + "pekko.cluster.jmx.enabled = off\n")
        .withFallback(ConfigFactory.parseResources("skald-cluster.conf"));
  }

  /**
   * How many members this node sees as Up.
   *
   * @param node the node
   * @return its count of Up members, itself included
   */
  public static int upMembers(Skald node) {
    int up = 0;
    for (org.apache.pekko.cluster.Member member :
        org.apache.pekko.cluster.typed.Cluster.get(node.system()).state().getMembers()) {
      if (member.status().equals(org.apache.pekko.cluster.MemberStatus.up())) {
        up++;
      }
    }
    return up;
  }

  /**
   * A free TCP port on this machine.
   *
   * @return the port
   */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
