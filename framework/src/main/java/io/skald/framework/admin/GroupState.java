package io.skald.framework.admin;

/** The state of a consumer group, as {@link GroupDescription#state()} reports it. */
public enum GroupState {
  /** No active member: offsets may be reset and the group deleted. */
  EMPTY,
  /** Members own their partitions. */
  STABLE,
  /**
   * Partitions are moving between members (a join, a leave, a death, or a new coordinator taking
   * its members' claims).
   */
  REBALANCING
}
