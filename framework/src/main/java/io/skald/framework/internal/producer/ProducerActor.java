package io.skald.framework.internal.producer;

import io.skald.framework.SkaldException;
import io.skald.framework.Stages;
import io.skald.framework.TopicPartition;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.internal.Asks;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.log.PartitionEntity;
import io.skald.framework.internal.log.PartitionProtocol;
import io.skald.framework.internal.log.ProducerIds;
import io.skald.framework.internal.log.RecordFormat;
import io.skald.framework.internal.metrics.SkaldMetrics;
import io.skald.framework.internal.topic.Partitioner;
import io.skald.framework.internal.topic.TopicCache;
import io.skald.framework.internal.tracing.SkaldTracing;
import io.skald.framework.producer.BackpressureException;
import io.skald.framework.producer.DeliveryTimeoutException;
import io.skald.framework.producer.InvalidRecordException;
import io.skald.framework.producer.RecordMetadata;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.cluster.typed.Unsubscribe;

/**
 * INTERNAL API: the actor behind one {@link io.skald.framework.producer.Producer}. It keeps an open
 * batch per partition and sends it as one {@link PartitionProtocol.Append} as soon as fewer than
 * {@code max-in-flight-per-partition} appends are outstanding. Under load, records accumulate while
 * appends are in flight, so batches grow with the load and no linger delay is ever added at low
 * load. Appends to one partition are sent in order and never retried here, so per-key order holds.
 */
public final class ProducerActor extends AbstractBehavior<ProducerActor.Command> {

  /** Messages of the producer actor. */
  public sealed interface Command
      permits Send,
          AppendDone,
          TopicResolved,
          Close,
          NodeRemoved,
          Refused,
          ReleaseThrottled,
          ResumePartition {}

  /**
   * A send was refused by a rate limit (counted in the metrics).
   *
   * @param topic its topic
   */
  public record Refused(String topic) implements Command {}

  /** The first held record of a topic may go now. */
  record ReleaseThrottled(String topic) implements Command {}

  /** A partition's topic quota asked this producer to wait; the wait is over. */
  record ResumePartition(TopicPartition tp) implements Command {}

  /**
   * One encoded record to write.
   *
   * @param topic the target topic
   * @param requestedPartition the partition the caller named, or -1 to choose by key
   * @param key the encoded key or null
   * @param value the encoded value
   * @param headers the headers
   * @param reservedBytes bytes reserved in the producer's buffer for this record
   * @param traceBatch trace the batch this record is written in (sent outside any trace with root
   *     spans on; a record sent in a trace carries its own context instead)
   * @param promise completed with the record's metadata, or null when not awaited (acks none)
   * @param notBeforeNanos a rate limit delays it until this {@link System#nanoTime()}, or 0
   */
  public record Send(
      String topic,
      int requestedPartition,
      byte[] key,
      byte[] value,
      Map<String, String> headers,
      int reservedBytes,
      boolean traceBatch,
      CompletableFuture<RecordMetadata> promise,
      long notBeforeNanos)
      implements Command {}

  record TopicResolved(String topic, TopicSpec spec, Throwable error) implements Command {}

  record AppendDone(
      TopicPartition tp,
      Batch batch,
      int round,
      PartitionProtocol.AppendResult result,
      Throwable error)
      implements Command {}

  /** A cluster member was removed: the shards it hosted move, and appends sent there are lost. */
  record NodeRemoved(String address) implements Command {}

  /**
   * After a member's removal, an unanswered idempotent append is sent again after this long (or
   * {@code request-timeout} if shorter) instead of {@code request-timeout}: its partition is being
   * moved, and the resend that reaches the new home ends the stall.
   */
  static final java.time.Duration FAILOVER_RESEND = java.time.Duration.ofMillis(250);

  /** How long after a member's removal unanswered appends are resent that often. */
  static final java.time.Duration FAILOVER_WINDOW = java.time.Duration.ofSeconds(10);

  /**
   * Stop after the buffered records are written.
   *
   * @param done completed when the last append finished
   */
  public record Close(CompletableFuture<Void> done) implements Command {}

