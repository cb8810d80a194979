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
        new GroupProtocol.Join(memberId, Set.of("t"), Map.of("t", 2), "range", member.getRef()));
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
    GroupProtocol.Assigned granted = b.expectMessageClass(GroupProtocol.Assigned.class);
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
  void anUnknownMemberIsToldToJoinAgain() {
    TestProbe<GroupProtocol.MemberMessage> ghost = TestProbe.create(node.skald().system());
    coordinator.tell(new GroupProtocol.Heartbeat("ghost", ghost.getRef()));
    ghost.expectMessageClass(GroupProtocol.RejoinRequired.class);
    assertEquals(
        List.of(new TopicPartition("t", 0)),
        commit("ghost", 99, new TopicPartition("t", 0), 1).rejected());
  }
}
