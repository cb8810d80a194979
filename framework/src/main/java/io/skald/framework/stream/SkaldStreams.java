package io.skald.framework.stream;

import io.skald.framework.Skald;
import io.skald.framework.SkaldException;
import io.skald.framework.UnknownTopicException;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerRecord;
import io.skald.framework.producer.RecordMetadata;
import io.skald.framework.transaction.Pipeline;
import io.skald.framework.transaction.PipelineSpec;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Pekko Streams for Skald: a committable {@code Source} per subscription, and a {@code Flow} and a
 * {@code Sink} for producing. Backpressure propagates end to end: a slow stage keeps records
 * unacknowledged, which keeps the subscription's window full, which stops fetching.
 * <!-- snippet: jd-streams -->
 *
 * <pre>{@code
 * SkaldStreams.committableSource(skald, spec.withParallelism(64))
 *     .mapAsync(8, committable -> index(committable.record()).thenApply(done -> committable))
 *     .runWith(SkaldStreams.commitSink(), skald.system());
 * }</pre>
 */
public final class SkaldStreams {
  private SkaldStreams() {}

  /** The materialized value of a committable source: the running group member. */
  public interface Control {
    /**
     * The group member behind the source, once it has started.
     *
     * @return the subscription
     */
    CompletionStage<Subscription> subscription();
  }

  /**
   * A source of the records of a subscription, each to be acknowledged with {@link
   * CommittableRecord#commit()}. The source starts a group member when it is materialized and stops
   * it (committing what was acknowledged, and leaving the group) when the stream completes, fails
   * or is cancelled. Up to {@code parallelism} records per partition are in the stream at once (set
   * it with {@link SubscriptionSpec#withParallelism}; records of one key are never in the stream
   * together, so per-key order holds).
   *
   * @param skald the Skald instance
   * @param spec the subscription
   * @param <K> key type
   * @param <V> value type
   * @return the source
   */
  public static <K, V> Source<CommittableRecord<K, V>, Control> committableSource(
      Skald skald, SubscriptionSpec<K, V> spec) {
    // Acks of records offered to the queue and not yet emitted, and of records emitted downstream
    // and not yet acknowledged.
    Set<CompletableFuture<Done>> queued = ConcurrentHashMap.newKeySet();
    Set<CompletableFuture<Done>> emitted = ConcurrentHashMap.newKeySet();
    java.util.concurrent.atomic.AtomicBoolean ended =
        new java.util.concurrent.atomic.AtomicBoolean();
    return Source.<CommittableRecord<K, V>>queue(queueCapacity(skald, spec))
        .mapMaterializedValue(
            queue -> {
              CompletionStage<Subscription> subscription =
                  skald.subscribeAsync(
                      spec, record -> offer(queue, record, queued, emitted, ended));
              subscription.whenComplete(
                  (s, error) -> {
                    if (error != null) {
                      queue.fail(error);
                    }
                  });
              return (Control) () -> subscription;
            })
        .map(
            committable -> {
              if (queued.remove(committable.ack()) && !committable.ack().isDone()) {
                emitted.add(committable.ack());
              }
              return committable;
            })
        .watchTermination(
            (control, done) -> {
              done.whenComplete(
                  (d, error) -> {
                    // Records the stream never emitted stay uncommitted, so the group delivers
                    // them again; failing them lets the member stop without waiting. Records
                    // already emitted may still be committed by the stages after a cancelling one
                    // (take(n) cancels before its last element is processed downstream); if the
                    // stream failed, nothing downstream will.
                    SkaldException stopped = new SkaldException("the stream stopped");
                    ended.set(true); // an offer racing with this fails its own record
                    queued.forEach(ack -> ack.completeExceptionally(stopped));
                    if (error != null) {
                      emitted.forEach(ack -> ack.completeExceptionally(stopped));
                    }
                    control.subscription().thenAccept(Subscription::stop);
                  });
              return control;
            });
  }

  private static <K, V> int queueCapacity(Skald skald, SubscriptionSpec<K, V> spec) {
    int partitions = 0;
    for (String topic : spec.topics()) {
      partitions +=
          skald
              .admin()
              .describeTopic(topic)
              .toCompletableFuture()
              .join()
              .map(TopicSpec::partitions)
              .orElseThrow(() -> new UnknownTopicException("unknown topic '" + topic + "'"));
    }
    // every record in the handler is in this queue or downstream; at most this many at once
    return Math.max(1, partitions * spec.parallelism());
  }

  private static <K, V> CompletionStage<Done> offer(
      BoundedSourceQueue<CommittableRecord<K, V>> queue,
      ConsumerRecord<K, V> record,
      Set<CompletableFuture<Done>> queued,
      Set<CompletableFuture<Done>> emitted,
      java.util.concurrent.atomic.AtomicBoolean ended) {
    CompletableFuture<Done> ack = new CompletableFuture<>();
    queued.add(ack);
    ack.whenComplete(
        (d, e) -> {
          queued.remove(ack);
          emitted.remove(ack);
        });
    QueueOfferResult result = queue.offer(new CommittableRecord<>(record, ack));
    if (result != QueueOfferResult.enqueued()) {
      queued.remove(ack);
      return CompletableFuture.failedFuture(
          new SkaldException("the stream did not take the record: " + result));
    }
    if (ended.get()) {
      // Enqueued while the stream was being cancelled: it will never be emitted. Either this check
      // or the termination's sweep of `queued` sees it.
      ack.completeExceptionally(new SkaldException("the stream stopped"));
    }
    return ack;
  }