  /**
   * Creates the behavior.
   *
   * @param settings Skald's settings
   * @param bufferedBytes the bytes reserved by this producer, shared with the caller-side check
   * @param topics the topic cache
   * @param producerId the idempotent producer's id, or null for a plain producer
   * @return the behavior
   */
  public static Behavior<Command> create(
      SkaldSettings settings, ByteBudget bufferedBytes, TopicCache topics, String producerId) {
    // Resume, not restart, on an unexpected failure: the in-flight batches and their callers'
    // stages live in this actor, and dropping them would leave sends unanswered.
    return Behaviors.supervise(
            Behaviors.<Command>setup(
                ctx -> new ProducerActor(ctx, settings, bufferedBytes, topics, producerId)))
        .onFailure(SupervisorStrategy.resume());
  }

  static final class Batch {
    final RecordFormat.Writer writer;
    final List<CompletableFuture<RecordMetadata>> promises = new ArrayList<>();
    int count;
    long reservedBytes;
    byte[] payload;
    long firstSequence = -1;

    /** The producer id (with its epoch) the sequence belongs to; null for a plain producer. */
    String sequencedAs;

    long firstAttemptNanos;
    boolean traced;
    SkaldTracing.Publish publish;

    /** Completed: an answer still in flight for it is ignored. */
    boolean completed;

    /**
     * Idempotent: its refusal, kept until every batch before it is answered (one of them may be
     * written: refusals are acted on in sequence order).
     */
    AppendDone refusal;

    Batch(int capacity) {
      writer = new RecordFormat.Writer(capacity);
    }
  }

  private static final class PartitionQueue {
    final EntityRef<PartitionProtocol.Command> ref;
    final ArrayDeque<Batch> ready = new ArrayDeque<>();
    Batch open;
    int inFlight;
    long nextSequence;

    /** Idempotent: the batches sent and not completed, in sequence order. */
    final ArrayDeque<Batch> unacked = new ArrayDeque<>();

    /**
     * Idempotent: bumped each time the unacked batches are sent again; a retriable answer to an
     * append sent in an earlier round is stale (a later round covers it).
     */
    int round;

    /**
     * Idempotent: bumped when the sequence restarts from 0 (a new producer id for the partition).
     */
    int epoch;

    /**
     * The topic's quota asked to send nothing new here before this {@link System#nanoTime()}; 0
     * when it did not.
     */
    long pausedUntilNanos;

    /** A {@link ResumePartition} is scheduled. */
    boolean resumeScheduled;

    /**
     * The most records and bytes of one append: a {@code DELAY} quota's bucket (the partition's
     * share times the burst), so that no append overdraws it by more than one burst; otherwise
     * unbounded and {@code batch-max-bytes}.
     */
    int maxRecords = Integer.MAX_VALUE;

    long maxBytes;

    PartitionQueue(EntityRef<PartitionProtocol.Command> ref) {
      this.ref = ref;
    }
  }

  private final SkaldSettings settings;
  private final ByteBudget bufferedBytes;
  private final TopicCache topics;
  private final String producerId;
  private final int maxInFlight;
  private final SkaldMetrics metrics;
  private final SkaldTracing tracing;
  private final Map<TopicPartition, PartitionQueue> queues = new HashMap<>();
  private final Map<String, List<Send>> awaitingTopic = new HashMap<>();

  /** Records a rate limit holds, per topic in send order; a topic's first is due first. */
  private final Map<String, java.util.ArrayDeque<Send>> throttled = new HashMap<>();

  private int roundRobin;
  private int totalInFlight;
  private CompletableFuture<Void> closing;

  /** Until then (System.nanoTime), a member was removed lately: see {@link #FAILOVER_RESEND}. */
  private long failoverUntilNanos;

  private final org.apache.pekko.actor.typed.ActorRef<ClusterEvent.MemberRemoved> removals;

