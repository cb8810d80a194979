package io.skald.framework.admin;

/**
 * One check of a node's readiness.
 *
 * @param name a stable name: {@code cluster-member}, {@code journal-writable}, {@code
 *     partitions-recovered}, {@code topic-registry} or {@code disk-space}
 * @param up whether the check passes
 * @param detail what was seen, for a human (not for parsing)
 */
public record HealthCheck(String name, boolean up, String detail) {}
