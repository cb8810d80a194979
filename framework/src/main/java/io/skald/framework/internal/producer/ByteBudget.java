package io.skald.framework.internal.producer;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * INTERNAL API: the bytes a producer may hold unconfirmed. Callers reserve before handing a record
 * to the producer actor, which releases them when the record's append is answered.
 */
public final class ByteBudget {
  private final long capacity;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition released = lock.newCondition();
  private long used;

  public ByteBudget(long capacity) {
    this.capacity = capacity;
  }

  /** Reserves at once or returns false. */
  boolean tryReserve(long bytes) {
    lock.lock();
    try {
      if (used + bytes > capacity && used > 0) {
        return false;
      }
      used += bytes;
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Waits up to {@code maxWait} for room; returns false if there was none in time. */
  boolean reserve(long bytes, Duration maxWait) throws InterruptedException {
    long remaining = maxWait.toNanos();
    lock.lock();
    try {
      while (used + bytes > capacity && used > 0) {
        if (remaining <= 0) {
          return false;
        }
        remaining = released.awaitNanos(remaining);
      }
      used += bytes;
      return true;
    } finally {
      lock.unlock();
    }
  }

  void release(long bytes) {
    lock.lock();
    try {
      used -= bytes;
      released.signalAll();
    } finally {
      lock.unlock();
    }
  }

  long used() {
    lock.lock();
    try {
      return used;
    } finally {
      lock.unlock();
    }
  }
}