  private ProducerActor(
      ActorContext<Command> context,
      SkaldSettings settings,
      ByteBudget bufferedBytes,
      TopicCache topics,
      String producerId) {
    super(context);
    this.settings = settings;
    this.topics = topics;
    this.producerId = producerId;
    // Idempotent appends are pipelined too: the partition refuses one that skips a sequence, so a
    // lost append is never overtaken (see onAppendDone).
    this.maxInFlight = settings.producerMaxInFlight();
    this.bufferedBytes = bufferedBytes;
    this.metrics = SkaldMetrics.get(context.getSystem());
    this.tracing = SkaldTracing.get(context.getSystem());
    this.failoverUntilNanos = System.nanoTime();
    if (producerId != null) {
      // an idempotent producer resends what a lost member did not answer as soon as it is gone
      removals =
          context.messageAdapter(
              ClusterEvent.MemberRemoved.class,
              removed -> new NodeRemoved(removed.member().address().toString()));
      Cluster.get(context.getSystem())
          .subscriptions()
          .tell(Subscribe.create(removals, ClusterEvent.MemberRemoved.class));
    } else {
      removals = null;
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Send.class, this::onThrottledSend)
        .onMessage(ReleaseThrottled.class, this::onReleaseThrottled)
        .onMessage(
            Refused.class,
            refused -> {
              metrics
                  .counter(
                      "skald.producer.quota.refused",
                      "Sends refused by a producer rate limit",
                      "topic",
                      refused.topic())
                  .increment();
              return this;
            })
        .onMessage(AppendDone.class, this::onAppendDone)
        .onMessage(
            ResumePartition.class,
            resume -> {
              PartitionQueue queue = queues.get(resume.tp());
              queue.resumeScheduled = false;
              dispatch(resume.tp(), queue);
              return maybeStop();
            })
        .onMessage(TopicResolved.class, this::onTopicResolved)
        .onMessage(Close.class, this::onClose)
        .onMessage(NodeRemoved.class, this::onNodeRemoved)
        .onSignal(PostStop.class, this::onPostStop)
        .build();
  }

  /**
   * A member was removed (after it was downed): sharding moves its shards to the survivors, and the
   * appends sent to partitions there are lost. The unacknowledged appends of every partition are
   * sent again now, in order, in a new round (partitions elsewhere answer them as duplicates), and
   * for {@link #FAILOVER_WINDOW} an unanswered one is resent after {@link #FAILOVER_RESEND}: the
   * producer's stall is then about the time to move the partition, not a multiple of {@code
   * request-timeout}.
   */
  private Behavior<Command> onNodeRemoved(NodeRemoved removed) {
    failoverUntilNanos = System.nanoTime() + FAILOVER_WINDOW.toNanos();
    int resent = 0;
    for (Map.Entry<TopicPartition, PartitionQueue> entry : queues.entrySet()) {
      PartitionQueue queue = entry.getValue();
      if (!queue.unacked.isEmpty()) {
        resent += queue.unacked.size();
        resendUnacked(entry.getKey(), queue);
      }
    }
    getContext()
        .getLog()
        .debug(
            "member {} removed: {} unacknowledged append(s) sent again", removed.address(), resent);
    return this;
  }

  private Behavior<Command> onPostStop(PostStop stop) {
    if (removals != null) {
      Cluster.get(getContext().getSystem()).subscriptions().tell(new Unsubscribe<>(removals));
    }
    return this;
  }

  /** How long an append waits for its answer before it counts as unanswered. */
  private java.time.Duration appendTimeout() {
    if (producerId == null) {
      return settings.deliveryTimeout();
    }
    if (System.nanoTime() - failoverUntilNanos < 0
        && FAILOVER_RESEND.compareTo(settings.requestTimeout()) < 0) {
      return FAILOVER_RESEND;
    }
    return settings.requestTimeout();
  }

  /** Holds a record a rate limit delays, and any later one of its topic (send order holds). */
  private Behavior<Command> onThrottledSend(Send send) {
    java.util.ArrayDeque<Send> held = throttled.get(send.topic());
    if (held == null
        && (send.notBeforeNanos() == 0 || send.notBeforeNanos() <= System.nanoTime())) {
      return onSend(send);
    }
    if (send.notBeforeNanos() != 0) {
      metrics
          .counter(
              "skald.producer.quota.delayed",
              "Records a producer rate limit delayed",
              "topic",
              send.topic())
          .increment();
    }
    if (held == null) {
      held = new java.util.ArrayDeque<>();
      throttled.put(send.topic(), held);
      scheduleRelease(send);
    }
    held.add(send);
    return this;
  }

