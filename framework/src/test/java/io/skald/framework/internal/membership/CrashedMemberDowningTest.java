package io.skald.framework.internal.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skald.testkit.ForkedJvm;
import io.skald.testkit.LocalCluster;
import io.skald.testkit.SkaldTestNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.Subscribe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real cluster members: in-JVM nodes that run {@link CrashedMemberDowning}, and one member in a
 * forked JVM that the test pauses (SIGSTOP), resumes and kills (SIGKILL). The split-brain resolver
 * waits 120 s, so a member removed within the test was downed by the crash detection.
 */
class CrashedMemberDowningTest {
  static final String SYSTEM = "crash-downing-test";

  private final List<ActorSystem<Void>> systems = new ArrayList<>();
  private final List<ForkedJvm> forked = new ArrayList<>();
  private Path dir;

  @AfterEach
  void stop() throws Exception {
    for (ForkedJvm jvm : forked) {
      jvm.close();
    }
    for (ActorSystem<Void> system : systems) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get();
    }
    if (dir != null) {
      SkaldTestNode.deleteRecursively(dir);
    }
  }

  @Test
  void aKilledMemberIsDownedAtOnceButAPausedOneIsNot() throws Exception {
    ActorSystem<Void> first = node();
    ActorSystem<Void> second = node();
    join(second, first);
    ForkedJvm member = fork(first);
    awaitUp(first, 3);

    TestProbe<ClusterEvent.MemberRemoved> removals =
        events(first, ClusterEvent.MemberRemoved.class);
    TestProbe<ClusterEvent.ReachabilityEvent> reachability =
        events(first, ClusterEvent.ReachabilityEvent.class);

    // paused: unreachable, but its port still accepts connections, so nobody downs it
    member.signal("STOP");
    reachability.expectMessageClass(ClusterEvent.UnreachableMember.class, Duration.ofSeconds(15));
    removals.expectNoMessage(Duration.ofSeconds(3));
    member.signal("CONT");
    reachability.expectMessageClass(ClusterEvent.ReachableMember.class, Duration.ofSeconds(15));

    // killed: its port refuses connections, so it is downed and removed without stable-after
    member.kill();
    ClusterEvent.MemberRemoved removed =
        removals.expectMessageClass(ClusterEvent.MemberRemoved.class, Duration.ofSeconds(15));
    assertEquals(
        memberPort(removed.member().address()), forkedPort, "the killed member was removed");
    assertEquals(2, up(first));
  }

  @Test
  void aNodeWithoutAMajorityDownsNobody() throws Exception {
    ActorSystem<Void> only = node();
    ForkedJvm member = fork(only);
    awaitUp(only, 2);
    TestProbe<ClusterEvent.MemberRemoved> removals = events(only, ClusterEvent.MemberRemoved.class);
    TestProbe<ClusterEvent.ReachabilityEvent> reachability =
        events(only, ClusterEvent.ReachabilityEvent.class);

    member.kill();
    reachability.expectMessageClass(ClusterEvent.UnreachableMember.class, Duration.ofSeconds(15));
    // one of two members reachable is no majority: the downing provider decides, not this node
    removals.expectNoMessage(Duration.ofSeconds(3));
    assertEquals(2, members(only));
  }

  @Test
  void aProbeTellsARefusedPortFromAnOpenOne() throws Exception {
    try (ServerSocket open = new ServerSocket(0)) {
      assertEquals(
          CrashedMemberDowning.Outcome.ACCEPTED,
          CrashedMemberDowning.probe("127.0.0.1", open.getLocalPort(), Duration.ofSeconds(2))
              .outcome());
    }
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    assertEquals(
        CrashedMemberDowning.Outcome.REFUSED,
        CrashedMemberDowning.probe("127.0.0.1", closed, Duration.ofSeconds(2)).outcome());
  }

  private int forkedPort;

  private ActorSystem<Void> node() throws IOException {
    ActorSystem<Void> system =
        ActorSystem.create(
            Behaviors.empty(), SYSTEM, CrashTestMember.config(LocalCluster.freePort()));
    systems.add(system);
    system.systemActorOf(
        CrashedMemberDowning.create(Duration.ofMillis(500)), "crash-downing", Props.empty());
    if (systems.size() == 1) {
      Cluster.get(system).manager().tell(new Join(Cluster.get(system).selfMember().address()));
    }
    return system;
  }

  private static void join(ActorSystem<Void> node, ActorSystem<Void> seed) {
    Cluster.get(node).manager().tell(new Join(Cluster.get(seed).selfMember().address()));
  }

  private ForkedJvm fork(ActorSystem<Void> seed) throws Exception {
    if (dir == null) {
      dir = SkaldTestNode.newDataDir();
    }
    forkedPort = LocalCluster.freePort();
    ForkedJvm jvm =
        ForkedJvm.start(
            CrashTestMember.class,
            dir,
            "128m",
            Integer.toString(forkedPort),
            Integer.toString(memberPort(Cluster.get(seed).selfMember().address())));
    forked.add(jvm);
    jvm.awaitLine("UP"::equals, 60);
    return jvm;
  }

  private static void awaitUp(ActorSystem<Void> node, int count) {
    TestProbe<Object> probe = TestProbe.create(node);
    probe.awaitAssert(
        Duration.ofSeconds(30),
        () -> {
          assertEquals(count, up(node));
          return null;
        });
  }

  private static int up(ActorSystem<Void> node) {
    int up = 0;
    for (org.apache.pekko.cluster.Member m : Cluster.get(node).state().getMembers()) {
      if (m.status() == MemberStatus.up()) {
        up++;
      }
    }
    return up;
  }

  private static int members(ActorSystem<Void> node) {
    int all = 0;
    for (org.apache.pekko.cluster.Member ignored : Cluster.get(node).state().getMembers()) {
      all++;
    }
    return all;
  }

  private static <E extends ClusterEvent.ClusterDomainEvent> TestProbe<E> events(
      ActorSystem<Void> node, Class<E> type) {
    TestProbe<E> probe = TestProbe.create(node);
    Cluster.get(node).subscriptions().tell(Subscribe.create(probe.getRef(), type));
    return probe;
  }

  private static int memberPort(Address address) {
    return address.getPort().orElseThrow();
  }
}
