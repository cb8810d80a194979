package io.skald.framework.internal.consumer;

import java.time.Duration;

/**
 * INTERNAL API: a group member's ownership lease, on the member's clock. The member starts records
 * only while it is valid: from a heartbeat the coordinator answered, for {@code ownership-lease}
 * after the member sent it. It belongs to one coordinator incarnation (the one whose grants the
 * member runs); a grant from another incarnation starts over without a lease. Not thread-safe
 * (confined to the member's actor).
 */
final class MemberLease {
  /** What the workers must do after a change of the lease. */
  enum Change {
    NONE,
    PAUSE,
    RESUME
  }

  private final long leaseNanos;
  private String incarnation;
  private long until;
  private boolean held;
  private long joinedAt;

  MemberLease(Duration lease) {
    this.leaseNanos = lease.toNanos();
    this.until = System.nanoTime();
  }

  /** Whether records may start now. */
  boolean valid() {
    return incarnation != null && until - System.nanoTime() > 0;
  }

  /** Whether the workers currently run (the last {@link #change()} resumed them). */
  boolean held() {
    return held;
  }

  /** The incarnation whose grants the member runs, or null. */
  String incarnation() {
    return incarnation;
  }

  /** Whether a message comes from the incarnation this lease belongs to. */
  boolean from(String other) {
    return other.equals(incarnation);
  }

  /** A grant of another incarnation: the lease is this incarnation's now, and not yet valid. */
  void grantedBy(String other) {
    incarnation = other;
    until = System.nanoTime();
  }

  /** The member claims its partitions from a new incarnation: the current lease runs on. */
  void claimingFrom(String other) {
    incarnation = other;
  }

  /** The member was removed: no incarnation, no lease. */
  void forget() {
    incarnation = null;
  }

  /** A heartbeat sent at {@code sentAtNanos} was answered. */
  void renew(long sentAtNanos) {
    until = Math.max(until, sentAtNanos + leaseNanos);
  }

  /** The member sends a join now. */
  void joining() {
    joinedAt = System.nanoTime();
  }

  /** Whether an answer to a heartbeat sent at {@code sentAtNanos} predates the last join. */
  boolean beforeLastJoin(long sentAtNanos) {
    return sentAtNanos - joinedAt < 0;
  }

  /** Time until the lease ends (valid leases only). */
  Duration remaining() {
    return Duration.ofNanos(Math.max(0, until - System.nanoTime()));
  }

  /** Records whether the workers run now, and what they must be told. */
  Change change() {
    boolean valid = valid();
    if (valid == held) {
      return Change.NONE;
    }
    held = valid;
    return valid ? Change.RESUME : Change.PAUSE;
  }
}