  private static boolean due(Send send, long now) {
    return send.notBeforeNanos() == 0 || send.notBeforeNanos() - now <= 0;
  }

  private void scheduleRelease(Send first) {
    long wait = Math.max(0, first.notBeforeNanos() - System.nanoTime());
    getContext()
        .scheduleOnce(
            java.time.Duration.ofNanos(wait),
            getContext().getSelf(),
            new ReleaseThrottled(first.topic()));
  }

  private Behavior<Command> onReleaseThrottled(ReleaseThrottled release) {
    java.util.ArrayDeque<Send> held = throttled.get(release.topic());
    if (held == null) {
      return this;
    }
    long now = System.nanoTime();
    while (!held.isEmpty() && due(held.peek(), now)) {
      onSend(held.poll());
    }
    if (held.isEmpty()) {
      throttled.remove(release.topic());
      return maybeStop();
    }
    scheduleRelease(held.peek());
    return this;
  }

  private Behavior<Command> onSend(Send send) {
    List<Send> waiting = awaitingTopic.get(send.topic());
    if (waiting != null) {
      // A lookup of this topic is pending: queue behind it, so records keep their send order.
      waiting.add(send);
      return this;
    }
    // the cache, not a copy: a topic altered or deleted elsewhere reaches it over pub-sub
    TopicSpec spec = topics.cached(send.topic());
    if (spec == null) {
      List<Send> queue = new ArrayList<>();
      queue.add(send);
      awaitingTopic.put(send.topic(), queue);
      getContext()
          .pipeToSelf(
              topics.require(send.topic()),
              (resolved, error) -> new TopicResolved(send.topic(), resolved, error));
      return this;
    }
    route(spec, send);
    return this;
  }

  private Behavior<Command> onTopicResolved(TopicResolved resolved) {
    List<Send> queued = awaitingTopic.remove(resolved.topic());
    for (Send send : queued) {
      if (resolved.error() != null) {
        fail(send, resolved.error());
      } else {
        route(resolved.spec(), send);
      }
    }
    return maybeStop();
  }

  private void fail(Send send, Throwable error) {
    bufferedBytes.release(send.reservedBytes());
    if (send.promise() != null) {
      send.promise().completeExceptionally(Stages.unwrap(error));
    } else {
      getContext().getLog().warn("record to {} dropped: {}", send.topic(), error.toString());
    }
  }

  private void route(TopicSpec spec, Send send) {
    if (send.reservedBytes() > RecordLimit.of(spec, settings)) {
      fail(send, RecordLimit.tooLarge(spec.name(), send.reservedBytes(), spec, settings));
      return;
    }
    int partition;
    try {
      partition =
          Partitioner.choose(spec, send.requestedPartition(), send.key(), () -> roundRobin++);
    } catch (InvalidRecordException e) {
      fail(send, e);
      return;
    }
    TopicPartition tp = new TopicPartition(spec.name(), partition);
    PartitionQueue queue = queues.get(tp);
    if (queue == null) {
      queue = new PartitionQueue(PartitionEntity.ref(getContext().getSystem(), tp));
      queues.put(tp, queue);
    }
    limitBatches(queue, spec);
    enqueue(tp, queue, send);
  }

  /** Sizes the queue's appends to the topic's {@code DELAY} quota, if it has one. */
  private void limitBatches(PartitionQueue queue, TopicSpec spec) {
    io.skald.framework.producer.RateLimit quota = spec.rateLimit();
    queue.maxRecords = Integer.MAX_VALUE;
    queue.maxBytes = settings.producerBatchMaxBytes();
    if (quota == null
        || quota.whenExceeded() != io.skald.framework.producer.RateLimit.WhenExceeded.DELAY) {
      return;
    }
    double burstSeconds = quota.burst().toNanos() / 1e9;
    if (quota.recordsPerSecond() > 0) {
      queue.maxRecords =
          (int)
              Math.max(
                  1,
                  Math.min(
                      Integer.MAX_VALUE,
                      quota.recordsPerSecond() / spec.partitions() * burstSeconds));
    }
    if (quota.bytesPerSecond() > 0) {
      queue.maxBytes =
          (long)
              Math.max(
                  1,
                  Math.min(
                      queue.maxBytes, quota.bytesPerSecond() / spec.partitions() * burstSeconds));
    }
  }

