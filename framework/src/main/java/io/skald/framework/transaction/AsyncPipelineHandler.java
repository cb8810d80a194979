package io.skald.framework.transaction;

import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.producer.ProducerRecord;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A {@link PipelineHandler} that answers later: the records an input record produces, as a stage (a
 * lookup, a call to another entity, a Pekko Streams stage). The pipeline waits for the stage before
 * it hands the partition's next record over, so outputs keep the input's order; the same rules as
 * for {@link PipelineHandler} apply (a failed stage is a failed attempt, the handler should be a
 * function of its record).
 *
 * @param <KI> the input key type
 * @param <VI> the input value type
 * @param <KO> the output key type
 * @param <VO> the output value type
 */
@FunctionalInterface
public interface AsyncPipelineHandler<KI, VI, KO, VO> {

  /**
   * Transforms a record.
   *
   * @param record the input record
   * @return the records it produces, in order (none is fine)
   * @throws Exception a failed attempt
   */
  CompletionStage<List<ProducerRecord<KO, VO>>> handle(ConsumerRecord<KI, VI> record)
      throws Exception;
}
