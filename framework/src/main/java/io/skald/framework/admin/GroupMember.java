package io.skald.framework.admin;

import io.skald.framework.TopicPartition;
import java.util.List;
import java.util.Objects;

/**
 * A live member of a consumer group.
 *
 * @param memberId the member's id
 * @param address the cluster address of the node it runs on
 * @param topics the topics it subscribes to, sorted
 * @param partitions the partitions it owns now, sorted
 */
public record GroupMember(
    String memberId, String address, List<String> topics, List<TopicPartition> partitions) {

  /**
   * Validates and copies.
   *
   * @param memberId the member's id
   * @param address the cluster address of the node it runs on
   * @param topics the topics it subscribes to
   * @param partitions the partitions it owns now
   */
  public GroupMember {
    Objects.requireNonNull(memberId, "memberId");
    topics = List.copyOf(topics);
    partitions = List.copyOf(partitions);
  }
}
