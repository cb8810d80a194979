package io.skald.framework.internal.txn;

import io.skald.framework.SkaldException;
import io.skald.framework.Stages;
import io.skald.framework.TopicPartition;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.consumer.DefaultSubscription;
import io.skald.framework.internal.group.CommittedOffset;
import io.skald.framework.internal.log.RecordFormat;
import io.skald.framework.internal.producer.RecordEncoder;
import io.skald.framework.internal.producer.RecordEncoder.Encoded;
import io.skald.framework.internal.topic.Partitioner;
import io.skald.framework.internal.topic.TopicCache;
import io.skald.framework.internal.txn.TxnProtocol.AppendOffset;
import io.skald.framework.internal.txn.TxnProtocol.Command;
import io.skald.framework.internal.txn.TxnProtocol.Committed;
import io.skald.framework.internal.txn.TxnProtocol.EndTxn;
import io.skald.framework.internal.txn.TxnProtocol.GroupOffsets;
import io.skald.framework.internal.txn.TxnProtocol.PartitionData;
import io.skald.framework.internal.txn.TxnProtocol.Refused;
import io.skald.framework.internal.txn.TxnProtocol.Reply;
import io.skald.framework.internal.txn.TxnProtocol.StageData;
import io.skald.framework.internal.txn.TxnProtocol.Staged;
import io.skald.framework.producer.DeliveryTimeoutException;
import io.skald.framework.producer.RecordMetadata;
import io.skald.framework.transaction.NotPartitionOwnerException;
import io.skald.framework.transaction.ProducerFencedException;
import io.skald.framework.transaction.TransactionAbortedException;
import io.skald.framework.transaction.TransactionException;
import io.skald.framework.transaction.TransactionStateException;
import io.skald.framework.transaction.TransactionTooLargeException;
import io.skald.framework.transaction.TransactionalProducer;
import io.skald.framework.transaction.TransactionalSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * INTERNAL API: the {@link TransactionalProducer}. Records are validated and encoded on the
 * caller's thread, gathered per partition into appends of at most {@code max-batch-bytes}, and
 * shipped to the coordinator in chunks of at most that size (so no message exceeds a remote frame)
 * while the transaction is open; the commit carries the last chunk and the offsets. A request the
 * coordinator does not answer in time is sent again: chunks carry their number and the end its
 * transaction's, so the coordinator applies each once.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class DefaultTransactionalProducer<K, V> implements TransactionalProducer<K, V> {

  private enum Phase {
    IDLE,
    OPEN,
    ENDING,
    /** A commit timed out: the outcome is unknown until the coordinator answers a repeat. */
    UNKNOWN,
    FENCED,
    CLOSED
  }

  /** One partition's records not shipped yet. */
  private static final class Buffer {
    final RecordFormat.Writer writer = new RecordFormat.Writer(1024);
    int count;
  }

  /** One open transaction. */
  private final class Txn {
    final long number;
    final Map<TopicPartition, Buffer> buffers = new LinkedHashMap<>();
    final Map<TopicPartition, List<CompletableFuture<RecordMetadata>>> promises =
        new LinkedHashMap<>();
    final List<PartitionData> unsent = new ArrayList<>();
    final Map<String, GroupOffsets> offsets = new LinkedHashMap<>();
    long unsentBytes;
    long bytes;
    int chunksSent;
    int roundRobin;
    Throwable doomed;

    /** Sends in order: each waits for the topic lookups of the ones before it. */
    CompletableFuture<Void> order = CompletableFuture.completedFuture(null);

    /** The chunks shipped, one after the other; never fails (a failure dooms instead). */
    CompletableFuture<Void> staging = CompletableFuture.completedFuture(null);

    EndTxn end;

    Txn(long number) {
      this.number = number;
    }
  }

  private final TransactionalSettings<K, V> txSettings;
  private final SkaldSettings settings;
  private final TransactionSettings txnSettings;
  private final ActorSystem<?> system;
  private final TopicCache topics;
  private final RecordEncoder<K, V> encoder;
  private final EntityRef<Command> coordinator;
  private final int epoch;
  private long nextTxn;
  private Phase phase = Phase.IDLE;
  private Txn txn;
  private Throwable fenced;

  /**
   * Creates the producer for an initialized epoch.
   *
   * @param system the actor system
   * @param txSettings the id and codecs
   * @param settings the node's settings
   * @param txnSettings the transactions' settings
   * @param topics the topic cache
   * @param epoch the epoch the coordinator gave
   * @param nextTxn the first transaction's number
   */
  public DefaultTransactionalProducer(
      ActorSystem<?> system,
      TransactionalSettings<K, V> txSettings,
      SkaldSettings settings,
      TransactionSettings txnSettings,
      TopicCache topics,
      int epoch,
      long nextTxn) {
    this.system = system;
    this.txSettings = txSettings;
    this.settings = settings;
    this.txnSettings = txnSettings;
    this.topics = topics;
    this.encoder =
        new RecordEncoder<>(txSettings.keyCodec(), txSettings.valueCodec(), settings, topics);
    this.coordinator = TransactionCoordinator.ref(system, txSettings.transactionalId());
    this.epoch = epoch;
    this.nextTxn = nextTxn;
  }

  /**
   * Starts a producer instance: bumps the epoch, which fences the older instances.
   *
   * @param system the actor system
   * @param txSettings the id and codecs
   * @param settings the node's settings
   * @param txnSettings the transactions' settings
   * @param topics the topic cache
   * @param <K> the key type
   * @param <V> the value type
   * @return the producer, once the coordinator resolved what an older instance left
   */
  public static <K, V> CompletionStage<TransactionalProducer<K, V>> start(
      ActorSystem<?> system,
      TransactionalSettings<K, V> txSettings,
      SkaldSettings settings,
      TransactionSettings txnSettings,
      TopicCache topics) {
    EntityRef<Command> ref = TransactionCoordinator.ref(system, txSettings.transactionalId());
    long deadline = System.nanoTime() + settings.deliveryTimeout().toNanos();
    return Stages.unwrapped(
        Retries.untilDeadline(
                () ->
                    ref.<TxnProtocol.InitResult>ask(
                        TxnProtocol.InitProducer::new, settings.requestTimeout()),
                deadline)
            .handle(
                (result, error) -> {
                  if (error != null) {
                    throw new DeliveryTimeoutException(
                        "the coordinator of transactional id '"
                            + txSettings.transactionalId()
                            + "' did not answer within "
                            + settings.deliveryTimeout(),
                        Stages.unwrap(error));
                  }
                  if (result instanceof Refused refused) {
                    throw new TransactionStateException(refused.detail());
                  }
                  TxnProtocol.Initialized init = (TxnProtocol.Initialized) result;
                  return new DefaultTransactionalProducer<>(
                      system,
                      txSettings,
                      settings,
                      txnSettings,
                      topics,
                      init.epoch(),
                      init.nextTxn());
                }));
  }

  @Override
  public String transactionalId() {
    return txSettings.transactionalId();
  }

  /**
   * The epoch of this instance.
   *
   * @return the epoch
   */
  public int epoch() {
    return epoch;
  }

  /**
   * Whether a transaction is open (begun, not yet ending).
   *
   * @return true if open
   */
  public synchronized boolean isOpen() {
    return phase == Phase.OPEN;
  }

  @Override
  public synchronized void begin() {
    checkUsable();
    if (phase != Phase.IDLE) {
      throw new TransactionStateException(
          phase == Phase.UNKNOWN
              ? "the outcome of transaction "
                  + txn.number
                  + " is unknown (its commit timed out): call commit() again first"
              : "a transaction is already " + (phase == Phase.OPEN ? "open" : "ending"));
    }
    txn = new Txn(nextTxn++);
    phase = Phase.OPEN;
  }

  private void checkUsable() {
    if (phase == Phase.FENCED) {
      throw new ProducerFencedException(fenced.getMessage());
    }
    if (phase == Phase.CLOSED) {
      throw new TransactionStateException("the transactional producer is closed");
    }
  }

  private Txn requireOpen() {
    checkUsable();
    if (phase != Phase.OPEN) {
      throw new TransactionStateException(
          "no open transaction: call begin() first"
              + (phase == Phase.IDLE ? "" : " (" + phase + ")"));
    }
    return txn;
  }

  @Override
  public CompletionStage<RecordMetadata> send(String topic, K key, V value) {
    return send(topic, -1, key, value, Map.of());
  }

  @Override
  public CompletionStage<RecordMetadata> send(
      String topic, K key, V value, Map<String, String> headers) {
    return send(topic, -1, key, value, headers);
  }

  @Override
  public CompletionStage<RecordMetadata> sendToPartition(
      String topic, int partition, K key, V value, Map<String, String> headers) {
    if (partition < 0) {
      Txn t;
      synchronized (this) {
        t = requireOpen();
      }
      return refuse(
          t,
          new io.skald.framework.producer.InvalidRecordException(
              "partition must be >= 0, was " + partition));
    }
    return send(topic, partition, key, value, headers);
  }

  private CompletionStage<RecordMetadata> send(
      String topic, int partition, K key, V value, Map<String, String> headers) {
    Txn t;
    synchronized (this) {
      t = requireOpen();
    }
    Encoded record;
    try {
      record = encoder.encode(topic, key, value, headers, false);
    } catch (SkaldException | IllegalArgumentException e) {
      return refuse(t, e);
    }
    return sendEncoded(t, topic, partition, record);
  }

  /**
   * Sends an already encoded record in the open transaction (a pipeline's dead letters).
   *
   * @param topic the topic
   * @param record the record
   * @return as {@link #send(String, Object, Object)}
   * @throws TransactionStateException if no transaction is open
   */
  public CompletionStage<RecordMetadata> sendEncoded(String topic, Encoded record) {
    Txn t;
    synchronized (this) {
      t = requireOpen();
    }
    return sendEncoded(t, topic, -1, record);
  }

  private CompletionStage<RecordMetadata> sendEncoded(
      Txn t, String topic, int partition, Encoded record) {
    CompletableFuture<RecordMetadata> promise = new CompletableFuture<>();
    synchronized (this) {
      TopicSpec cached = topics.cached(topic);
      if (cached != null && t.order.isDone()) {
        add(t, cached, partition, record, promise);
      } else {
        CompletableFuture<TopicSpec> lookup = topics.require(topic).toCompletableFuture();
        t.order =
            t.order
                .thenCompose(ignored -> lookup)
                .handle(
                    (spec, error) -> {
                      synchronized (this) {
                        if (error != null) {
                          Throwable cause = Stages.unwrap(error);
                          doom(t, cause);
                          promise.completeExceptionally(cause);
                        } else {
                          add(t, spec, partition, record, promise);
                        }
                      }
                      return null;
                    });
      }
    }
    return promise;
  }

  private CompletionStage<RecordMetadata> refuse(Txn t, Throwable error) {
    synchronized (this) {
      doom(t, error);
    }
    return CompletableFuture.failedFuture(error);
  }

  /** The first failure of a transaction: its commit aborts it instead. */
  private void doom(Txn t, Throwable error) {
    if (t.doomed == null) {
      t.doomed = error;
    }
  }

  /** Adds a record to its partition's buffer; ships full appends. Holds the lock. */
  private void add(
      Txn t, TopicSpec spec, int requested, Encoded record, CompletableFuture<RecordMetadata> p) {
    if (t.doomed != null) {
      p.completeExceptionally(aborted(t.number, t.doomed));
      return;
    }
    TopicPartition tp;
    try {
      int partition = Partitioner.choose(spec, requested, record.key(), () -> t.roundRobin++);
      encoder.checkLimit(spec, record);
      if (t.bytes + record.size() > txnSettings.maxBytes()) {
        throw new TransactionTooLargeException(
            "transaction "
                + t.number
                + " of '"
                + transactionalId()
                + "' would take more than skald.framework.transactions.max-bytes ("
                + txnSettings.maxBytes()
                + " bytes); split the work into smaller transactions");
      }
      tp = new TopicPartition(spec.name(), partition);
    } catch (SkaldException | IllegalArgumentException e) {
      doom(t, e);
      p.completeExceptionally(e);
      return;
    }
    Buffer buffer = t.buffers.computeIfAbsent(tp, ignored -> new Buffer());
    if (buffer.count > 0 && buffer.writer.size() + record.size() > appendLimit()) {
      seal(t, tp, buffer);
    }
    buffer.writer.writeRecord(record.key(), record.value(), record.headers());
    buffer.count++;
    t.bytes += record.size();
    t.promises.computeIfAbsent(tp, ignored -> new ArrayList<>()).add(p);
  }

  private long appendLimit() {
    return settings.maxBatchBytes();
  }

  /** Turns a partition's buffer into one append; ships a chunk once one is full. */
  private void seal(Txn t, TopicPartition tp, Buffer buffer) {
    byte[] records = buffer.writer.toByteArray();
    if (t.unsentBytes > 0 && t.unsentBytes + records.length > appendLimit()) {
      ship(t);
    }
    t.unsent.add(new PartitionData(tp.topic(), tp.partition(), buffer.count, records));
    t.unsentBytes += records.length;
    buffer.writer.reset();
    buffer.count = 0;
  }

  /** Stages the unsent appends with the coordinator, after the chunks before. */
  private void ship(Txn t) {
    List<PartitionData> chunk = List.copyOf(t.unsent);
    t.unsent.clear();
    t.unsentBytes = 0;
    int number = t.chunksSent++;
    long deadline = System.nanoTime() + settings.deliveryTimeout().toNanos();
    t.staging =
        t.staging.thenCompose(
            ignored ->
                Retries.untilDeadline(
                        () ->
                            coordinator.<Reply>ask(
                                replyTo -> new StageData(epoch, t.number, number, chunk, replyTo),
                                settings.requestTimeout()),
                        deadline)
                    .handle(
                        (reply, error) -> {
                          synchronized (this) {
                            if (error != null) {
                              doom(
                                  t,
                                  new DeliveryTimeoutException(
                                      "staging records of transaction "
                                          + t.number
                                          + " failed: "
                                          + Stages.unwrap(error),
                                      Stages.unwrap(error)));
                            } else if (reply instanceof Refused refused) {
                              doom(t, failure(refused));
                            } else if (!(reply instanceof Staged)) {
                              doom(t, new TransactionStateException("unexpected reply " + reply));
                            }
                          }
                          return null;
                        }));
  }

  @Override
  public void sendOffsets(Subscription subscription, Map<TopicPartition, Long> offsets) {
    if (!(subscription instanceof DefaultSubscription member)) {
      throw new TransactionStateException(
          "offsets can only be sent for a subscription of this Skald instance");
    }
    if (!member.transactional()) {
      throw new TransactionStateException(
          "subscription of group '"
              + member.group()
              + "' commits its own positions: subscribe with DeliveryMode.TRANSACTIONAL to commit"
              + " them in transactions");
    }
    synchronized (this) {
      Txn t = requireOpen();
      long generation = -1;
      List<CommittedOffset> positions = new ArrayList<>();
      for (Map.Entry<TopicPartition, Long> e : offsets.entrySet()) {
        TopicPartition tp = e.getKey();
        long offset = e.getValue() == null ? -1 : e.getValue();
        if (offset < 0) {
          throw new IllegalArgumentException("offset of " + tp + " must be >= 0, was " + offset);
        }
        long granted = member.generationOf(tp);
        if (granted < 0) {
          NotPartitionOwnerException notOwner =
              new NotPartitionOwnerException(
                  "member "
                      + member.memberId()
                      + " of group '"
                      + member.group()
                      + "' does not own "
                      + tp
                      + " (it owns "
                      + member.assignment()
                      + ")");
          doom(t, notOwner);
          throw notOwner;
        }
        generation = Math.max(generation, granted);
        positions.add(CommittedOffset.of(tp, offset));
      }
      if (positions.isEmpty()) {
        return;
      }
      GroupOffsets before = t.offsets.get(member.group());
      if (before != null && !before.memberId().equals(member.memberId())) {
        throw new TransactionStateException(
            "transaction "
                + t.number
                + " already commits offsets of group '"
                + member.group()
                + "' for member "
                + before.memberId());
      }
      Map<TopicPartition, CommittedOffset> merged = new LinkedHashMap<>();
      if (before != null) {
        before.offsets().forEach(o -> merged.put(o.tp(), o));
        generation = Math.max(generation, before.generation());
      }
      positions.forEach(o -> merged.put(o.tp(), o));
      t.offsets.put(
          member.group(),
          new GroupOffsets(
              member.group(), member.memberId(), generation, new ArrayList<>(merged.values())));
    }
  }

  @Override
  public CompletionStage<Done> commit() {
    Txn t;
    synchronized (this) {
      checkUsable();
      if (phase == Phase.UNKNOWN) {
        phase = Phase.ENDING;
        return end(txn, txn.end); // asked again: the coordinator answers with the outcome
      }
      t = requireOpen();
      phase = Phase.ENDING;
    }
    CompletableFuture<Void> ready = t.order.thenCompose(ignored -> prepare(t));
    return Stages.unwrapped(
        ready.thenCompose(
            ignored -> {
              EndTxn end;
              synchronized (this) {
                if (t.doomed != null) {
                  TransactionAbortedException failure = aborted(t.number, t.doomed);
                  return abortEnd(t)
                      .handle(
                          (done, error) -> {
                            failAll(t, failure);
                            throw failure;
                          });
                }
                end =
                    new EndTxn(
                        epoch,
                        t.number,
                        true,
                        t.chunksSent,
                        List.copyOf(t.unsent),
                        List.copyOf(t.offsets.values()),
                        null);
                t.end = end;
              }
              return end(t, end);
            }));
  }

  /** Seals every buffer, ships all full chunks, and waits until they are staged. */
  private CompletableFuture<Void> prepare(Txn t) {
    synchronized (this) {
      t.buffers.forEach(
          (tp, buffer) -> {
            if (buffer.count > 0) {
              seal(t, tp, buffer);
            }
          });
      return t.staging;
    }
  }

  /** Sends an end (commit or abort) until the coordinator answers or the delivery timeout. */
  private CompletionStage<Reply> askEnd(EndTxn end) {
    long deadline = System.nanoTime() + settings.deliveryTimeout().toNanos();
    return Retries.untilDeadline(
        () ->
            coordinator.<Reply>ask(
                replyTo ->
                    new EndTxn(
                        end.epoch(),
                        end.txn(),
                        end.commit(),
                        end.chunks(),
                        end.data(),
                        end.offsets(),
                        replyTo),
                settings.requestTimeout()),
        deadline);
  }

  private CompletionStage<Done> end(Txn t, EndTxn end) {
    return askEnd(end)
        .handle(
            (reply, error) -> {
              List<Runnable> completions = new ArrayList<>();
              try {
                synchronized (this) {
                  return ended(t, reply, error, completions);
                }
              } finally {
                completions.forEach(Runnable::run); // outside the lock: user callbacks
              }
            });
  }

  private Done ended(Txn t, Reply reply, Throwable error, List<Runnable> completions) {
    if (error != null) {
      phase = Phase.UNKNOWN;
      throw new DeliveryTimeoutException(
          "the coordinator of '"
              + transactionalId()
              + "' did not answer the commit of transaction "
              + t.number
              + " within "
              + settings.deliveryTimeout()
              + ": its outcome is unknown; call commit() again to learn it",
          Stages.unwrap(error));
    }
    if (reply instanceof Committed committed) {
      settle(Phase.IDLE);
      completions.add(() -> complete(t, committed.appends()));
      return Done.getInstance();
    }
    RuntimeException cause =
        reply instanceof Refused refused
            ? failure(refused)
            : new TransactionStateException("unexpected reply " + reply);
    settle(Phase.IDLE);
    RuntimeException failure =
        cause instanceof ProducerFencedException fence ? fence : aborted(t.number, cause);
    completions.add(() -> failAll(t, failure));
    throw failure;
  }

  /** Moves to a phase, unless fenced or closed for good. Holds the lock. */
  private void settle(Phase next) {
    if (phase != Phase.FENCED && phase != Phase.CLOSED) {
      phase = next;
    }
  }

  private void complete(Txn t, List<AppendOffset> appends) {
    Map<TopicPartition, List<AppendOffset>> byPartition = new LinkedHashMap<>();
    for (AppendOffset a : appends) {
      byPartition
          .computeIfAbsent(new TopicPartition(a.topic(), a.partition()), tp -> new ArrayList<>())
          .add(a);
    }
    t.promises.forEach(
        (tp, promises) -> {
          List<AppendOffset> ofPartition = byPartition.getOrDefault(tp, List.of());
          for (int i = 0; i < promises.size(); i++) {
            AppendOffset append = null;
            for (AppendOffset a : ofPartition) {
              if (a.firstRecord() <= i) {
                append = a;
              }
            }
            long offset =
                append == null || append.baseOffset() < 0
                    ? RecordMetadata.OFFSET_UNKNOWN
                    : append.baseOffset() + (i - append.firstRecord());
            promises
                .get(i)
                .complete(
                    new RecordMetadata(
                        tp.topic(),
                        tp.partition(),
                        offset,
                        append == null ? -1 : append.timestamp()));
          }
        });
  }

  private void failAll(Txn t, Throwable failure) {
    t.promises.values().forEach(list -> list.forEach(p -> p.completeExceptionally(failure)));
  }

  /** The exception for a coordinator's refusal; a fence also fences this instance. */
  private RuntimeException failure(Refused refused) {
    return switch (refused.refusal()) {
      case PRODUCER_FENCED -> {
        ProducerFencedException e = new ProducerFencedException(refused.detail());
        phase = Phase.FENCED;
        fenced = e;
        yield e;
      }
      case TOO_LARGE -> new TransactionTooLargeException(refused.detail());
      case NOT_PARTITION_OWNER -> new NotPartitionOwnerException(refused.detail());
      case TRANSACTION_ABORTED, GROUP_UNAVAILABLE, INVALID_STATE ->
          new TransactionException(refused.detail());
    };
  }

  private TransactionAbortedException aborted(long number, Throwable cause) {
    return new TransactionAbortedException(
        "transaction "
            + number
            + " of '"
            + transactionalId()
            + "' was aborted, nothing of it was written: "
            + cause.getMessage(),
        cause);
  }

  @Override
  public CompletionStage<Done> abort() {
    Txn t;
    synchronized (this) {
      checkUsable();
      if (phase != Phase.OPEN && phase != Phase.UNKNOWN) {
        throw new TransactionStateException(
            "no open transaction to abort" + (phase == Phase.ENDING ? " (it is ending)" : ""));
      }
      t = txn;
      phase = Phase.ENDING;
      doom(t, new TransactionException("aborted by the producer"));
    }
    return Stages.unwrapped(
        t.order
            .thenCompose(ignored -> t.staging)
            .thenCompose(ignored -> abortEnd(t))
            .thenApply(
                done -> {
                  failAll(t, aborted(t.number, t.doomed));
                  return done;
                }));
  }

  /** Tells the coordinator to drop the transaction; a commit already done cannot be undone. */
  private CompletionStage<Done> abortEnd(Txn t) {
    return askEnd(new EndTxn(epoch, t.number, false, t.chunksSent, List.of(), List.of(), null))
        .handle(
            (reply, error) -> {
              synchronized (this) {
                settle(Phase.IDLE);
                if (reply instanceof Committed committed) {
                  // a commit that timed out had happened: its records are written
                  complete(t, committed.appends());
                  throw new TransactionStateException(
                      "transaction " + t.number + " had already committed; it cannot be aborted");
                }
                if (reply instanceof Refused refused
                    && refused.refusal() == TxnProtocol.Refusal.PRODUCER_FENCED) {
                  throw failure(refused);
                }
                // not answered: the coordinator's timeout aborts what it staged
                return Done.getInstance();
              }
            });
  }

  @Override
  public void close() {
    Txn open;
    synchronized (this) {
      if (phase == Phase.CLOSED) {
        return;
      }
      open = phase == Phase.OPEN ? txn : null;
      if (open != null) {
        doom(open, new TransactionStateException("the producer was closed"));
        phase = Phase.ENDING;
      }
    }
    if (open != null) {
      open.order
          .thenCompose(ignored -> open.staging)
          .thenCompose(ignored -> abortEnd(open))
          .whenComplete((done, error) -> failAll(open, aborted(open.number, open.doomed)));
    }
    synchronized (this) {
      phase = Phase.CLOSED;
    }
  }

  /** Requests retried while they time out, until a deadline. */
  static final class Retries {
    private Retries() {}

    static <T> CompletableFuture<T> untilDeadline(
        java.util.function.Supplier<CompletionStage<T>> request, long deadlineNanos) {
      return Stages.inline(request.get())
          .handle(
              (result, error) -> {
                if (error == null) {
                  return CompletableFuture.completedFuture(result);
                }
                Throwable cause = Stages.unwrap(error);
                if (cause instanceof TimeoutException && System.nanoTime() < deadlineNanos) {
                  return untilDeadline(request, deadlineNanos);
                }
                return CompletableFuture.<T>failedFuture(cause);
              })
          .thenCompose(stage -> stage);
    }
  }
}
