package io.skald.framework.internal.membership;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.typed.Join;

/**
 * A bare cluster member in its own JVM, for {@link CrashedMemberDowningTest}: joins the seed,
 * prints {@code UP} once it is an Up member, then runs until it is killed.
 */
public final class CrashTestMember {
  private CrashTestMember() {}

  /**
   * Runs the member.
   *
   * @param args data directory (unused), own port, seed port
   */
  public static void main(String[] args) {
    ActorSystem<Void> system =
        ActorSystem.create(
            Behaviors.empty(), CrashedMemberDowningTest.SYSTEM, config(Integer.parseInt(args[1])));
    Cluster cluster = Cluster.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system));
    cluster.registerOnMemberUp(() -> System.out.println("UP"));
    org.apache.pekko.cluster.typed.Cluster.get(system)
        .manager()
        .tell(
            new Join(
                new org.apache.pekko.actor.Address(
                    "pekko",
                    CrashedMemberDowningTest.SYSTEM,
                    "127.0.0.1",
                    Integer.parseInt(args[2]))));
  }

  /**
   * The configuration every member of the test cluster uses: Artery over TCP on 127.0.0.1, a quick
   * failure detector, and a split-brain resolver too slow to down anyone during a test.
   *
   * @param port the member's remoting port
   * @return the configuration
   */
  static Config config(int port) {
    return ConfigFactory.parseString(
            "pekko.actor.provider = cluster\n"
                + "pekko.remote.artery.transport = tcp\n"
                + "pekko.remote.artery.canonical.hostname = \"127.0.0.1\"\n"
                + "pekko.remote.artery.canonical.port = "
                + port
                + "\n"
                + "pekko.cluster.jmx.enabled = off\n"
                + "pekko.cluster.downing-provider-class ="
                + " \"org.apache.pekko.cluster.sbr.SplitBrainResolverProvider\"\n"
                + "pekko.cluster.split-brain-resolver.stable-after = 120s\n"
                + "pekko.cluster.failure-detector.heartbeat-interval = 500ms\n"
                + "pekko.cluster.failure-detector.acceptable-heartbeat-pause = 1s\n"
                + "pekko.cluster.gossip-interval = 200ms\n"
                + "pekko.cluster.leader-actions-interval = 250ms\n"
                + "pekko.cluster.unreachable-nodes-reaper-interval = 250ms\n"
                + "pekko.coordinated-shutdown.exit-jvm = off\n"
                // the test stops its nodes without leaving (a leave waits for the dead member)
                + "pekko.coordinated-shutdown.run-by-actor-system-terminate = off\n"
                + "pekko.loglevel = WARNING\n")
        .withFallback(ConfigFactory.load());
  }
}
