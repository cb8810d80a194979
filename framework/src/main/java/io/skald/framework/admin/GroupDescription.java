package io.skald.framework.admin;

import java.util.List;
import java.util.Objects;

/**
 * A consumer group: its members, their assignment, its generation, and on every partition it has
 * read or subscribes to, the committed offset and the lag.
 * <!-- snippet: jd-describe-group -->
 *
 * <pre>{@code
 * GroupDescription billing = skald.admin().describeGroup("billing").toCompletableFuture().join();
 * System.out.println(
 *     billing.state() + ", " + billing.members().size() + " members, lag " + billing.totalLag());
 * }</pre>
 *
 * @param group the group name
 * @param state whether it has members and whether a rebalance is under way
 * @param generation the rebalance generation (grows with every join, leave and death)
 * @param members the live members, in join order
 * @param partitions per partition: the log bounds, the committed offset ({@code -1} for none) and
 *     the lag, sorted by topic and partition
 */
public record GroupDescription(
    String group,
    GroupState state,
    long generation,
    List<GroupMember> members,
    List<PartitionLag> partitions) {

  /**
   * Validates and copies.
   *
   * @param group the group name
   * @param state its state
   * @param generation the rebalance generation
   * @param members the live members
   * @param partitions the per-partition positions and lag
   */
  public GroupDescription {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(state, "state");
    members = List.copyOf(members);
    partitions = List.copyOf(partitions);
  }

  /**
   * The records not yet consumed, over every partition.
   *
   * @return the sum of the partitions' lag
   */
  public long totalLag() {
    return partitions.stream().mapToLong(PartitionLag::lag).sum();
  }
}
