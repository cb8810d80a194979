package io.skald.framework.internal.consumer;

import io.skald.framework.Stages;
import io.skald.framework.TopicPartition;
import io.skald.framework.UnknownTopicException;
import io.skald.framework.consumer.LeaseLostException;
import io.skald.framework.consumer.LeasedRecordHandler;
import io.skald.framework.consumer.RecordLease;
import io.skald.framework.consumer.StartPosition;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.deadletter.DeadLetterReason;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.deadletter.DeadLetterHeaders;
import io.skald.framework.internal.deadletter.DeadLetterSink;
import io.skald.framework.internal.log.RecordFormat;
import io.skald.framework.internal.metrics.SkaldMetrics;
import io.skald.framework.internal.share.SharePartition;
import io.skald.framework.internal.share.ShareProtocol;
import io.skald.framework.internal.tracing.SkaldTracing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * INTERNAL API: one member of a shared subscription. It reads every partition of its topics through
 * the partitions' {@link SharePartition}s: per partition it keeps up to {@code parallelism} records
 * in the handler, acquiring more as they finish, and acknowledges finished records in batches (one
 * acknowledgement in flight per partition; those finishing meanwhile join the next). A failed
 * attempt releases the record with the retry policy's backoff, so the next attempt may run on any
 * member; the last one dead-letters it.
 *
 * <p>There is no group coordinator and no assignment: members are independent, and a member that
 * dies holds its records only until their visibility timeout.
 */
public final class SharedConsumer extends AbstractBehavior<SharedConsumer.Command> {

  /** Messages of the member. */
  public sealed interface Command
      permits Stop,
          AcquireReply,
          AcquireTimeout,
          RecordDone,
          AttemptTimedOut,
          AckReply,
          AckTimeout,
          LeaseCheck,
          DeadLetterWritten,
          TopicAltered {}

  /**
   * Leave: finish the records in the handler, acknowledge them, release the others.
   *
   * @param done completed once stopped
   */
  public record Stop(CompletableFuture<Done> done) implements Command {}

  record AcquireReply(ShareProtocol.AcquireReply reply) implements Command {}

  record AcquireTimeout(TopicPartition tp, long requestId) implements Command {}

  record RecordDone(TopicPartition tp, long offset, int delivery, Throwable error)
      implements Command {}

  record AttemptTimedOut(TopicPartition tp, long offset, int delivery) implements Command {}

  record AckReply(ShareProtocol.Settled settled) implements Command {}

  /** A record's lease may have run out: free its handler slot if it did. */
  record LeaseCheck(TopicPartition tp, long offset, int delivery) implements Command {}

  record AckTimeout(TopicPartition tp, long requestId) implements Command {}

  record DeadLetterWritten(TopicPartition tp, long offset, Throwable error) implements Command {}

  /** A topic definition reached this node (created, altered or deleted). */
  record TopicAltered(io.skald.framework.internal.topic.TopicCache.TopicChanged change)
      implements Command {}

  /**
   * What a member is given.
   *
   * @param memberId its id
   * @param spec the subscription (shared)
   * @param handler the handler
   * @param partitions the partition count of each topic
   * @param settings Skald's settings
   * @param deadLetters where records that fail for good go
   * @param view what the member publishes to its handle
   * @param topics announces altered topics: partitions added to a topic are read from then on
   * @param <K> key type
   * @param <V> value type
   */
  public record Setup<K, V>(
      String memberId,
      SubscriptionSpec<K, V> spec,
      LeasedRecordHandler<K, V> handler,
      Map<String, Integer> partitions,
      SkaldSettings settings,
      DeadLetterSink deadLetters,
      MemberView view,
      ConsumerActor.TopicSource topics) {}

