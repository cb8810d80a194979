package io.skald.bench;

import io.skald.framework.Skald;
import io.skald.framework.Stages;
import io.skald.framework.TopicPartition;
import io.skald.saga.Endpoint;
import io.skald.saga.SagaDefinition;
import io.skald.saga.SagaOrchestrator;
import io.skald.saga.SagaStatus;
import io.skald.saga.Sagas;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Scenario 5, scale on one node: many started partitions, and many saga instances in flight at once
 * (each waiting for a participant that is not running), their heap per entity and the time the node
 * takes to bring them all back after a restart.
 */
final class ScaleBench {
  private ScaleBench() {}

  /** The command of the saga's only step; nobody consumes it, so every instance stays in flight. */
  record Hold(String id) {}

  /** The saga data. */
  record Held(String id) {}

  static final Endpoint<Hold> HOLD = Endpoint.of("scale.hold", "scale-holds", Hold.class);

  /** A one-step saga whose step waits an hour: started instances stay in flight. */
  static final SagaDefinition<Held> WAITING =
      SagaDefinition.named("scale-waiting", Held.class)
          .step("hold")
          .invoke(HOLD, held -> new Hold(held.id()))
          .timeout(Duration.ofHours(1))
          .pivot()
          .build();

  /** Bounds the asynchronous calls in flight while starting or querying many entities. */
  private static final int WINDOW = 512;

  /**
   * Starts the partitions of a topic (each answers an offsets query, so each has recovered).
   *
   * @return the elapsed nanoseconds
   */
  static long touchPartitions(Skald skald, String topic, int partitions) throws Exception {
    long start = System.nanoTime();
    forEach(
        partitions,
        p -> skald.admin().partitionOffsets(new TopicPartition(topic, p)).toCompletableFuture());
    return System.nanoTime() - start;
  }

  /**
   * The waiting saga's orchestrator on a node.
   *
   * @param skald the node
   * @return the orchestrator
   */
  static SagaOrchestrator<Held> orchestrator(Skald skald) {
    return Sagas.create(skald).orchestrator(WAITING);
  }

  /**
   * Starts sagas {@code saga-0} … {@code saga-(count-1)}.
   *
   * @return the elapsed nanoseconds until every start was acknowledged (persisted)
   */
  static long startSagas(SagaOrchestrator<Held> sagas, int count) throws Exception {
    long start = System.nanoTime();
    forEach(
        count,
        i ->
            sagas
                .start("saga-" + i, new Held("saga-" + i))
                .toCompletableFuture()
                .thenApply(
                    started -> {
                      if (!started) {
                        throw new IllegalStateException("saga-" + i + " was already started");
                      }
                      return started;
                    }));
    return System.nanoTime() - start;
  }

  /**
   * Reads every saga until each answers as running: after a restart, the time the node takes to
   * bring them all back (they are remembered entities, restarted by sharding on their own; a read
   * waits for the instance's recovery).
   *
   * @return the elapsed nanoseconds
   */
  static long awaitRunning(SagaOrchestrator<Held> sagas, int count) throws Exception {
    long start = System.nanoTime();
    long deadline = start + TimeUnit.MINUTES.toNanos(10);
    forEach(count, i -> running(sagas, "saga-" + i, deadline));
    return System.nanoTime() - start;
  }

  /** Reads a saga until it answers (a read times out while the node is still recovering). */
  private static CompletableFuture<?> running(
      SagaOrchestrator<Held> sagas, String id, long deadline) {
    return Stages.inline(sagas.get(id))
        .handle(
            (view, error) -> {
              if (error != null) {
                if (System.nanoTime() < deadline) {
                  return running(sagas, id, deadline);
                }
                throw new IllegalStateException(id + " did not answer within 10 minutes", error);
              }
              if (view.isEmpty() || view.get().status() != SagaStatus.RUNNING) {
                throw new IllegalStateException(id + " is not running after the restart: " + view);
              }
              return CompletableFuture.completedFuture(view);
            })
        .thenCompose(next -> next);
  }

  private interface Call {
    CompletableFuture<?> apply(int i);
  }

  /** Runs {@code call(0..count-1)} with at most {@link #WINDOW} in flight; fails on any failure. */
  private static void forEach(int count, Call call) throws Exception {
    Semaphore window = new Semaphore(WINDOW);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicLong done = new AtomicLong();
    for (int i = 0; i < count && failure.get() == null; i++) {
      window.acquire();
      call.apply(i)
          .whenComplete(
              (ok, error) -> {
                if (error != null) {
                  failure.compareAndSet(null, error);
                }
                done.incrementAndGet();
                window.release();
              });
    }
    if (!window.tryAcquire(WINDOW, 10, TimeUnit.MINUTES)) {
      throw new IllegalStateException("calls still pending after 10 minutes: " + done + " done");
    }
    if (failure.get() != null) {
      throw new IllegalStateException(failure.get().getMessage(), failure.get());
    }
  }
}