  private void enqueue(TopicPartition tp, PartitionQueue queue, Send send) {
    if (queue.open != null
        && (queue.open.writer.size() + send.reservedBytes() > queue.maxBytes
            || queue.open.count >= queue.maxRecords)) {
      // Seal first, so a batch never exceeds max(batch-max-bytes, one record) and so always fits
      // the partition's max-batch-bytes.
      queue.ready.add(queue.open);
      queue.open = null;
    }
    if (queue.open == null) {
      queue.open = new Batch(Math.min(settings.producerBatchMaxBytes(), 4096));
    }
    Batch batch = queue.open;
    batch.writer.writeRecord(send.key(), send.value(), send.headers());
    batch.promises.add(send.promise());
    batch.count++;
    batch.reservedBytes += send.reservedBytes();
    batch.traced |= send.traceBatch();
    if (batch.writer.size() >= queue.maxBytes || batch.count >= queue.maxRecords) {
      queue.ready.add(batch);
      queue.open = null;
    }
    dispatch(tp, queue);
  }

  private void dispatch(TopicPartition tp, PartitionQueue queue) {
    if (queue.pausedUntilNanos != 0) {
      long wait = queue.pausedUntilNanos - System.nanoTime();
      if (wait > 0) {
        if (!queue.resumeScheduled) {
          queue.resumeScheduled = true;
          getContext()
              .scheduleOnce(
                  java.time.Duration.ofNanos(wait),
                  getContext().getSelf(),
                  new ResumePartition(tp));
        }
        return;
      }
      queue.pausedUntilNanos = 0;
    }
    while (queue.inFlight < maxInFlight) {
      Batch batch = queue.ready.poll();
      if (batch == null) {
        batch = queue.open;
        queue.open = null;
      }
      if (batch == null) {
        return;
      }
      batch.payload = batch.writer.toByteArray();
      batch.firstAttemptNanos = System.nanoTime();
      if (batch.traced && tracing.enabled()) {
        batch.publish = tracing.publishBatch(tp.topic(), tp.partition(), batch.count);
      }
      if (producerId != null) {
        sequence(queue, batch);
        queue.unacked.add(batch);
      }
      queue.inFlight++;
      totalInFlight++;
      send(tp, queue, batch);
    }
  }

  private void sequence(PartitionQueue queue, Batch batch) {
    batch.sequencedAs = ProducerIds.withEpoch(producerId, queue.epoch);
    batch.firstSequence = queue.nextSequence;
    queue.nextSequence += batch.count;
  }

  /**
   * Starts a new epoch for the partition: a new producer id whose sequence starts at 0, for the
   * unacked batches (none of which can have been written) and every later one.
   */
  private void newEpoch(PartitionQueue queue) {
    queue.epoch++;
    queue.nextSequence = 0;
    for (Batch batch : queue.unacked) {
      sequence(queue, batch);
    }
  }

  /**
   * Sends every unacked batch again, in sequence order, in a new round. New batches follow them, so
   * the partition still receives the sequences in order.
   */
  private void resendUnacked(TopicPartition tp, PartitionQueue queue) {
    queue.round++;
    getContext()
        .getLog()
        .debug(
            "resending {} unanswered or overtaken append(s) to {} in order",
            queue.unacked.size(),
            tp);
    for (Batch batch : queue.unacked) {
      batch.refusal = null; // sent again: its new answer decides
      queue.inFlight++;
      totalInFlight++;
      send(tp, queue, batch);
    }
  }

  private void send(TopicPartition tp, PartitionQueue queue, Batch batch) {
    int round = queue.round;
    Asks.ask(
        getContext(),
        PartitionProtocol.AppendResult.class,
        queue.ref,
        appendTimeout(),
        replyTo ->
            new PartitionProtocol.Append(
                batch.count,
                batch.payload,
                batch.sequencedAs,
                batch.firstSequence,
                replyTo,
                batch.publish == null ? null : batch.publish.headers(),
                batch.sequencedAs != null,
                true),
        (result, error) -> new AppendDone(tp, batch, round, result, error));
  }

