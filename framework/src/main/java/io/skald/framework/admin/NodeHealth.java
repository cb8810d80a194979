package io.skald.framework.admin;

import java.util.List;

/**
 * The health of one node, as {@link io.skald.framework.Skald#health()} reports it.
 *
 * <p>Live: the node's actor system runs (restart the process otherwise). Ready: every check passes:
 * the node is an {@code Up} member of its cluster, a probe write to the journal succeeded within
 * two seconds, no partition hosted here is still recovering its log, the topic registry answers,
 * and the disk-space alarm is not raised. A node that is live but not ready should get no traffic
 * until it is ready again; it recovers by itself.
 *
 * @param live whether the node runs
 * @param ready whether every check passes
 * @param checks the readiness checks, in a stable order
 */
public record NodeHealth(boolean live, boolean ready, List<HealthCheck> checks) {

  /**
   * Copies the checks.
   *
   * @param live whether the node runs
   * @param ready whether every check passes
   * @param checks the readiness checks
   */
  public NodeHealth {
    checks = List.copyOf(checks);
  }

  /**
   * The health made of a node's checks: ready if it is live and every check passes.
   *
   * @param live whether the node runs
   * @param checks the readiness checks
   * @return the health
   */
  public static NodeHealth of(boolean live, List<HealthCheck> checks) {
    return new NodeHealth(live, live && checks.stream().allMatch(HealthCheck::up), checks);
  }

  /**
   * A check by name.
   *
   * @param name the check's name
   * @return the check, or null if there is none by that name
   */
  public HealthCheck check(String name) {
    return checks.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
  }
}
