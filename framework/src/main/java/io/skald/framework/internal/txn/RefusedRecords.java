package io.skald.framework.internal.txn;

import io.skald.framework.TopicPartition;
import io.skald.framework.internal.log.RecordFormat;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * INTERNAL API: where records a partition refuses for good after their transaction's commit was
 * decided are kept (a limit lowered since they were sent): the runtime writes them to {@code
 * skald-transactions.dlq} with the cause.
 */
@FunctionalInterface
public interface RefusedRecords {
  /**
   * Keeps refused records.
   *
   * @param tp the partition that refused them
   * @param records the records
   * @param transactionalId the transaction's id
   * @param reason the partition's answer
   * @return completes once they are durable
   */
  CompletionStage<?> keep(
      TopicPartition tp, List<RecordFormat.Decoded> records, String transactionalId, String reason);
}