  private Behavior<Command> onAppendDone(AppendDone done) {
    PartitionQueue queue = queues.get(done.tp());
    queue.inFlight--;
    totalInFlight--;
    if (done.result() instanceof PartitionProtocol.Appended appended
        && appended.throttleMillis() > 0) {
      // the topic's quota is overdrawn: nothing new to this partition until it has refilled
      long until = System.nanoTime() + appended.throttleMillis() * 1_000_000;
      if (queue.pausedUntilNanos == 0 || until - queue.pausedUntilNanos > 0) {
        queue.pausedUntilNanos = until;
      }
      metrics
          .counter(
              "skald.producer.quota.throttled",
              "Appends after which a topic's quota asked the producer to wait",
              "topic",
              done.tp().topic())
          .increment();
    }
    if (producerId != null) {
      onIdempotentAppendDone(done, queue);
    } else {
      bufferedBytes.release(done.batch().reservedBytes);
      complete(done);
    }
    dispatch(done.tp(), queue);
    return maybeStop();
  }

  /**
   * An idempotent producer's appends are pipelined and never reordered: the partition writes an
   * append only if its first sequence follows the last one written for the producer, and messages
   * from here to a partition arrive in the order sent. So an append refused as out of order means
   * every unacked one before it was lost on the way (a shard hand-off drops what it buffered): they
   * are all sent again at once, in order, without waiting for their timeouts. An append unanswered
   * within {@code request-timeout} is handled alike (those written meanwhile are answered as
   * duplicates with their offsets). Answers to a round superseded by a later one are ignored,
   * unless they confirm a write.
   */
  private void onIdempotentAppendDone(AppendDone done, PartitionQueue queue) {
    Batch batch = done.batch();
    if (batch.completed) {
      return; // acknowledged by another round's answer, or failed by its delivery timeout
    }
    if (done.result() instanceof PartitionProtocol.Appended) {
      finish(queue, batch);
      complete(done);
      Batch head = queue.unacked.peekFirst();
      if (head != null && head.refusal != null) {
        refuse(queue, head.refusal); // it waited for the batches before it
      }
      return;
    }
    if (done.round() < queue.round) {
      return; // stale: the batch was sent again since, and that answer decides
    }
    PartitionProtocol.AppendFailed.Refusal refusal =
        done.result() instanceof PartitionProtocol.AppendFailed failed ? failed.refusal() : null;
    boolean overtook =
        refusal == PartitionProtocol.AppendFailed.Refusal.OUT_OF_ORDER_SEQUENCE
            || refusal == PartitionProtocol.AppendFailed.Refusal.UNKNOWN_PRODUCER;
    boolean unanswered = done.error() instanceof TimeoutException;
    boolean inTime =
        System.nanoTime() - batch.firstAttemptNanos < settings.deliveryTimeout().toNanos();
    if ((overtook || unanswered) && inTime) {
      if (refusal == PartitionProtocol.AppendFailed.Refusal.UNKNOWN_PRODUCER
          && queue.unacked.peekFirst() == batch) {
        // every batch before this one was acknowledged, yet the partition does not know this
        // producer: it forgot it (idle beyond producer-state-retention, or a new log)
        newEpoch(queue);
      }
      resendUnacked(done.tp(), queue);
      return;
    }
    if (overtook || unanswered) {
      // out of time with an unknown outcome: so is every batch sent after it under this epoch
      List<Batch> failing = new ArrayList<>(queue.unacked);
      for (Batch b : failing) {
        finish(queue, b);
        complete(
            new AppendDone(
                done.tp(), b, done.round(), null, new TimeoutException("delivery timeout")));
      }
      queue.round++;
      newEpoch(queue);
      return;
    }
    if (queue.unacked.peekFirst() != batch) {
      // a batch before it is unanswered and may be written (a quota refuses this one while that
      // one waits for the journal): renumbering it now could write it twice
      batch.refusal = done;
      return;
    }
    refuse(queue, done);
  }

  /**
   * Fails the first unacked batch, which its partition refused: not written, and nothing sent after
   * it under this epoch can be written either, so the others start a new epoch.
   */
  private void refuse(PartitionQueue queue, AppendDone done) {
    finish(queue, done.batch());
    complete(done);
    newEpoch(queue);
    if (!queue.unacked.isEmpty()) {
      resendUnacked(done.tp(), queue);
    }
  }

