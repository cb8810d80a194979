package io.skald.framework.stream;

import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.producer.ProducerRecord;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * An input record of a transactional pipeline in a stream ({@link SkaldStreams#pipelineSource}):
 * give it its outputs with {@link #withOutputs} and send it to {@link SkaldStreams#pipelineSink()}
 * (or call {@link #produce} directly). Its outputs are then written in the transaction of its
 * partition's batch, with its position: exactly once.
 *
 * @param record the input record
 * @param outputs the records it produces, empty until set
 * @param result completed with the outputs by {@link #produce}
 * @param <KI> the input key type
 * @param <VI> the input value type
 * @param <KO> the output key type
 * @param <VO> the output value type
 */
public record PipelineElement<KI, VI, KO, VO>(
    ConsumerRecord<KI, VI> record,
    List<ProducerRecord<KO, VO>> outputs,
    CompletableFuture<List<ProducerRecord<KO, VO>>> result) {

  /**
   * Validates and copies.
   *
   * @param record the input record
   * @param outputs the records it produces
   * @param result completed with the outputs
   */
  public PipelineElement {
    Objects.requireNonNull(record, "record");
    outputs = List.copyOf(outputs);
    Objects.requireNonNull(result, "result");
  }

  /**
   * The same element with its outputs.
   *
   * @param produced the records the input produces, in order
   * @return the element
   */
  public PipelineElement<KI, VI, KO, VO> withOutputs(List<ProducerRecord<KO, VO>> produced) {
    return new PipelineElement<>(record, produced, result);
  }

  /** Hands the outputs to the pipeline: the partition's next record follows. */
  public void produce() {
    result.complete(outputs);
  }

  /**
   * Fails this attempt of the record: it is retried, then dead-lettered in the transaction, by the
   * subscription's policies.
   *
   * @param cause why
   */
  public void fail(Throwable cause) {
    result.completeExceptionally(cause);
  }
}
