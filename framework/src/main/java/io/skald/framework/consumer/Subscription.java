package io.skald.framework.consumer;

import io.skald.framework.Skald;
import io.skald.framework.TopicPartition;
import io.skald.framework.admin.TopicAdmin;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/**
 * A running member of a consumer group, returned by {@link Skald#subscribe}.
 * <!-- snippet: jd-subscription -->
 *
 * <pre>{@code
 * Subscription subscription = skald.subscribe(spec, handler);
 * subscription.stop().toCompletableFuture().join(); // finish in-flight records, commit, leave
 * }</pre>
 */
public interface Subscription {

  /**
   * The group this member belongs to.
   *
   * @return the group name
   */
  String group();

  /**
   * This member's id within the group, unique per subscription.
   *
   * @return the member id
   */
  String memberId();

  /**
   * The partitions this member owns right now (a snapshot; it changes on rebalance).
   *
   * @return the owned partitions
   */
  Set<TopicPartition> assignment();

  /**
   * Records this member has fetched and not yet handed to the handler, over all its partitions: at
   * most {@code prefetch} per partition. A gauge for monitoring backpressure.
   *
   * @return the buffered records
   */
  int bufferedRecords();

  /**
   * Moves this member's position on a partition it owns: records not yet handed to the handler are
   * dropped and reading continues at {@code offset} (clamped to the retained log). Records already
   * in the handler finish normally. The new position is committed like any other, so the group
   * continues from it. Use {@link TopicAdmin#offsetForTimestamp} to seek to a time.
   *
   * @param partition a partition this member owns
   * @param offset where to continue
   * @return completes once the member has moved, or fails if it does not own the partition
   */
  CompletionStage<Done> seek(TopicPartition partition, long offset);

  /**
   * Leaves the group gracefully: stops fetching, waits for records in the handler, commits, and
   * hands the partitions to the remaining members.
   *
   * @return completes when the member has left
   */
  CompletionStage<Done> stop();

  /**
   * Completes when the member has stopped: normally after {@link #stop()}, exceptionally with
   * {@link HandlerFailedException} when the handler failed a record for good, {@link
   * io.skald.framework.UnknownTopicException} when a topic it reads was deleted.
   *
   * @return the termination stage
   */
  CompletionStage<Done> whenTerminated();
}
