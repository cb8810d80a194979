package io.skald.framework.internal.membership;

import org.apache.pekko.cluster.ClusterEvent.CurrentClusterState;
import org.apache.pekko.cluster.Member;

/**
 * INTERNAL API: whether a node's view of the cluster has a strict majority of its members
 * reachable. Decisions that must not be taken on both sides of a network partition (renewing
 * ownership leases, downing a crashed member at once) are taken only on the side that has one; the
 * other side waits for the split-brain resolver, which downs it.
 */
public final class Majority {
  private Majority() {}

  /**
   * Whether more than half of the members in {@code view} are reachable from this node.
   *
   * @param view the node's current cluster state
   * @return true when reachable members are a strict majority of all members
   */
  public static boolean reachable(CurrentClusterState view) {
    int all = 0;
    for (Member ignored : view.getMembers()) {
      all++;
    }
    int unreachable = view.getUnreachable().size();
    return 2 * (all - unreachable) > all;
  }
}
