package io.skald.cluster.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skald.framework.Skald;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Configuration of a Skald node in cluster mode for tests: {@code skald-cluster.conf}, a remoting
 * port on 127.0.0.1, the seed nodes, the shared PostgreSQL database, and failure detection tuned so
 * a killed node is downed in seconds.
 */
public final class ClusterTestNode {
  /** Every node of a test cluster uses this actor system name. */
  public static final String SYSTEM = "skald-cluster-test";

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
    return Skald.start(SYSTEM, config(port, seedPorts, jdbcUrl, extra));
  }

  /**
   * The node's configuration.
   *
   * @param port its remoting port
   * @param seedPorts the seed nodes' ports
   * @param jdbcUrl the shared database
   * @param extra HOCON overriding the rest
   * @return the configuration
   */
  public static Config config(int port, List<Integer> seedPorts, String jdbcUrl, String extra) {
    String seeds =
        seedPorts.stream()
            .map(p -> "\"pekko://" + SYSTEM + "@127.0.0.1:" + p + "\"")
            .collect(Collectors.joining(", "));
    return ConfigFactory.parseString(extra)
        .withFallback(
            ConfigFactory.parseString(
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
                    + "skald.cluster.postgres.max-connections = 8\n"
                    // a killed node is unreachable after ~3 s and downed 2 s later
                    + "pekko.cluster.failure-detector.acceptable-heartbeat-pause = 3s\n"
                    + "pekko.cluster.split-brain-resolver.stable-after = 2s\n"
                    + "pekko.cluster.jmx.enabled = off\n"
                    + "pekko.cluster.sharding.rebalance-interval = 2s\n"
                    + "skald.framework.consumer.commit-interval = 100ms\n"
                    + "skald.framework.consumer.heartbeat-interval = 200ms\n"
                    + "skald.framework.consumer.fetch-max-wait = 1s\n"
                    + "skald.framework.producer.request-timeout = 2s\n"
                    + "pekko.loglevel = WARNING\n"))
        .withFallback(ConfigFactory.parseResources("skald-cluster.conf"));
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