  private void finish(PartitionQueue queue, Batch batch) {
    batch.completed = true;
    queue.unacked.remove(batch);
    bufferedBytes.release(batch.reservedBytes);
  }

  private void complete(AppendDone done) {
    SkaldTracing.Publish publish = done.batch().publish;
    if (publish != null) {
      publish.end(
          done.error() != null
              ? Stages.unwrap(done.error())
              : done.result() instanceof PartitionProtocol.AppendFailed failed
                  ? new SkaldException(failed.refusal() + ": " + failed.detail())
                  : null);
    }
    List<CompletableFuture<RecordMetadata>> promises = done.batch().promises;
    SkaldMetrics.ProducerMeters meters = metrics.producer(done.tp().topic());
    if (done.result() instanceof PartitionProtocol.Appended appended) {
      meters.acknowledged(
          done.batch().count,
          done.batch().payload.length,
          System.nanoTime() - done.batch().firstAttemptNanos);
      for (int i = 0; i < promises.size(); i++) {
        CompletableFuture<RecordMetadata> promise = promises.get(i);
        if (promise != null) {
          promise.complete(
              new RecordMetadata(
                  done.tp().topic(),
                  done.tp().partition(),
                  appended.baseOffset() == PartitionProtocol.Appended.OFFSET_UNKNOWN
                      ? RecordMetadata.OFFSET_UNKNOWN
                      : appended.baseOffset() < 0 ? -1 : appended.baseOffset() + i,
                  appended.timestamp()));
        }
      }
      return;
    }
    SkaldException failure;
    if (done.result() instanceof PartitionProtocol.AppendFailed failed) {
      failure =
          switch (failed.refusal()) {
            case QUOTA_EXCEEDED ->
                new io.skald.framework.producer.QuotaExceededException(
                    "partition " + done.tp() + " refused the records: " + failed.detail(),
                    failed.retryAfterMillis());
            case BACKLOG_FULL ->
                new BackpressureException(
                    BackpressureException.Limit.PARTITION_BACKLOG,
                    "partition " + done.tp() + " refused the records: " + failed.detail());
            case RECORD_TOO_LARGE ->
                new io.skald.framework.producer.RecordTooLargeException(
                    "partition " + done.tp() + " refused the records: " + failed.detail());
            case OUTSIDE_BATCH_LIMITS, OUT_OF_ORDER_SEQUENCE, UNKNOWN_PRODUCER, PRODUCER_FENCED ->
                new SkaldException(
                    "partition " + done.tp() + " refused the append: " + failed.describe());
            case DISK_FULL ->
                new BackpressureException(
                    BackpressureException.Limit.DISK_SPACE,
                    "partition " + done.tp() + " refused the records: " + failed.detail());
            case TOPIC_DELETED -> {
              topics.forget(done.tp().topic());
              yield new io.skald.framework.UnknownTopicException(
                  "topic '" + done.tp().topic() + "' was deleted: " + failed.detail());
            }
          };
    } else if (done.error() instanceof TimeoutException) {
      failure =
          new DeliveryTimeoutException(
              "no confirmation from partition "
                  + done.tp()
                  + " within "
                  + settings.deliveryTimeout()
                  + "; the records may or may not have been written",
              done.error());
    } else {
      failure =
          new SkaldException("append to " + done.tp() + " failed: " + done.error(), done.error());
    }
    meters.failed(done.batch().count);
    getContext()
        .getLog()
        .warn("{} record(s) to {} failed: {}", promises.size(), done.tp(), failure.getMessage());
    for (CompletableFuture<RecordMetadata> promise : promises) {
      if (promise != null) {
        promise.completeExceptionally(failure);
      }
    }
  }

  private Behavior<Command> onClose(Close close) {
    closing = close.done();
    return maybeStop();
  }

  private Behavior<Command> maybeStop() {
    if (closing != null
        && totalInFlight == 0
        && awaitingTopic.isEmpty()
        && throttled.isEmpty()
        && queues.values().stream().noneMatch(q -> q.open != null || !q.ready.isEmpty())) {
      closing.complete(null);
      return Behaviors.stopped();
    }
    return this;
  }
}