  /**
   * A sink that acknowledges every record it receives.
   *
   * @param <K> key type
   * @param <V> value type
   * @return the sink, completing when the stream completes
   */
  public static <K, V> Sink<CommittableRecord<K, V>, CompletionStage<Done>> commitSink() {
    return Sink.foreach(CommittableRecord::commit);
  }

  /**
   * A flow that produces each record and emits where it was written, with at most {@code
   * parallelism} sends in flight (the backpressure towards upstream).
   *
   * @param producer the producer
   * @param parallelism sends in flight
   * @param <K> key type
   * @param <V> value type
   * @return the flow
   */
  public static <K, V> Flow<ProducerRecord<K, V>, RecordMetadata, NotUsed> producerFlow(
      Producer<K, V> producer, int parallelism) {
    return Flow.<ProducerRecord<K, V>>create()
        .mapAsync(parallelism, r -> producer.send(r.topic(), r.key(), r.value(), r.headers()));
  }

  /**
   * A sink that produces each record, with at most {@code parallelism} sends in flight.
   *
   * @param producer the producer
   * @param parallelism sends in flight
   * @param <K> key type
   * @param <V> value type
   * @return the sink, completing once every record is written (or failing with the first error)
   */
  public static <K, V> Sink<ProducerRecord<K, V>, CompletionStage<Done>> producerSink(
      Producer<K, V> producer, int parallelism) {
    return producerFlow(producer, parallelism).toMat(Sink.ignore(), Keep.right());
  }

  /**
   * A source of the input records of a transactional pipeline ({@link Skald#pipeline}): each
   * element, given its outputs with {@link PipelineElement#withOutputs} and sent to {@link
   * #pipelineSink()}, has them written with its input position in its partition's transaction, so
   * the stream's outputs appear exactly once. The pipeline starts when the source is materialized
   * and stops when the stream completes, fails or is cancelled. One record per input partition is
   * in the stream at a time, so outputs keep the input's per-partition order.
   * <!-- snippet: jd-pipeline-source -->
   *
   * <pre>{@code
   * SkaldStreams.pipelineSource(skald, spec)
   *     .mapAsync(
   *         4,
   *         e ->
   *             enrich(e.record().value())
   *                 .thenApply(
   *                     v ->
   *                         e.withOutputs(
   *                             List.of(ProducerRecord.of("enriched", e.record().key(), v)))))
   *     .runWith(SkaldStreams.pipelineSink(), skald.system());
   * }</pre>
   *
   * @param skald the Skald instance
   * @param spec the pipeline
   * @param <KI> the input key type
   * @param <VI> the input value type
   * @param <KO> the output key type
   * @param <VO> the output value type
   * @return the source, materializing the running pipeline
   */
  public static <KI, VI, KO, VO>
      Source<PipelineElement<KI, VI, KO, VO>, CompletionStage<Pipeline>> pipelineSource(
          Skald skald, PipelineSpec<KI, VI, KO, VO> spec) {
    java.util.concurrent.atomic.AtomicBoolean ended =
        new java.util.concurrent.atomic.AtomicBoolean();
    Set<CompletableFuture<?>> open = ConcurrentHashMap.newKeySet();
    return Source.<PipelineElement<KI, VI, KO, VO>>queue(queueCapacity(skald, spec.input()))
        .mapMaterializedValue(
            queue -> {
              CompletionStage<Pipeline> pipeline =
                  skald.pipelineAsync(
                      spec,
                      record -> {
                        CompletableFuture<List<ProducerRecord<KO, VO>>> result =
                            new CompletableFuture<>();
                        open.add(result);
                        result.whenComplete((r, e) -> open.remove(result));
                        QueueOfferResult offered =
                            queue.offer(new PipelineElement<>(record, List.of(), result));
                        if (offered != QueueOfferResult.enqueued() || ended.get()) {
                          result.completeExceptionally(
                              new SkaldException("the stream did not take the record: " + offered));
                        }
                        return result;
                      });
              pipeline.whenComplete(
                  (p, error) -> {
                    if (error != null) {
                      queue.fail(error);
                    } else {
                      // the stream completes when the pipeline is stopped, fails when it fails
                      p.subscription()
                          .whenTerminated()
                          .whenComplete(
                              (d, failed) -> {
                                if (failed != null) {
                                  queue.fail(failed);
                                } else {
                                  queue.complete();
                                }
                              });
                    }
                  });
              return pipeline;
            })
        .watchTermination(
            (pipeline, done) -> {
              done.whenComplete(
                  (d, error) -> {
                    // records still in the stream are handled again by the partition's next owner
                    ended.set(true);
                    SkaldException stopped = new SkaldException("the stream stopped");
                    open.forEach(r -> r.completeExceptionally(stopped));
                    pipeline.thenAccept(Pipeline::stop);
                  });
              return pipeline;
            });
  }

  /**
   * A sink that hands each element's outputs to its pipeline ({@link PipelineElement#produce}).
   *
   * @param <KI> the input key type
   * @param <VI> the input value type
   * @param <KO> the output key type
   * @param <VO> the output value type
   * @return the sink, completing when the stream completes
   */
  public static <KI, VI, KO, VO>
      Sink<PipelineElement<KI, VI, KO, VO>, CompletionStage<Done>> pipelineSink() {
    return Sink.foreach(PipelineElement::produce);
  }
}
