package io.skald.cluster.testing;

import io.skald.framework.producer.Producer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;

/**
 * Sends keyed records in rounds (round {@code r} sends {@code k<i>:<r>} with key {@code k<i>} for
 * every key) with a bounded window of unacknowledged sends, and keeps what was acknowledged.
 */
public final class KeyedLoad {
  private final Producer<String, String> producer;
  private final String topic;
  private final int keys;
  private final int windowSize;
  private final Semaphore window;
  private final Set<String> acked = ConcurrentHashMap.newKeySet();
  private final List<Throwable> failures = new ArrayList<>();
  private final AtomicLong lastAck = new AtomicLong(System.nanoTime());
  private final AtomicLong longestGap = new AtomicLong();
  private final AtomicInteger ackedSinceMark = new AtomicInteger();
  private volatile boolean marked;

  /**
   * A load on one topic.
   *
   * @param producer the producer
   * @param topic the topic
   * @param keys keys per round
   * @param window most unacknowledged sends
   */
  public KeyedLoad(Producer<String, String> producer, String topic, int keys, int window) {
    this.producer = producer;
    this.topic = topic;
    this.keys = keys;
    this.windowSize = window;
    this.window = new Semaphore(window);
  }

  /**
   * Sends rounds while {@code another} accepts the next round's number, then waits for every ack.
   *
   * @param another whether to send round {@code r}
   * @throws InterruptedException if interrupted
   */
  public void send(IntPredicate another) throws InterruptedException {
    for (int round = 0; another.test(round); round++) {
      for (int k = 0; k < keys; k++) {
        window.acquire();
        String value = "k" + k + ":" + round;
        producer.send(topic, "k" + k, value).whenComplete((meta, error) -> acked(value, error));
      }
    }
    window.acquire(windowSize);
    window.release(windowSize);
  }

  /**
   * {@link #send} on a thread of its own.
   *
   * @param another whether to send round {@code r}
   * @return completes when every send is answered
   */
  public java.util.concurrent.CompletableFuture<Void> sendInBackground(IntPredicate another) {
    return java.util.concurrent.CompletableFuture.runAsync(
        () -> {
          try {
            send(another);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
        },
        runnable -> new Thread(runnable, "test-producer").start());
  }

  /**
   * Sends rounds in the background until {@code afterMark} records sent after {@link #mark} are
   * acknowledged.
   *
   * @param afterMark acks to wait for after the mark
   * @return completes when every send is answered
   */
  public java.util.concurrent.CompletableFuture<Void> sendInBackgroundUntilMarkedPlus(
      int afterMark) {
    return sendInBackground(round -> !marked || ackedSinceMark.get() < afterMark);
  }

  private void acked(String value, Throwable error) {
    long now = System.nanoTime();
    if (error == null) {
      acked.add(value);
      if (marked) {
        ackedSinceMark.incrementAndGet();
      }
      longestGap.accumulateAndGet(now - lastAck.getAndSet(now), Math::max);
    } else {
      synchronized (failures) {
        failures.add(error);
      }
    }
    window.release();
  }

  /** From now on, count acks separately ({@link #ackedSinceMark}). */
  public void mark() {
    marked = true;
  }

  /**
   * Acks since {@link #mark}.
   *
   * @return the count
   */
  public int ackedSinceMark() {
    return ackedSinceMark.get();
  }

  /**
   * The acknowledged values.
   *
   * @return a live view
   */
  public Set<String> acked() {
    return acked;
  }

  /**
   * The failed sends' errors.
   *
   * @return a copy
   */
  public List<Throwable> failures() {
    synchronized (failures) {
      return List.copyOf(failures);
    }
  }

  /**
   * The longest time between two acks.
   *
   * @return nanoseconds
   */
  public long longestGapNanos() {
    return longestGap.get();
  }
}
