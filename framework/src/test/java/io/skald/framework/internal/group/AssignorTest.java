package io.skald.framework.internal.group;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skald.framework.TopicPartition;
import io.skald.framework.consumer.PartitionAssignor;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AssignorTest {
  private static TopicPartition tp(String topic, int p) {
    return new TopicPartition(topic, p);
  }

  private static final List<PartitionAssignor.Member> MEMBERS =
      List.of(
          new PartitionAssignor.Member("a", Set.of("orders", "refunds")),
          new PartitionAssignor.Member("b", Set.of("orders")),
          new PartitionAssignor.Member("c", Set.of("orders", "refunds")));

  @Test
  void rangeGivesContiguousRangesPerTopicWithTheRemainderFirst() {
    Map<String, Set<TopicPartition>> assignment =
        new RangeAssignor().assign(MEMBERS, Map.of("orders", 4, "refunds", 3));
    assertEquals(
        Set.of(tp("orders", 0), tp("orders", 1), tp("refunds", 0), tp("refunds", 1)),
        assignment.get("a"));
    assertEquals(Set.of(tp("orders", 2)), assignment.get("b"));
    assertEquals(Set.of(tp("orders", 3), tp("refunds", 2)), assignment.get("c"));
    Assignors.check(assignment, MEMBERS, Map.of("orders", 4, "refunds", 3));
  }

  @Test
  void roundRobinDealsPartitionsToSubscribersOnly() {
    Map<String, Set<TopicPartition>> assignment =
        new RoundRobinAssignor().assign(MEMBERS, Map.of("orders", 4, "refunds", 3));
    assertEquals(Set.of(tp("orders", 0), tp("orders", 3), tp("refunds", 1)), assignment.get("a"));
    assertEquals(Set.of(tp("orders", 1)), assignment.get("b"));
    assertEquals(Set.of(tp("orders", 2), tp("refunds", 0), tp("refunds", 2)), assignment.get("c"));
    Assignors.check(assignment, MEMBERS, Map.of("orders", 4, "refunds", 3));
  }

  @Test
  void checkRejectsAnAssignmentThatLeavesAPartitionUnowned() {
    Map<String, Set<TopicPartition>> incomplete =
        Map.of("a", Set.of(tp("orders", 0)), "b", Set.of(), "c", Set.of());
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalStateException.class,
        () -> Assignors.check(incomplete, MEMBERS, Map.of("orders", 2)));
  }
}
