package io.skald.framework.transaction;

import io.skald.framework.consumer.ConsumerRecord;

/**
 * Transforms one input record of a {@link Pipeline} into the records it produces. Called for the
 * records of a partition one at a time, in offset order; records of different partitions may be
 * handled concurrently.
 *
 * <p>The handler should be a function of its record: after a crash or a rebalance the records of
 * the last uncommitted batch are handled again (their earlier outputs were never written). An
 * effect outside the log (a database, an e-mail) does not belong here; an {@code Inbox} gives that
 * its exactly-once.
 *
 * <p>A handler that throws is retried by the subscription's {@link
 * io.skald.framework.consumer.RetryPolicy}; a record that still fails is dead-lettered in the
 * transaction (to {@code <group>.dlq}, with its cause), or, with dead letters disabled, fails the
 * pipeline's subscription.
 *
 * @param <KI> the input key type
 * @param <VI> the input value type
 * @param <KO> the output key type
 * @param <VO> the output value type
 */
@FunctionalInterface
public interface PipelineHandler<KI, VI, KO, VO> {

  /**
   * Handles a record.
   *
   * @param record the input record
   * @param output where the produced records go
   * @throws Exception a failed attempt
   */
  void handle(ConsumerRecord<KI, VI> record, PipelineOutput<KO, VO> output) throws Exception;
}
