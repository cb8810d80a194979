package io.skald.framework.internal.share;

import io.skald.framework.internal.share.ShareProtocol.Event;
import io.skald.framework.internal.share.ShareProtocol.Held;
import io.skald.framework.internal.share.ShareProtocol.LocksExtended;
import io.skald.framework.internal.share.ShareProtocol.RecordsAcknowledged;
import io.skald.framework.internal.share.ShareProtocol.RecordsAcquired;
import io.skald.framework.internal.share.ShareProtocol.RecordsDeadLettered;
import io.skald.framework.internal.share.ShareProtocol.RecordsReleased;
import io.skald.framework.internal.share.ShareProtocol.ShareSnapshot;
import io.skald.framework.internal.share.ShareProtocol.ShareStarted;
import io.skald.framework.internal.share.ShareProtocol.StartMoved;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * INTERNAL API: the durable state of a {@link SharePartition}: where it starts, which records above
 * the start are settled, and each unsettled record's delivery count, lock and release delay.
 * Mutable, owned by the entity's actor; {@link #snapshot()} copies it.
 *
 * <p>A lock that ran out is not an event: it is dropped when the entity notices (its tick, or when
 * the record is read again after a restart), so a restart sees the same expired locks again.
 */
final class ShareState {

  /** A record's lock. */
  record Lock(String memberId, long until) {}

  /** Every record below is settled; -1 before the share-partition started. */
  long start = -1;

  /** Settled records at or above {@link #start}. */
  final TreeSet<Long> settled = new TreeSet<>();

  /** Delivery counts of unsettled records handed out at least once. */
  final Map<Long, Integer> deliveries = new HashMap<>();

  /** Locks of records handed out (some may have run out). */
  final Map<Long, Lock> locks = new HashMap<>();

  /** Released records that may be handed out only from a time on (epoch millis). */
  final Map<Long, Long> delayed = new HashMap<>();

  boolean started() {
    return start >= 0;
  }

  boolean isSettled(long offset) {
    return offset < start || settled.contains(offset);
  }

  /**
   * Whether a member holds a live lock on a record.
   *
   * @param offset the record
   * @param now epoch millis
   * @return the lock, or null when the record is not locked (or its lock ran out)
   */
  Lock liveLock(long offset, long now) {
    Lock lock = locks.get(offset);
    return lock != null && lock.until() > now ? lock : null;
  }

  /** Applies an event. */
  void apply(Event event) {
    if (event instanceof ShareStarted e) {
      start = Math.max(start, e.startOffset());
    } else if (event instanceof RecordsAcquired e) {
      for (long offset : e.offsets()) {
        deliveries.merge(offset, 1, Integer::sum);
        locks.put(offset, new Lock(e.memberId(), e.lockedUntil()));
        delayed.remove(offset);
      }
    } else if (event instanceof RecordsAcknowledged e) {
      settle(e.offsets(), e.startOffset());
    } else if (event instanceof RecordsDeadLettered e) {
      settle(e.offsets(), e.startOffset());
    } else if (event instanceof RecordsReleased e) {
      for (long offset : e.offsets()) {
        locks.remove(offset);
        if (e.availableAt() > 0) {
          delayed.put(offset, e.availableAt());
        }
      }
    } else if (event instanceof LocksExtended e) {
      for (long offset : e.offsets()) {
        locks.put(offset, new Lock(e.memberId(), e.lockedUntil()));
      }
    } else if (event instanceof StartMoved e) {
      advance(e.startOffset());
    }
  }

  private void settle(long[] offsets, long newStart) {
    for (long offset : offsets) {
      if (offset >= start) {
        settled.add(offset);
      }
      locks.remove(offset);
      deliveries.remove(offset);
      delayed.remove(offset);
    }
    advance(newStart);
  }

  private void advance(long newStart) {
    if (newStart <= start) {
      return;
    }
    start = newStart;
    settled.headSet(newStart).clear();
    deliveries.keySet().removeIf(offset -> offset < newStart);
    locks.keySet().removeIf(offset -> offset < newStart);
    delayed.keySet().removeIf(offset -> offset < newStart);
  }

  ShareSnapshot snapshot() {
    TreeSet<Long> offsets = new TreeSet<>(deliveries.keySet());
    offsets.addAll(locks.keySet());
    offsets.addAll(delayed.keySet());
    List<Held> held = new ArrayList<>(offsets.size());
    for (long offset : offsets) {
      Lock lock = locks.get(offset);
      held.add(
          new Held(
              offset,
              deliveries.getOrDefault(offset, 0),
              lock == null ? null : lock.memberId(),
              lock == null ? 0 : lock.until(),
              delayed.getOrDefault(offset, 0L)));
    }
    return new ShareSnapshot(start, settled.stream().mapToLong(Long::longValue).toArray(), held);
  }

  static ShareState of(ShareSnapshot snapshot) {
    ShareState state = new ShareState();
    state.start = snapshot.startOffset();
    for (long offset : snapshot.settled()) {
      state.settled.add(offset);
    }
    for (Held held : snapshot.held()) {
      if (held.deliveries() > 0) {
        state.deliveries.put(held.offset(), held.deliveries());
      }
      if (held.memberId() != null) {
        state.locks.put(held.offset(), new Lock(held.memberId(), held.lockedUntil()));
      }
      if (held.availableAt() > 0) {
        state.delayed.put(held.offset(), held.availableAt());
      }
    }
    return state;
  }
}
