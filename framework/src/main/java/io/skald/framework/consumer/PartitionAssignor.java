package io.skald.framework.consumer;

import io.skald.framework.TopicPartition;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A strategy that divides a group's partitions among its members. Skald ships {@code range} and
 * {@code round-robin}; register your own class under {@code skald.framework.consumer.assignors} and
 * select it with {@link SubscriptionSpec#withAssignor}. An implementation needs a public
 * no-argument constructor and must be deterministic: the group coordinator may run it on any node.
 * <!-- not java -->
 *
 * <pre>{@code
 * skald.framework.consumer.assignors { sticky-by-zone = "com.example.ZoneAssignor" }
 * }</pre>
 */
public interface PartitionAssignor {

  /**
   * A member as the assignor sees it.
   *
   * @param memberId the member id; members are passed sorted by it
   * @param topics the topics the member subscribes to
   */
  record Member(String memberId, Set<String> topics) {
    /**
     * Copies the topics.
     *
     * @param memberId the member id
     * @param topics the topics the member subscribes to
     */
    public Member {
      topics = Set.copyOf(topics);
    }
  }

  /**
   * Assigns every partition of every subscribed topic to exactly one member subscribed to its
   * topic.
   *
   * @param members the members, sorted by id
   * @param partitionsPerTopic the partition count of each subscribed topic
   * @return member id to the partitions it owns
   */
  Map<String, Set<TopicPartition>> assign(
      List<Member> members, Map<String, Integer> partitionsPerTopic);
}
