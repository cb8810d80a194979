package io.skald.framework.transaction;

import io.skald.framework.consumer.Subscription;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/**
 * A running consume-transform-produce pipeline: a subscription whose records are transformed by a
 * {@link PipelineHandler}, the outputs and the input positions committed in one transaction per
 * batch, so every input record's outputs appear exactly once. Start one with {@link
 * io.skald.framework.Skald#pipeline}.
 */
public interface Pipeline {

  /**
   * The subscription the pipeline consumes with.
   *
   * @return the subscription
   */
  Subscription subscription();

  /**
   * How many transactions the pipeline committed on this node.
   *
   * @return the count
   */
  long committedTransactions();

  /**
   * How many transactions were aborted and their batch written again (or skipped, when the
   * partition had moved to another member).
   *
   * @return the count
   */
  long abortedTransactions();

  /**
   * Stops the pipeline: the subscription stops and the open transactions are aborted (the next
   * owner of each partition handles their records again).
   *
   * @return completes when stopped
   */
  CompletionStage<Done> stop();
}