  /**
   * Creates a member.
   *
   * @param setup what it is given
   * @param <K> key type
   * @param <V> value type
   * @return its behaviour
   */
  public static <K, V> Behavior<Command> create(Setup<K, V> setup) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new SharedConsumer(ctx, timers, setup)));
  }

  /**
   * The timer of a record: its processing timeout, or the check of its lease's end.
   *
   * @param lease whether it is the lease check
   * @param tp the partition
   * @param offset the record
   */
  private record RecordTimer(boolean lease, TopicPartition tp, long offset) {}

  /**
   * The timer of a lane's request in flight: its acquire, or its acknowledgement.
   *
   * @param ack whether it is the acknowledgement's
   * @param tp the partition
   */
  private record LaneTimer(boolean ack, TopicPartition tp) {}

  /** A record in the handler. */
  private static final class InHandler {
    final ShareProtocol.Leased record;
    final Lease lease;
    final long startedNanos;

    /** Being written to the dead-letter topic: a late outcome of the handler is ignored. */
    boolean deadLettering;

    InHandler(ShareProtocol.Leased record, Lease lease) {
      this.record = record;
      this.lease = lease;
      this.startedNanos = System.nanoTime();
    }
  }

  /** The member's side of one partition. */
  private static final class Lane {
    final TopicPartition tp;
    final EntityRef<ShareProtocol.Command> share;
    final Map<Long, InHandler> inHandler = new HashMap<>();

    /**
     * Records still in the handler whose lease ran out: they no longer take a slot (the record may
     * be with another member), and a late success is still acknowledged.
     */
    final Map<Long, InHandler> expired = new HashMap<>();

    final List<Long> toAck = new ArrayList<>();
    long[] acking;
    long acquireId;
    boolean acquiring;
    long ackId;

    /**
     * Where its share-partition starts if it has no state yet: the subscription's start position,
     * or the first record for a partition added to the topic later (nothing written there is
     * skipped, as for a partitioned group).
     */
    final StartPosition start;

    Lane(TopicPartition tp, EntityRef<ShareProtocol.Command> share, StartPosition start) {
      this.tp = tp;
      this.share = share;
      this.start = start;
    }

    boolean idle() {
      return inHandler.isEmpty() && toAck.isEmpty() && acking == null;
    }

    /** The record's entry, in the handler or with a lease that ran out. */
    InHandler entry(long offset) {
      InHandler entry = inHandler.get(offset);
      return entry != null ? entry : expired.get(offset);
    }

    void remove(long offset) {
      if (inHandler.remove(offset) == null) {
        expired.remove(offset);
      }
    }
  }

  /** A record's lease, as the handler sees it. */
  private final class Lease implements RecordLease {
    final Lane lane;
    final long offset;
    final int deliveryCount;
    volatile Instant lockedUntil;
    final AtomicBoolean released = new AtomicBoolean();

    Lease(Lane lane, long offset, int deliveryCount, Instant lockedUntil) {
      this.lane = lane;
      this.offset = offset;
      this.deliveryCount = deliveryCount;
      this.lockedUntil = lockedUntil;
    }

    @Override
    public int deliveryCount() {
      return deliveryCount;
    }

    @Override
    public Instant lockedUntil() {
      return lockedUntil;
    }

    @Override
    public CompletionStage<Instant> extend(Duration visibility) {
      if (visibility == null || visibility.isNegative() || visibility.isZero()) {
        throw new IllegalArgumentException("visibility must be positive, was " + visibility);
      }
      return ask(replyTo ->
              new ShareProtocol.Extend(
                  memberId, new long[] {offset}, visibility.toMillis(), replyTo))
          .thenApply(
              settled -> {
                if (settled.accepted().length == 0) {
                  throw lost("extended");
                }
                lockedUntil = Instant.ofEpochMilli(settled.lockedUntil());
                return lockedUntil;
              });
    }

    @Override
    public CompletionStage<Done> release(Duration delay) {
      if (delay == null || delay.isNegative()) {
        throw new IllegalArgumentException("delay must not be negative, was " + delay);
      }
      if (!released.compareAndSet(false, true)) {
        return CompletableFuture.failedFuture(lost("released (it was released already)"));
      }
      return ask(replyTo ->
              new ShareProtocol.Release(memberId, new long[] {offset}, delay.toMillis(), replyTo))
          .thenApply(
              settled -> {
                if (settled.accepted().length == 0) {
                  throw lost("released");
                }
                return Done.getInstance();
              });
    }

    private LeaseLostException lost(String what) {
      return new LeaseLostException(
          lane.tp
              + "@"
              + offset
              + " could not be "
              + what
              + ": its lease ended (the visibility timeout passed and it may be with another"
              + " member)");
    }

    private CompletionStage<ShareProtocol.Settled> ask(
        org.apache.pekko.japi.function.Function<
                ActorRef<ShareProtocol.Settled>, ShareProtocol.Command>
            request) {
      return Stages.unwrapped(lane.share.ask(request::apply, settings.askTimeout()));
    }
  }

  private final TimerScheduler<Command> timers;
  private final String memberId;
  private final SubscriptionSpec<?, ?> spec;
  private final LeasedRecordHandler<Object, Object> handler;
  private final SkaldSettings settings;
  private final DeadLetterSink deadLetters;
  private final MemberView view;
  private final SkaldTracing tracing;
  private final Map<TopicPartition, Lane> lanes = new HashMap<>();

  /** Request ids, unique per member: they tell which lane an answer is for. */
  private long requests;

  private final Map<Long, Lane> acquires = new HashMap<>();
  private final Map<Long, Lane> acks = new HashMap<>();
  private final ActorRef<ShareProtocol.AcquireReply> acquireAdapter;
  private final ActorRef<ShareProtocol.Settled> ackAdapter;
  private final Map<String, SkaldMetrics.ConsumerMeters> meters = new HashMap<>();

  /** Records whose acknowledgement is durable, per topic. */
  private final Map<String, io.micrometer.core.instrument.Counter> acknowledged = new HashMap<>();

  private final long visibilityMillis;
  private final ConsumerActor.TopicSource topics;
  private final ActorRef<io.skald.framework.internal.topic.TopicCache.TopicChanged> topicWatcher;
  private CompletableFuture<Done> stopped;
  private Throwable failure;

  @SuppressWarnings("unchecked")
  private <K, V> SharedConsumer(
      ActorContext<Command> context, TimerScheduler<Command> timers, Setup<K, V> setup) {
    super(context);
    this.timers = timers;
    this.memberId = setup.memberId();
    this.spec = setup.spec();
    this.handler =
        (LeasedRecordHandler<Object, Object>) (LeasedRecordHandler<?, ?>) setup.handler();
    this.settings = setup.settings();
    this.deadLetters = setup.deadLetters();
    this.view = setup.view();
    this.tracing = SkaldTracing.get(context.getSystem());
    this.visibilityMillis = spec.visibilityTimeout().orElseThrow().toMillis();
    this.acquireAdapter =
        context.messageAdapter(ShareProtocol.AcquireReply.class, AcquireReply::new);
    this.ackAdapter = context.messageAdapter(ShareProtocol.Settled.class, AckReply::new);
    SkaldMetrics metrics = SkaldMetrics.get(context.getSystem());
    setup
        .partitions()
        .forEach(
            (topic, count) -> {
              meters.put(topic, metrics.consumer(spec.group(), topic));
              acknowledged.put(
                  topic,
                  metrics.counter(
                      "skald.share.acknowledged",
                      "Records of a shared group whose acknowledgement is durable",
                      "group",
                      spec.group(),
                      "topic",
                      topic));
              for (int p = 0; p < count; p++) {
                TopicPartition tp = new TopicPartition(topic, p);
                lanes.put(
                    tp,
                    new Lane(
                        tp,
                        SharePartition.ref(context.getSystem(), spec.group(), tp),
                        spec.startPosition()));
              }
            });
    view.assigned(Set.copyOf(lanes.keySet()), Map.of());
    this.topics = setup.topics();
    this.topicWatcher =
        context.messageAdapter(
            io.skald.framework.internal.topic.TopicCache.TopicChanged.class, TopicAltered::new);
    topics.watch(topicWatcher);
    lanes.values().forEach(this::maybeAcquire);
  }

  /**
   * Partitions added to one of its topics ({@code alterTopic}) are read from then on: their
   * share-partitions start from the partitions' first records, so nothing written there is skipped.
   */
  private Behavior<Command> onTopicAltered(TopicAltered altered) {
    io.skald.framework.admin.TopicSpec spec = altered.change().spec();
    if (spec == null || !meters.containsKey(spec.name()) || stopped != null) {
      return this;
    }
    List<Lane> added = new ArrayList<>();
    for (int p = 0; p < spec.partitions(); p++) {
      TopicPartition tp = new TopicPartition(spec.name(), p);
      if (!lanes.containsKey(tp)) {
        Lane lane =
            new Lane(
                tp,
                SharePartition.ref(getContext().getSystem(), this.spec.group(), tp),
                StartPosition.EARLIEST);
        lanes.put(tp, lane);
        added.add(lane);
      }
    }
    if (!added.isEmpty()) {
      getContext()
          .getLog()
          .info(
              "shared member {} of group {}: topic {} grew to {} partitions; reading the new ones",
              memberId,
              this.spec.group(),
              spec.name(),
              spec.partitions());
      view.assigned(Set.copyOf(lanes.keySet()), Map.of());
      added.forEach(this::maybeAcquire);
    }
    return this;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(AcquireReply.class, this::onAcquireReply)
        .onMessage(
            AcquireTimeout.class,
            timeout -> {
              Lane lane = lanes.get(timeout.tp());
              if (lane.acquiring && lane.acquireId == timeout.requestId()) {
                acquires.remove(timeout.requestId());
                lane.acquiring = false;
                maybeAcquire(lane);
              }
              return this;
            })
        .onMessage(RecordDone.class, this::onRecordDone)
        .onMessage(
            AttemptTimedOut.class,
            t ->
                onRecordDone(
                    new RecordDone(
                        t.tp(),
                        t.offset(),
                        t.delivery(),
                        HandlerCall.timedOut(
                            t.tp(), t.offset(), t.delivery(), spec.processingTimeout()))))
        .onMessage(AckReply.class, this::onAckReply)
        .onMessage(
            AckTimeout.class,
            timeout -> {
              Lane lane = lanes.get(timeout.tp());
              if (lane.acking != null && lane.ackId == timeout.requestId()) {
                sendAck(lane, lane.acking); // acknowledging is idempotent: send the same again
              }
              return this;
            })
        .onMessage(DeadLetterWritten.class, this::onDeadLetterWritten)
        .onMessage(LeaseCheck.class, this::onLeaseCheck)
        .onMessage(Stop.class, this::onStop)
        .onMessage(TopicAltered.class, this::onTopicAltered)
        .onSignal(
            org.apache.pekko.actor.typed.PostStop.class,
            signal -> {
              topics.unwatch(topicWatcher);
              if (!view.isTerminated()) {
                // stopped abruptly (it did not leave): its records come back after their timeout
                view.stopped(failure);
              }
              return this;
            })
        .build();
  }

  private void maybeAcquire(Lane lane) {
    int room = spec.parallelism() - lane.inHandler.size();
    if (stopped != null || failure != null || lane.acquiring || room <= 0) {
      return;
    }
    lane.acquiring = true;
    long requestId = ++requests;
    lane.acquireId = requestId;
    acquires.put(requestId, lane);
    lane.share.tell(
        new ShareProtocol.Acquire(
            memberId,
            requestId,
            room,
            visibilityMillis,
            spec.retryPolicy().maxAttempts(),
            lane.start,
            spec.deadLetterTopic(),
            spec.priorityLevels(),
            spec.priorityAging().toMillis(),
            acquireAdapter));
    // re-issued if lost (the share-partition moved): after the long poll plus the ask timeout
    timers.startSingleTimer(
        new LaneTimer(false, lane.tp),
        new AcquireTimeout(lane.tp, requestId),
        settings.fetchMaxWait().plus(settings.askTimeout()));
  }

  private Behavior<Command> onAcquireReply(AcquireReply reply) {
    long requestId =
        reply.reply() instanceof ShareProtocol.Acquired acquiredReply
            ? acquiredReply.requestId()
            : ((ShareProtocol.ShareDeleted) reply.reply()).requestId();
    Lane lane = acquires.remove(requestId);
    if (lane == null) {
      return this; // an answer after its timeout: the records in it come back after theirs
    }
    if (reply.reply() instanceof ShareProtocol.ShareDeleted deleted) {
      return fail(
          new UnknownTopicException(
              "topic '" + deleted.topic() + "' was deleted; the subscription stops"));
    }
    ShareProtocol.Acquired acquired = (ShareProtocol.Acquired) reply.reply();
    if (lane.acquiring && lane.acquireId == acquired.requestId()) {
      lane.acquiring = false;
      timers.cancel(new LaneTimer(false, lane.tp));
    }
    if (stopped != null || failure != null) {
      // leaving: give them back at once rather than hold them for the visibility timeout
      if (!acquired.records().isEmpty()) {
        lane.share.tell(
            new ShareProtocol.Release(
                memberId,
                acquired.records().stream().mapToLong(ShareProtocol.Leased::offset).toArray(),
                0,
                null));
      }
      return finishIfDone();
    }
    Instant until = Instant.ofEpochMilli(acquired.lockedUntil());
    for (ShareProtocol.Leased record : acquired.records()) {
      invoke(lane, record, new Lease(lane, record.offset(), record.deliveryCount(), until));
    }
    maybeAcquire(lane);
    return this;
  }

  private void invoke(Lane lane, ShareProtocol.Leased record, Lease lease) {
    InHandler entry = new InHandler(record, lease);
    lane.inHandler.put(record.offset(), entry);
    RecordFormat.Decoded raw =
        new RecordFormat.Decoded(
            record.offset(), record.timestamp(), record.key(), record.value(), record.headers());
    @SuppressWarnings("unchecked")
    SubscriptionSpec<Object, Object> typed = (SubscriptionSpec<Object, Object>) spec;
    CompletableFuture<?> future =
        HandlerCall.call(
            r -> handler.handle(r, lease), typed, lane.tp, raw, record.deliveryCount(), tracing);
    if (future.isDone()) {
      getContext()
          .getSelf()
          .tell(
              new RecordDone(
                  lane.tp, record.offset(), record.deliveryCount(), HandlerCall.failureOf(future)));
      return;
    }
    scheduleLeaseCheck(lane, record.offset(), record.deliveryCount(), lease.lockedUntil());
    timers.startSingleTimer(
        new RecordTimer(false, lane.tp, record.offset()),
        new AttemptTimedOut(lane.tp, record.offset(), record.deliveryCount()),
        spec.processingTimeout());
    getContext()
        .pipeToSelf(
            future,
            (ok, error) ->
                new RecordDone(
                    lane.tp, record.offset(), record.deliveryCount(), Stages.unwrap(error)));
  }

  private void scheduleLeaseCheck(Lane lane, long offset, int delivery, Instant until) {
    long millis = Math.max(1, until.toEpochMilli() - System.currentTimeMillis());
    timers.startSingleTimer(
        new RecordTimer(true, lane.tp, offset),
        new LeaseCheck(lane.tp, offset, delivery),
        Duration.ofMillis(millis));
  }

  private Behavior<Command> onLeaseCheck(LeaseCheck check) {
    Lane lane = lanes.get(check.tp());
    InHandler entry = lane.inHandler.get(check.offset());
    if (entry == null || entry.record.deliveryCount() != check.delivery() || entry.deadLettering) {
      return this;
    }
    if (entry.lease.lockedUntil().toEpochMilli() > System.currentTimeMillis()) {
      scheduleLeaseCheck(lane, check.offset(), check.delivery(), entry.lease.lockedUntil());
      return this; // extended meanwhile
    }
    getContext()
        .getLog()
        .warn(
            "{}@{}: the handler is still running after the visibility timeout ({}); the record may"
                + " be handed to another member",
            lane.tp,
            check.offset(),
            spec.visibilityTimeout().orElseThrow());
    lane.inHandler.remove(check.offset());
    lane.expired.put(check.offset(), entry);
    maybeAcquire(lane);
    return finishIfDone();
  }

  private Behavior<Command> onRecordDone(RecordDone done) {
    Lane lane = lanes.get(done.tp());
    InHandler entry = lane.entry(done.offset());
    if (entry == null || entry.record.deliveryCount() != done.delivery() || entry.deadLettering) {
      return this;
    }
    timers.cancel(new RecordTimer(false, lane.tp, done.offset()));
    timers.cancel(new RecordTimer(true, lane.tp, done.offset()));
    ShareProtocol.Leased record = entry.record;
    meters
        .get(lane.tp.topic())
        .attempt(
            System.nanoTime() - entry.startedNanos,
            done.error() == null,
            (record.key() == null ? 0 : record.key().length)
                + (record.value() == null ? 0 : record.value().length));
    if (entry.lease.released.get()) {
      lane.remove(done.offset()); // the handler gave it back itself
    } else if (done.error() == null) {
      lane.remove(done.offset());
      lane.toAck.add(done.offset());
      flushAcks(lane);
    } else {
      FailurePolicy.Decision decision =
          FailurePolicy.decide(spec.retryPolicy(), record.deliveryCount(), done.error(), true);
      if (decision instanceof FailurePolicy.DeadLetter deadLetter) {
        deadLetter(lane, entry, deadLetter.reason(), done.error());
        return this; // stays in the handler's count until the dead letter is durable
      }
      Duration delay =
          decision instanceof FailurePolicy.Retry retry
              ? retry.delay()
              : spec.retryPolicy().initialInterval();
      getContext()
          .getLog()
          .debug(
              "{}@{} delivery {} failed, released for {}: {}",
              lane.tp,
              done.offset(),
              record.deliveryCount(),
              delay,
              done.error().toString());
      meters.get(lane.tp.topic()).retried();
      entry.lease.released.set(true);
      lane.remove(done.offset());
      lane.share.tell(
          new ShareProtocol.Release(memberId, new long[] {done.offset()}, delay.toMillis(), null));
    }
    maybeAcquire(lane);
    return finishIfDone();
  }

  private void deadLetter(Lane lane, InHandler entry, DeadLetterReason reason, Throwable error) {
    entry.deadLettering = true;
    ShareProtocol.Leased record = entry.record;
    getContext()
        .getLog()
        .warn(
            "{}@{}: dead-lettering to {} after {} deliveries ({}): {}",
            lane.tp,
            record.offset(),
            spec.deadLetterTopic(),
            record.deliveryCount(),
            reason,
            error.toString());
    SkaldMetrics.get(getContext().getSystem())
        .counter(
            "skald.consumer.dead.letters",
            "Records the group's handler failed for good, written to its dead-letter topic",
            "group",
            spec.group(),
            "reason",
            reason.name())
        .increment();
    Instant now = Instant.now();
    Map<String, String> headers =
        DeadLetterHeaders.of(
            record.headers(),
            lane.tp,
            record.offset(),
            spec.group(),
            record.deliveryCount(),
            now,
            now,
            error,
            reason);
    getContext()
        .pipeToSelf(
            deadLetters.send(record.key(), record.value(), headers),
            (meta, failed) ->
                new DeadLetterWritten(lane.tp, record.offset(), Stages.unwrap(failed)));
  }

  private Behavior<Command> onDeadLetterWritten(DeadLetterWritten written) {
    Lane lane = lanes.get(written.tp());
    InHandler entry = lane.entry(written.offset());
    if (entry == null) {
      return this;
    }
    lane.remove(written.offset());
    if (written.error() != null) {
      // never drop: give it back, it comes again (one more delivery) and is dead-lettered again
      getContext()
          .getLog()
          .warn(
              "{}@{}: writing the dead letter failed, releasing it: {}",
              lane.tp,
              written.offset(),
              written.error().toString());
      lane.share.tell(
          new ShareProtocol.Release(
              memberId,
              new long[] {written.offset()},
              spec.retryPolicy().initialInterval().toMillis(),
              null));
    } else {
      lane.toAck.add(written.offset());
      flushAcks(lane);
    }
    maybeAcquire(lane);
    return finishIfDone();
  }

  private void flushAcks(Lane lane) {
    if (lane.acking != null || lane.toAck.isEmpty()) {
      return;
    }
    long[] offsets = lane.toAck.stream().mapToLong(Long::longValue).toArray();
    lane.toAck.clear();
    sendAck(lane, offsets);
  }

  private void sendAck(Lane lane, long[] offsets) {
    lane.acking = offsets;
    acks.remove(lane.ackId);
    lane.ackId = ++requests;
    acks.put(lane.ackId, lane);
    lane.share.tell(new ShareProtocol.Acknowledge(memberId, lane.ackId, offsets, ackAdapter));
    timers.startSingleTimer(
        new LaneTimer(true, lane.tp), new AckTimeout(lane.tp, lane.ackId), settings.askTimeout());
  }

  private Behavior<Command> onAckReply(AckReply reply) {
    Lane lane = acks.remove(reply.settled().requestId());
    if (lane == null || lane.acking == null || reply.settled().requestId() != lane.ackId) {
      return this;
    }
    timers.cancel(new LaneTimer(true, lane.tp));
    acknowledged.get(lane.tp.topic()).increment(lane.acking.length);
    lane.acking = null;
    flushAcks(lane);
    return finishIfDone();
  }

  private Behavior<Command> onStop(Stop stop) {
    if (stopped != null) {
      stopped.whenComplete((d, e) -> stop.done().complete(Done.getInstance()));
      return this;
    }
    stopped = stop.done();
    return finishIfDone();
  }

  private Behavior<Command> fail(Throwable error) {
    if (failure == null) {
      failure = error;
      getContext().getLog().warn("shared member {} stops: {}", memberId, error.toString());
    }
    return finishIfDone();
  }

  /** Once leaving and every lane is idle: release what is left and stop. */
  private Behavior<Command> finishIfDone() {
    if (stopped == null && failure == null) {
      return this;
    }
    if (failure == null) {
      for (Lane lane : lanes.values()) {
        if (!lane.idle()) {
          return this;
        }
      }
    }
    for (Lane lane : lanes.values()) {
      lane.share.tell(new ShareProtocol.Leave(memberId));
    }
    view.stopped(failure);
    if (stopped != null) {
      stopped.complete(Done.getInstance());
    }
    return Behaviors.stopped();
  }
}
