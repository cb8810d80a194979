package io.skald.framework.internal.consumer;

import io.skald.framework.TopicPartition;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.Done;

/**
 * INTERNAL API: what a group member publishes to its {@link DefaultSubscription} handle, which
 * other threads read: the owned partitions (an immutable set, replaced as a whole), the records
 * fetched and not yet started per partition, and the member's end. Only the member's actors write
 * it, through these methods; nothing else of the actors' state leaves them.
 */
public final class MemberView {
  private final CompletableFuture<Done> terminated = new CompletableFuture<>();
  private volatile Set<TopicPartition> assignment = Set.of();
  private volatile Map<TopicPartition, Long> generations = Map.of();
  private final Map<TopicPartition, Integer> buffered = new ConcurrentHashMap<>();

  /**
   * The owned partitions.
   *
   * @return an immutable set, as of the last rebalance
   */
  public Set<TopicPartition> assignment() {
    return assignment;
  }

  /**
   * Records fetched and not yet handed to the handler, over every owned partition.
   *
   * @return the count
   */
  public int bufferedRecords() {
    return buffered.values().stream().mapToInt(Integer::intValue).sum();
  }

  /**
   * Completes when the member stopped (exceptionally if it failed).
   *
   * @return the stage
   */
  public CompletionStage<Done> terminated() {
    return terminated;
  }

  /**
   * Whether the member stopped.
   *
   * @return true once {@link #terminated()} completed
   */
  public boolean isTerminated() {
    return terminated.isDone();
  }

  /**
   * Asks the member to leave, once: completes when it stopped (also if it failed or stopped
   * before).
   *
   * @param request sends the member its stop request with the future to complete
   * @return completes when the member has stopped
   */
  CompletionStage<Done> stop(java.util.function.Consumer<CompletableFuture<Done>> request) {
    if (isTerminated()) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    CompletableFuture<Done> done = new CompletableFuture<>();
    request.accept(done);
    terminated.whenComplete((d, e) -> done.complete(Done.getInstance()));
    return io.skald.framework.Stages.unwrapped(done);
  }

  void assigned(Set<TopicPartition> owned, Map<TopicPartition, Long> grants) {
    Map<TopicPartition, Long> copy = new java.util.HashMap<>();
    for (TopicPartition tp : owned) {
      copy.put(tp, grants.getOrDefault(tp, 0L));
    }
    generations = Map.copyOf(copy);
    assignment = Set.copyOf(owned);
  }

  /**
   * The generation in which the member was granted an owned partition: what a transaction names to
   * prove the member owns the partitions whose offsets it commits.
   *
   * @param tp the partition
   * @return the generation, or -1 if the member does not own it
   */
  public long generationOf(TopicPartition tp) {
    Long generation = generations.get(tp);
    return generation == null ? -1 : generation;
  }

  void buffered(TopicPartition tp, int records) {
    buffered.put(tp, records);
  }

  void released(TopicPartition tp) {
    buffered.remove(tp);
  }

  void stopped(Throwable failure) {
    assignment = Set.of();
    if (failure != null) {
      terminated.completeExceptionally(failure);
    } else {
      terminated.complete(Done.getInstance());
    }
  }
}
