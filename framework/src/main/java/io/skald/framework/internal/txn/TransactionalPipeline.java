package io.skald.framework.internal.txn;

import io.skald.framework.CodecException;
import io.skald.framework.Stages;
import io.skald.framework.TopicPartition;
import io.skald.framework.UnknownTopicException;
import io.skald.framework.admin.TopicAdmin;
import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.consumer.RecordHandler;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.deadletter.DeadLetterReason;
import io.skald.framework.internal.consumer.PartitionStart;
import io.skald.framework.internal.deadletter.DeadLetterHeaders;
import io.skald.framework.internal.deadletter.DeadLetterSink;
import io.skald.framework.internal.log.RecordFormat;
import io.skald.framework.internal.producer.RecordEncoder.Encoded;
import io.skald.framework.producer.InvalidRecordException;
import io.skald.framework.producer.ProducerRecord;
import io.skald.framework.producer.RecordMetadata;
import io.skald.framework.transaction.AsyncPipelineHandler;
import io.skald.framework.transaction.NotPartitionOwnerException;
import io.skald.framework.transaction.Pipeline;
import io.skald.framework.transaction.PipelineHandler;
import io.skald.framework.transaction.PipelineSpec;
import io.skald.framework.transaction.ProducerFencedException;
import io.skald.framework.transaction.TransactionAbortedException;
import io.skald.framework.transaction.TransactionTooLargeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INTERNAL API: a {@link Pipeline}: the record handler of a transactional subscription that runs
 * one transaction per batch and per input partition, with the partition's own transactional id.
 *
 * <p>Per partition, a lane serialises everything (records, dead letters, the interval's commit) on
 * one chain of stages. It keeps the batch's outputs until the commit is known, so an abort costs no
 * second call of the user's handler: a batch aborted for want of the coordinator or the group is
 * written again as it was; one with a record its partition refused (an unknown topic, a record too
 * large, a transaction over {@code max-bytes}) is written again one input record per transaction,
 * and the input whose outputs are refused is dead-lettered instead, in its own transaction. A lane
 * whose producer was fenced, or whose partition moved to another member, stops: the new owner
 * starts from the committed position.
 *
 * @param <KI> the input key type
 * @param <VI> the input value type
 * @param <KO> the output key type
 * @param <VO> the output value type
 */
public final class TransactionalPipeline<KI, VI, KO, VO>
    implements RecordHandler<KI, VI>, PartitionStart, DeadLetterSink, Pipeline {
  private static final Logger log = LoggerFactory.getLogger(TransactionalPipeline.class);
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  private final ActorSystem<?> system;
  private final PipelineSpec<KI, VI, KO, VO> spec;
  private final AsyncPipelineHandler<KI, VI, KO, VO> handler;
  private final Function<String, CompletionStage<DefaultTransactionalProducer<KO, VO>>> producers;
  private final TopicAdmin admin;
  private final CompletableFuture<Subscription> subscription = new CompletableFuture<>();
  private final Map<TopicPartition, Lane> lanes = new ConcurrentHashMap<>();
  private final AtomicLong committed = new AtomicLong();
  private final AtomicLong aborted = new AtomicLong();
  private volatile boolean stopped;

  /**
   * Creates the pipeline; {@link #attach} gives it its subscription.
   *
   * @param system the actor system (timers)
   * @param spec the spec
   * @param handler the user's transformation (see {@link #sync} for a {@link PipelineHandler})
   * @param producers starts the transactional producer of an id, fencing older instances
   * @param admin reads the group's committed positions
   */
  public TransactionalPipeline(
      ActorSystem<?> system,
      PipelineSpec<KI, VI, KO, VO> spec,
      AsyncPipelineHandler<KI, VI, KO, VO> handler,
      Function<String, CompletionStage<DefaultTransactionalProducer<KO, VO>>> producers,
      TopicAdmin admin) {
    this.system = system;
    this.spec = spec;
    this.handler = handler;
    this.producers = producers;
    this.admin = admin;
  }

  /**
   * Gives the pipeline the subscription it consumes with (which exists only after its handler).
   *
   * @param consumer the subscription
   * @return this pipeline
   */
  public TransactionalPipeline<KI, VI, KO, VO> attach(Subscription consumer) {
    subscription.complete(consumer);
    return this;
  }

  @Override
  public Subscription subscription() {
    return subscription.join();
  }

  @Override
  public long committedTransactions() {
    return committed.get();
  }

  @Override
  public long abortedTransactions() {
    return aborted.get();
  }

  @Override
  public CompletionStage<Done> stop() {
    stopped = true;
    return subscription
        .thenCompose(Subscription::stop)
        .whenComplete(
            (done, error) -> {
              lanes.values().forEach(Lane::kill);
              lanes.clear();
            });
  }

  /**
   * Fences the partition's previous owner (its decided transaction completes first), then starts at
   * the group's committed position, which the grant may predate.
   */
  @Override
  public CompletionStage<Long> start(TopicPartition tp, long granted) {
    Lane old = lanes.remove(tp);
    if (old != null) {
      old.kill();
    }
    String id = spec.transactionalId(tp.topic(), tp.partition());
    return subscription
        .thenCompose(ignored -> producers.apply(id))
        .thenCompose(
            producer ->
                admin
                    .committedOffsets(spec.input().group())
                    .thenApply(
                        positions -> {
                          Lane lane = new Lane(tp, producer);
                          Lane replaced = lanes.put(tp, lane);
                          if (replaced != null) {
                            replaced.kill();
                          }
                          if (stopped) {
                            lane.kill();
                          }
                          Long position = positions.get(tp);
                          return position == null ? -1L : position;
                        }));
  }

  @Override
  public CompletionStage<?> handle(ConsumerRecord<KI, VI> record) throws Exception {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    Lane lane = lanes.get(tp);
    if (lane == null) {
      return DONE; // the partition moved on; its new owner handles the record
    }
    CompletionStage<List<ProducerRecord<KO, VO>>> outputs = handler.handle(record);
    return outputs.thenCompose(
        produced -> {
          List<ProducerRecord<KO, VO>> copy = List.copyOf(produced);
          return lane.enqueue(() -> lane.add(new Entry<>(record, copy, null, null)));
        });
  }

  /**
   * A synchronous handler as an asynchronous one.
   *
   * @param handler the handler
   * @param <KI> the input key type
   * @param <VI> the input value type
   * @param <KO> the output key type
   * @param <VO> the output value type
   * @return the same handler, answering at once
   */
  public static <KI, VI, KO, VO> AsyncPipelineHandler<KI, VI, KO, VO> sync(
      PipelineHandler<KI, VI, KO, VO> handler) {
    return record -> {
      List<ProducerRecord<KO, VO>> outputs = new ArrayList<>(2);
      handler.handle(
          record,
          (topic, key, value, headers) ->
              outputs.add(new ProducerRecord<>(topic, key, value, Map.copyOf(headers))));
      return CompletableFuture.completedFuture(outputs);
    };
  }

  /** A record the worker dead-letters (its handler failed for good) goes into the transaction. */
  @Override
  public CompletionStage<RecordMetadata> send(
      byte[] key, byte[] value, Map<String, String> headers) {
    TopicPartition tp =
        new TopicPartition(
            headers.get(DeadLetterHeaders.TOPIC),
            Integer.parseInt(headers.get(DeadLetterHeaders.PARTITION)));
    long offset = Long.parseLong(headers.get(DeadLetterHeaders.OFFSET));
    Lane lane = lanes.get(tp);
    RecordMetadata unknown = new RecordMetadata(deadLetterTopic(), 0, -1, -1);
    if (lane == null) {
      return CompletableFuture.completedFuture(unknown);
    }
    Encoded letter =
        new Encoded(key, value, headers, RecordFormat.encodedSize(key, value, headers));
    return lane.enqueue(() -> lane.add(new Entry<>(null, List.of(), letter, offset)))
        .thenApply(ignored -> unknown);
  }

  private String deadLetterTopic() {
    return spec.input().deadLetterTopic();
  }

  /** Whether a failure is a record the log refuses, which writing it again cannot cure. */
  private static boolean refusal(Throwable error) {
    return error instanceof UnknownTopicException
        || error instanceof InvalidRecordException
        || error instanceof CodecException
        || error instanceof TransactionTooLargeException
        || error instanceof io.skald.framework.producer.RecordTooLargeException;
  }

  private static CompletableFuture<Void> after(Duration delay) {
    Executor later = CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS);
    return CompletableFuture.runAsync(() -> {}, later);
  }

  /**
   * One input record of a batch: its outputs, or (with {@code letter}) the dead letter the worker
   * wrote for it.
   */
  private record Entry<KI, VI, KO, VO>(
      ConsumerRecord<KI, VI> record,
      List<ProducerRecord<KO, VO>> outputs,
      Encoded letter,
      Long letterOffset) {
    long offset() {
      return record != null ? record.offset() : letterOffset;
    }
  }

  /** One input partition: its producer, its open batch, and the chain that orders its work. */
  private final class Lane {
    private final TopicPartition tp;
    private final DefaultTransactionalProducer<KO, VO> producer;
    private final List<Entry<KI, VI, KO, VO>> batch = new ArrayList<>();
    private final Map<Long, Throwable> refused = new ConcurrentHashMap<>();
    private CompletableFuture<Void> tail = DONE;
    private volatile boolean dead;
    private boolean open;
    private long batchNumber;
    private Cancellable timer;

    Lane(TopicPartition tp, DefaultTransactionalProducer<KO, VO> producer) {
      this.tp = tp;
      this.producer = producer;
    }

    /** Runs an operation after the ones before it; a failure does not break the chain. */
    synchronized CompletableFuture<Void> enqueue(
        java.util.function.Supplier<CompletionStage<Void>> operation) {
      CompletableFuture<Void> next = tail.thenCompose(ignored -> operation.get());
      tail = next.exceptionally(error -> null);
      return next;
    }

    void kill() {
      dead = true;
      synchronized (this) {
        if (timer != null) {
          timer.cancel();
        }
      }
      producer.close();
    }

    /** Adds an input record's outputs to the open transaction; commits a full batch. */
    CompletionStage<Void> add(Entry<KI, VI, KO, VO> entry) {
      if (dead) {
        return DONE;
      }
      try {
        if (!open) {
          begin();
        }
        write(entry);
      } catch (ProducerFencedException e) {
        return lost(e);
      }
      batch.add(entry);
      if (batch.size() >= spec.batchSize()) {
        return commit();
      }
      return DONE;
    }

    private void begin() {
      producer.begin();
      open = true;
      long number = ++batchNumber;
      synchronized (this) {
        timer =
            system
                .scheduler()
                .scheduleOnce(
                    spec.commitInterval(),
                    () -> enqueue(() -> number == batchNumber && open ? commit() : DONE),
                    system.executionContext());
      }
    }

    /** Sends an entry's records in the open transaction, noting what the log refuses. */
    private void write(Entry<KI, VI, KO, VO> entry) {
      if (entry.letter() != null) {
        watch(entry, producer.sendEncoded(deadLetterTopic(), entry.letter()));
        return;
      }
      for (ProducerRecord<KO, VO> out : entry.outputs()) {
        watch(entry, producer.send(out.topic(), out.key(), out.value(), out.headers()));
      }
    }

    private void watch(Entry<KI, VI, KO, VO> entry, CompletionStage<RecordMetadata> sent) {
      sent.whenComplete(
          (meta, error) -> {
            Throwable cause = Stages.unwrap(error);
            if (cause != null && refusal(cause)) {
              refused.putIfAbsent(entry.offset(), cause);
            }
          });
    }

    /** Commits the open batch with the input position after its last record. */
    CompletionStage<Void> commit() {
      if (dead || !open) {
        return DONE;
      }
      synchronized (this) {
        if (timer != null) {
          timer.cancel();
        }
      }
      long next = batch.get(batch.size() - 1).offset() + 1;
      try {
        producer.sendOffsets(subscription.join(), Map.of(tp, next));
      } catch (NotPartitionOwnerException | ProducerFencedException e) {
        return lost(e);
      }
      return producer
          .commit()
          .handle((ok, error) -> ended(Stages.unwrap(error)))
          .thenCompose(f -> f);
    }

    private CompletionStage<Void> ended(Throwable error) {
      if (error == null) {
        committed.incrementAndGet();
        open = false;
        batch.clear();
        refused.clear();
        return DONE;
      }
      if (error instanceof io.skald.framework.producer.DeliveryTimeoutException) {
        log.warn("{}: the outcome of a commit is unknown, asking again: {}", tp, error.toString());
        return after(Duration.ofMillis(200))
            .thenCompose(
                ignored ->
                    dead
                        ? DONE
                        : producer
                            .commit()
                            .handle((ok, again) -> ended(Stages.unwrap(again)))
                            .thenCompose(f -> f));
      }
      aborted.incrementAndGet();
      open = false;
      Throwable cause = error instanceof TransactionAbortedException ? error.getCause() : error;
      if (error instanceof ProducerFencedException
          || cause instanceof ProducerFencedException
          || cause instanceof NotPartitionOwnerException) {
        return lost(cause == null ? error : cause);
      }
      if (!refused.isEmpty()) {
        if (batch.size() > 1) {
          log.warn("{}: the log refused a record of a batch; writing it record by record", tp);
          return isolated(new ArrayList<>(batch), 0);
        }
        Entry<KI, VI, KO, VO> entry = batch.get(0);
        Throwable why = refused.values().iterator().next();
        if (entry.record() != null) {
          log.warn(
              "{}@{}: the log refused the record's outputs; dead-lettering it to {}: {}",
              tp,
              entry.offset(),
              deadLetterTopic(),
              why.toString());
          batch.clear();
          refused.clear();
          return add(deadLettered(entry, why)).thenCompose(ignored -> commit());
        }
        log.error(
            "{}@{}: the dead-letter topic {} refused a dead letter, retrying in 5 s: {}",
            tp,
            entry.offset(),
            deadLetterTopic(),
            why.toString());
        refused.clear();
        return after(Duration.ofSeconds(5)).thenCompose(ignored -> rewrite());
      }
      log.warn("{}: a transaction was aborted, writing its batch again: {}", tp, error.toString());
      return after(Duration.ofMillis(500)).thenCompose(ignored -> rewrite());
    }

    /** Writes the batch again in a new transaction, as it was. */
    private CompletionStage<Void> rewrite() {
      if (dead) {
        return DONE;
      }
      try {
        begin();
        batch.forEach(this::write);
      } catch (ProducerFencedException e) {
        return lost(e);
      }
      return commit();
    }

    /**
     * Writes the entries from {@code index} one per transaction; an entry whose records the log
     * refuses is dead-lettered, with the refusal as cause, in its own transaction instead.
     */
    private CompletionStage<Void> isolated(List<Entry<KI, VI, KO, VO>> entries, int index) {
      if (dead || index >= entries.size()) {
        return DONE;
      }
      Entry<KI, VI, KO, VO> entry = entries.get(index);
      batch.clear();
      refused.clear();
      return add(entry)
          .thenCompose(ignored -> commit())
          .thenCompose(ignored -> open ? DONE : isolated(entries, index + 1));
    }

    /** The partition's ownership moved on: drop the batch, do nothing more. */
    private CompletionStage<Void> lost(Throwable why) {
      log.info(
          "{}: pipeline lane stops ({}); the partition's new owner goes on", tp, why.toString());
      dead = true;
      open = false;
      batch.clear();
      if (producer.isOpen()) {
        producer.abort(); // what a fenced or unowned transaction staged is dropped
      }
      return DONE;
    }

    /** The dead letter for an entry whose outputs the log refused. */
    Entry<KI, VI, KO, VO> deadLettered(Entry<KI, VI, KO, VO> entry, Throwable cause) {
      ConsumerRecord<KI, VI> r = entry.record();
      byte[] key = r.key() == null ? null : spec.input().keyCodec().encode(r.key());
      byte[] value = r.value() == null ? null : spec.input().valueCodec().encode(r.value());
      Instant now = Instant.now();
      Map<String, String> headers =
          DeadLetterHeaders.of(
              r.headers(),
              tp,
              r.offset(),
              spec.input().group(),
              r.attempt(),
              now,
              now,
              cause,
              DeadLetterReason.REFUSED);
      return new Entry<>(
          null,
          List.of(),
          new Encoded(key, value, headers, RecordFormat.encodedSize(key, value, headers)),
          r.offset());
    }
  }
}
