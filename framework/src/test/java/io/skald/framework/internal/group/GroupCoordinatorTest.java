package io.skald.framework.internal.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.TopicPartition;
import io.skald.framework.admin.TopicSpec;
import io.skald.testkit.SkaldTestNode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The coordinator's protocol driven directly with probes standing in as members. */
class GroupCoordinatorTest {
  private SkaldTestNode node;
  private EntityRef<GroupProtocol.Command> coordinator;

  @BeforeEach
  void start() {
    node = SkaldTestNode.start();
    node.skald().admin().createTopic(TopicSpec.of("t", 2)).toCompletableFuture().join();
    coordinator =
        ClusterSharding.get(node.skald().system())
            .entityRefFor(GroupCoordinator.ENTITY_TYPE_KEY, "fenced");
  }

  @AfterEach
  void stop() {
    node.close();
    node.deleteDataDir();
  }

  private TestProbe<GroupProtocol.MemberMessage> join(String memberId) {
    TestProbe<GroupProtocol.MemberMessage> member = TestProbe.create(node.skald().system());
    coordinator.tell(
        new GroupProtocol.Join(
            memberId, Set.of("t"), Map.of("t", 2), "range", member.getRef(), List.of()));
    return member;
  }

  private GroupProtocol.CommitResult commit(
      String memberId, long generation, TopicPartition tp, long offset) {
    TestProbe<GroupProtocol.CommitResult> reply = TestProbe.create(node.skald().system());
    coordinator.tell(
        new GroupProtocol.Commit(
            memberId, generation, List.of(CommittedOffset.of(tp, offset)), reply.getRef()));
    return reply.receiveMessage();
  }

  @Test
  void partitionsMoveOnlyAfterReleaseAndStaleOwnersCannotCommit() {
    TopicPartition t0 = new TopicPartition("t", 0);
    TopicPartition t1 = new TopicPartition("t", 1);

    // given member a owns both partitions
    TestProbe<GroupProtocol.MemberMessage> a = join("a");
    GroupProtocol.Assigned first = a.expectMessageClass(GroupProtocol.Assigned.class);
    assertEquals(2, first.partitions().size());
    assertTrue(commit("a", first.generation(), t1, 5).rejected().isEmpty());

    // when b joins, a is asked to give up t-1, and b gets nothing until a releases it
    TestProbe<GroupProtocol.MemberMessage> b = join("b");
    GroupProtocol.Revoked revoked = a.expectMessageClass(GroupProtocol.Revoked.class);
    assertEquals(List.of(t1), revoked.partitions());
    b.expectNoMessage(java.time.Duration.ofMillis(300));
    coordinator.tell(new GroupProtocol.Released("a", List.of(CommittedOffset.of(t1, 7))));

    // then b starts t-1 at the released position
    GroupProtocol.Assigned granted =
        b.expectMessageClass(GroupProtocol.Assigned.class, java.time.Duration.ofSeconds(10));
    assertEquals(List.of(CommittedOffset.of(t1, 7)), granted.partitions());

    // and a's commit of t-1 (stale) is rejected, while its commit of t-0 and b's of t-1 pass
    assertEquals(List.of(t1), commit("a", first.generation(), t1, 9).rejected());
    assertTrue(commit("a", revoked.generation(), t0, 3).rejected().isEmpty());
    assertTrue(commit("b", granted.generation(), t1, 8).rejected().isEmpty());
    TestProbe<GroupProtocol.CommittedOffsets> offsets = TestProbe.create(node.skald().system());
    coordinator.tell(new GroupProtocol.GetCommitted(offsets.getRef()));
    assertEquals(
        List.of(CommittedOffset.of(t0, 3), CommittedOffset.of(t1, 8)),
        offsets.receiveMessage().offsets());
  }

  @Test
  void aNewIncarnationHandsClaimedPartitionsBackToTheLatestGrantWithTheirPositions() {
    node.close();
    // the coordinator passivates when idle for 1 s, so its next message starts a new incarnation
    node =
        SkaldTestNode.start(
            node.dataDir(),
            false,
            "pekko.cluster.sharding.passivation.default-idle-strategy.idle-entity.timeout = 1s\n"
                + "skald.framework.consumer.heartbeat-interval = 200ms\n"
                + "skald.framework.consumer.ownership-lease = 1s\n");
    coordinator =
        ClusterSharding.get(node.skald().system())
            .entityRefFor(GroupCoordinator.ENTITY_TYPE_KEY, "fenced");
    TopicPartition t0 = new TopicPartition("t", 0);
    TopicPartition t1 = new TopicPartition("t", 1);
    TestProbe<GroupProtocol.MemberMessage> a = join("a");
    GroupProtocol.Assigned first = a.expectMessageClass(GroupProtocol.Assigned.class);
    assertEquals(2, first.partitions().size());
    assertTrue(commit("a", first.generation(), t1, 5).rejected().isEmpty());
    a.expectNoMessage(java.time.Duration.ofMillis(1_500)); // passivated meanwhile

    // when a claims both partitions with its positions, and b claims t-1 from an older grant
    TestProbe<GroupProtocol.MemberMessage> b = TestProbe.create(node.skald().system());
    coordinator.tell(
        new GroupProtocol.Join(
            "a",
            Set.of("t"),
            Map.of("t", 2),
            "range",
            a.getRef(),
            List.of(
                new GroupProtocol.Claim(t0, first.generation(), 3),
                new GroupProtocol.Claim(t1, first.generation(), 9))));
    coordinator.tell(
        new GroupProtocol.Join(
            "b",
            Set.of("t"),
            Map.of("t", 2),
            "range",
            b.getRef(),
            List.of(new GroupProtocol.Claim(t1, first.generation() - 1, 2))));

    // then nothing is granted during the claim window (the old incarnation's leases may run)
    a.expectNoMessage(java.time.Duration.ofMillis(700));
    // and then a gets both back at its own positions, committed, and b is told to drop t-1
    GroupProtocol.Assigned back = a.expectMessageClass(GroupProtocol.Assigned.class);
    assertEquals(
        Set.of(CommittedOffset.of(t0, 3), CommittedOffset.of(t1, 9)),
        Set.copyOf(back.partitions()));
    assertEquals(List.of(t1), b.expectMessageClass(GroupProtocol.Fenced.class).partitions());
    TestProbe<GroupProtocol.CommittedOffsets> offsets = TestProbe.create(node.skald().system());
    coordinator.tell(new GroupProtocol.GetCommitted(offsets.getRef()));
    assertEquals(
        List.of(CommittedOffset.of(t0, 3), CommittedOffset.of(t1, 9)),
        offsets.receiveMessage().offsets());
    // and the rebalance towards two members then moves t-1 cooperatively, from a to b
    assertEquals(List.of(t1), a.expectMessageClass(GroupProtocol.Revoked.class).partitions());
  }

  @Test
  void aDeadMembersPartitionsWaitForItsLeaseToRunOut() {
    TopicPartition t0 = new TopicPartition("t", 0);
    TestProbe<GroupProtocol.MemberMessage> a = join("a");
    a.expectMessageClass(GroupProtocol.Assigned.class);
    TestProbe<GroupProtocol.MemberMessage> b = join("b");
    a.expectMessageClass(GroupProtocol.Revoked.class);
    // a renews its lease, then dies without releasing anything
    coordinator.tell(new GroupProtocol.Heartbeat("a", a.getRef(), System.nanoTime()));
    a.expectMessageClass(GroupProtocol.HeartbeatAck.class);
    long renewedAt = System.nanoTime();
    a.stop();
    // b gets a's partitions only once a's lease (1 s on test nodes) plus the margin (0.25 s) ran
    // out
    GroupProtocol.Assigned granted =
        b.expectMessageClass(GroupProtocol.Assigned.class, java.time.Duration.ofSeconds(10));
    long waited = System.nanoTime() - renewedAt;
    assertTrue(granted.partitions().stream().anyMatch(o -> o.tp().equals(t0)), "" + granted);
    assertTrue(waited >= 1_200_000_000L, "granted after " + waited / 1_000_000 + " ms");
  }

  @Test
  void anUnknownMemberIsToldToJoinAgain() {
    TestProbe<GroupProtocol.MemberMessage> ghost = TestProbe.create(node.skald().system());
    coordinator.tell(new GroupProtocol.Heartbeat("ghost", ghost.getRef(), System.nanoTime()));
    ghost.expectMessageClass(GroupProtocol.RejoinRequired.class);
    // its commit is not taken, but it is not told that another member owns the partition either:
    // it may be a member of a coordinator that moved, which keeps its position to claim it
    GroupProtocol.CommitResult result = commit("ghost", 99, new TopicPartition("t", 0), 1);
    assertTrue(result.retryLater());
    assertEquals(List.of(), result.rejected());
  }
}
