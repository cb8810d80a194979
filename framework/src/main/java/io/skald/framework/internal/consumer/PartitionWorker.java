package io.skald.framework.internal.consumer;

import io.skald.framework.Stages;
import io.skald.framework.TopicPartition;
import io.skald.framework.admin.PartitionOffsets;
import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.consumer.DeliveryMode;
import io.skald.framework.consumer.HandlerFailedException;
import io.skald.framework.consumer.OrderingPolicy;
import io.skald.framework.consumer.ProcessingTimeoutException;
import io.skald.framework.consumer.RecordHandler;
import io.skald.framework.consumer.StartPosition;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.deadletter.DeadLetterReason;
import io.skald.framework.internal.Asks;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.deadletter.DeadLetterHeaders;
import io.skald.framework.internal.deadletter.DeadLetterSink;
import io.skald.framework.internal.log.PartitionEntity;
import io.skald.framework.internal.log.RecordBatch;
import io.skald.framework.internal.log.RecordFormat;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * INTERNAL API: consumes one assigned partition for a {@link ConsumerActor}: a long-polling fetcher
 * with a bounded window and the dispatcher that feeds the handler.
 *
 * <p><b>Window.</b> At most {@code prefetch} records (plus the rest of one batch) wait in memory; a
 * new fetch is issued only when fewer than half remain, so a slow handler slows fetching and never
 * grows memory.
 *
 * <p><b>Order.</b> Up to {@code parallelism} records are in the handler at once, but never two of
 * the same key, and a record never overtakes an earlier record of its key. The committable position
 * is the lowest offset not yet finished, so acks may complete out of order while commits never skip
 * an unfinished record.
 */
final class PartitionWorker<K, V> extends AbstractBehavior<PartitionWorker.Command> {

  sealed interface Command
      permits FetchReply,
          FetchTimeout,
          StartOffsets,
          RecordDone,
          Retry,
          AttemptTimedOut,
          DeadLettered,
          RewriteDeadLetter,
          CommittedUpTo,
          SeekTo,
          ReportTick,
          Drain {}

  record FetchReply(PartitionEntity.FetchResult result) implements Command {}

  record FetchTimeout(long fetchId) implements Command {}

  record StartOffsets(PartitionOffsets offsets, Throwable error) implements Command {}

  record RecordDone(long offset, int attempt, Throwable error) implements Command {}

  record Retry(long offset) implements Command {}

  record AttemptTimedOut(long offset, int attempt) implements Command {}

  record DeadLettered(long offset, DeadLetterReason reason, Throwable error) implements Command {}

  /** Write a dead letter again after its write failed. */
  record RewriteDeadLetter(long offset, DeadLetterReason reason) implements Command {}

  record SeekTo(long offset, CompletableFuture<Done> done) implements Command {}

  /** At-most-once: the group's commit now covers every offset below {@code offset}. */
  record CommittedUpTo(long offset) implements Command {}

  enum ReportTick implements Command {
    INSTANCE
  }

  enum Drain implements Command {
    INSTANCE
  }

  static <K, V> Behavior<Command> create(
      TopicPartition tp,
      long committedOffset,
      SubscriptionSpec<K, V> spec,
      RecordHandler<K, V> handler,
      SkaldSettings settings,
      DeadLetterSink deadLetters,
      ConsumerActor.Shared shared,
      ActorRef<ConsumerActor.Command> parent) {
    // A worker that fails unexpectedly starts over from its grant: the group commits only finished
    // records, so this redelivers (at-least-once) instead of stalling the partition.
    return Behaviors.supervise(
            Behaviors.<Command>setup(
                ctx ->
                    Behaviors.withTimers(
                        timers ->
                            new PartitionWorker<>(
                                ctx,
                                timers,
                                tp,
                                committedOffset,
                                spec,
                                handler,
                                settings,
                                deadLetters,
                                shared,
                                parent))))
        .onFailure(SupervisorStrategy.restart());
  }

  private final TimerScheduler<Command> timers;
  private final TopicPartition tp;
  private final SubscriptionSpec<K, V> spec;
  private final RecordHandler<K, V> handler;
  private final SkaldSettings settings;
  private final DeadLetterSink deadLetters;
  private final ActorRef<ConsumerActor.Command> parent;
  private final ConsumerActor.Shared shared;
  private final EntityRef<PartitionEntity.Command> partition;
  private final ActorRef<PartitionEntity.FetchResult> fetchAdapter;
  private final PendingRecords pending = new PendingRecords();
  private long nextFetchOffset = -1;
  private long fetchId;
  private boolean fetching;
  private boolean draining;
  private boolean failed;
  private long lastReported = -1;
  private final boolean atMostOnce;
  private long committedLimit = -1;

  private PartitionWorker(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      TopicPartition tp,
      long committedOffset,
      SubscriptionSpec<K, V> spec,
      RecordHandler<K, V> handler,
      SkaldSettings settings,
      DeadLetterSink deadLetters,
      ConsumerActor.Shared shared,
      ActorRef<ConsumerActor.Command> parent) {
    super(context);
    this.shared = shared;
    this.deadLetters = deadLetters;
    this.atMostOnce = spec.deliveryMode() == DeliveryMode.AT_MOST_ONCE;
    this.timers = timers;
    this.tp = tp;
    this.spec = spec;
    this.handler = handler;
    this.settings = settings;
    this.parent = parent;
    this.partition = PartitionEntity.ref(context.getSystem(), tp);
    this.fetchAdapter = context.messageAdapter(PartitionEntity.FetchResult.class, FetchReply::new);
    timers.startTimerWithFixedDelay(ReportTick.INSTANCE, settings.commitInterval());
    if (committedOffset >= 0) {
      nextFetchOffset = committedOffset;
      pending.restartAt(committedOffset);
      maybeFetch();
    } else {
      resolveStart();
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(FetchReply.class, this::onFetchReply)
        .onMessage(FetchTimeout.class, this::onFetchTimeout)
        .onMessage(StartOffsets.class, this::onStartOffsets)
        .onMessage(RecordDone.class, this::onRecordDone)
        .onMessage(Retry.class, this::onRetry)
        .onMessage(RewriteDeadLetter.class, this::onRewriteDeadLetter)
        .onMessage(
            AttemptTimedOut.class,
            t ->
                onRecordDone(
                    new RecordDone(
                        t.offset(),
                        t.attempt(),
                        new ProcessingTimeoutException(
                            tp
                                + "@"
                                + t.offset()
                                + " attempt "
                                + t.attempt()
                                + " did not complete within "
                                + spec.processingTimeout()))))
        .onMessage(DeadLettered.class, this::onDeadLettered)
        .onMessage(
            CommittedUpTo.class,
            c -> {
              committedLimit = Math.max(committedLimit, c.offset());
              dispatch();
              maybeFetch();
              return this;
            })
        .onMessage(ReportTick.class, t -> report())
        .onMessage(Drain.class, d -> onDrain())
        .onMessage(SeekTo.class, this::onSeek)
        .onSignal(
            PostStop.class,
            signal -> {
              shared.buffered.remove(tp);
              return this;
            })
        .build();
  }

  private void resolveStart() {
    Asks.ask(
        getContext(),
        PartitionOffsets.class,
        partition,
        settings.askTimeout(),
        PartitionEntity.GetOffsets::new,
        StartOffsets::new);
  }

  private Behavior<Command> onStartOffsets(StartOffsets msg) {
    if (nextFetchOffset >= 0 || draining) {
      return finishIfDrained();
    }
    if (msg.error() != null) {
      getContext()
          .getLog()
          .warn("{}: reading the log bounds failed, retrying: {}", tp, msg.error());
      resolveStart();
      return this;
    }
    nextFetchOffset =
        spec.startPosition() == StartPosition.EARLIEST
            ? msg.offsets().logStartOffset()
            : msg.offsets().logEndOffset();
    pending.restartAt(nextFetchOffset);
    // Report at once, so the resolved position is committed: a later owner must not re-resolve
    // LATEST to a later offset and skip the records in between.
    report();
    maybeFetch();
    return this;
  }

  private void maybeFetch() {
    if (fetching
        || draining
        || failed
        || nextFetchOffset < 0
        || pending.hasUndecoded()
        || pending.buffered() >= spec.prefetch() / 2 + 1) {
      return;
    }
    fetching = true;
    fetchId++;
    partition.tell(
        new PartitionEntity.Fetch(
            fetchId,
            nextFetchOffset,
            Math.max(1, spec.prefetch() - pending.buffered()),
            settings.maxFetchBytes(),
            fetchAdapter));
    timers.startSingleTimer("fetch", new FetchTimeout(fetchId), settings.fetchMaxWait());
  }

  private Behavior<Command> onFetchTimeout(FetchTimeout timeout) {
    if (fetching && timeout.fetchId() == fetchId) {
      fetching = false;
      maybeFetch();
    }
    return this;
  }

  private Behavior<Command> onFetchReply(FetchReply reply) {
    if (!fetching || reply.result().fetchId() != fetchId) {
      return this;
    }
    fetching = false;
    timers.cancel("fetch");
    if (reply.result() instanceof PartitionEntity.Fetched fetched) {
      // Whole batches are kept undecoded and decoded into the window as it empties, so a large
      // batch is fetched once, and the window (decoded records) never exceeds prefetch.
      for (RecordBatch batch : fetched.batches()) {
        if (batch.endOffset() > nextFetchOffset) {
          pending.addFetched(batch);
          nextFetchOffset = batch.endOffset();
        }
      }
    } else if (reply.result() instanceof PartitionEntity.OffsetOutOfRange range) {
      // Out of range (retention deleted it, or the log is shorter): reset by the start position.
      long reset =
          spec.startPosition() == StartPosition.LATEST || range.requested() > range.logEndOffset()
              ? range.logEndOffset()
              : range.logStartOffset();
      getContext()
          .getLog()
          .warn(
              "{}: offset {} is out of range [{}, {}); resetting to {}",
              tp,
              range.requested(),
              range.logStartOffset(),
              range.logEndOffset(),
              reset);
      nextFetchOffset = reset;
      pending.restartAt(reset);
    }
    if (atMostOnce) {
      // commit what was fetched before any of it reaches the handler
      report();
    }
    dispatch();
    maybeFetch();
    return this;
  }

  private void dispatch() {
    // Refill and dispatch until no record can start: handlers that complete synchronously empty
    // the window within one pass, and no completion message would come to refill it.
    while (!draining && !failed) {
      pending.refill(spec.prefetch());
      int before = pending.buffered();
      pending.dispatch(
          spec.parallelism(),
          spec.orderingPolicy() == OrderingPolicy.PARTITION_BLOCKING,
          atMostOnce ? committedLimit : Long.MAX_VALUE,
          entry -> {
            if (!failed) {
              invoke(entry);
            }
          });
      if (!pending.hasUndecoded() || pending.buffered() == before) {
        break;
      }
    }
    shared.buffered.put(tp, pending.buffered());
  }

  /** Calls the handler; a stage that is already complete is settled here, without a message. */
  private void invoke(PendingRecords.InFlight entry) {
    pending.beginExecution(entry);
    RecordFormat.Decoded raw = entry.record;
    int attempt = entry.attempt;
    CompletionStage<?> stage;
    try {
      K key = raw.key() == null ? null : spec.keyCodec().decode(raw.key());
      V value = raw.value() == null ? null : spec.valueCodec().decode(raw.value());
      stage =
          handler.handle(
              new ConsumerRecord<>(
                  tp.topic(),
                  tp.partition(),
                  raw.offset(),
                  raw.timestamp(),
                  key,
                  value,
                  raw.headers(),
                  attempt));
      if (stage == null) {
        throw new NullPointerException("the handler returned null instead of a CompletionStage");
      }
    } catch (Throwable e) {
      stage = CompletableFuture.failedFuture(e);
    }
    // plain, so that completing it does not start a thread (see Stages)
    CompletableFuture<?> future = Stages.inline(stage);
    if (future.isDone()) {
      settle(new RecordDone(raw.offset(), attempt, failureOf(future)));
    } else {
      entry.timerStarted = true;
      timers.startSingleTimer(
          timeoutKey(raw.offset()),
          new AttemptTimedOut(raw.offset(), attempt),
          spec.processingTimeout());
      getContext()
          .pipeToSelf(
              future, (ok, error) -> new RecordDone(raw.offset(), attempt, Stages.unwrap(error)));
    }
  }

  private static String timeoutKey(long offset) {
    return "timeout-" + offset;
  }

  private Behavior<Command> onRecordDone(RecordDone done) {
    settle(done);
    if (!draining) {
      dispatch();
      maybeFetch();
    }
    return finishIfDrained();
  }

  /** Records the outcome of an attempt: done, retry later, dead-letter, or fail. */
  private void settle(RecordDone done) {
    PendingRecords.InFlight entry = pending.get(done.offset());
    if (entry == null || entry.attempt != done.attempt() || !entry.executing) {
      return;
    }
    pending.endExecution(entry);
    if (entry.timerStarted) {
      timers.cancel(timeoutKey(done.offset()));
      entry.timerStarted = false;
    }
    if (done.error() == null) {
      pending.finish(entry);
      return;
    }
    if (draining) {
      return;
    }
    if (entry.firstFailure == null) {
      entry.firstFailure = Instant.now();
    }
    entry.lastError = done.error();
    FailurePolicy.Decision decision =
        FailurePolicy.decide(spec.retryPolicy(), entry.attempt, done.error(), deadLetters != null);
    if (decision instanceof FailurePolicy.Retry retry) {
      getContext()
          .getLog()
          .debug(
              "{}@{} attempt {} failed, retrying: {}",
              tp,
              done.offset(),
              entry.attempt,
              done.error().toString());
      timers.startSingleTimer(retryKey(done.offset()), new Retry(done.offset()), retry.delay());
      return;
    }
    if (decision instanceof FailurePolicy.DeadLetter deadLetter) {
      deadLetter(entry, deadLetter.reason());
      return;
    }
    failed = true;
    parent.tell(
        new ConsumerActor.WorkerFailed(
            tp, new HandlerFailedException(tp, done.offset(), entry.attempt, done.error())));
  }

  private static String retryKey(long offset) {
    return "retry-" + offset;
  }

  /**
   * Writes the record to the dead-letter topic; the original is acknowledged only once that write
   * is durable. While it is in flight the record counts as executing, so a drain waits for it.
   */
  private void deadLetter(PendingRecords.InFlight entry, DeadLetterReason reason) {
    RecordFormat.Decoded raw = entry.record;
    getContext()
        .getLog()
        .warn(
            "{}@{}: dead-lettering to {} after {} attempt(s) ({}): {}",
            tp,
            raw.offset(),
            spec.deadLetterTopic(),
            entry.attempt,
            reason,
            entry.lastError.toString());
    Map<String, String> headers =
        DeadLetterHeaders.of(
            raw.headers(),
            tp,
            raw.offset(),
            spec.group(),
            entry.attempt,
            entry.firstFailure,
            Instant.now(),
            entry.lastError,
            reason);
    pending.beginExecution(entry);
    getContext()
        .pipeToSelf(
            deadLetters.send(raw.key(), raw.value(), headers),
            (meta, error) -> new DeadLettered(raw.offset(), reason, Stages.unwrap(error)));
  }

  private Behavior<Command> onDeadLettered(DeadLettered done) {
    PendingRecords.InFlight entry = pending.get(done.offset());
    if (entry == null || !entry.executing) {
      return this;
    }
    pending.endExecution(entry);
    if (done.error() != null) {
      // Never drop: keep the record and write it again after a pause.
      getContext()
          .getLog()
          .warn(
              "{}@{}: writing the dead letter failed, retrying: {}",
              tp,
              done.offset(),
              done.error().toString());
      timers.startSingleTimer(
          retryKey(done.offset()),
          new RewriteDeadLetter(done.offset(), done.reason()),
          spec.retryPolicy().initialInterval());
      return this;
    }
    pending.finish(entry);
    if (!draining) {
      dispatch();
      maybeFetch();
    }
    return finishIfDrained();
  }

  private Behavior<Command> onRewriteDeadLetter(RewriteDeadLetter rewrite) {
    PendingRecords.InFlight entry = pending.get(rewrite.offset());
    if (entry == null || entry.executing || failed) {
      return finishIfDrained();
    }
    // a record whose dead-letter write failed keeps its reason (and is not attempted again)
    deadLetter(entry, rewrite.reason());
    return this;
  }

  private Behavior<Command> onRetry(Retry retry) {
    PendingRecords.InFlight entry = pending.get(retry.offset());
    if (entry == null || entry.executing || draining || failed) {
      return finishIfDrained();
    }
    entry.attempt++;
    invoke(entry);
    dispatch();
    maybeFetch();
    return this;
  }

  private long committable() {
    return atMostOnce ? nextFetchOffset : pending.committable(nextFetchOffset);
  }

  private Behavior<Command> report() {
    if (nextFetchOffset >= 0) {
      long position = committable();
      if (position != lastReported) {
        lastReported = position;
        parent.tell(new ConsumerActor.WorkerProgress(tp, position));
      }
    }
    return this;
  }

  /**
   * Drops what is fetched and not started and continues at the offset; an answer to the fetch in
   * flight is ignored (its id no longer matches). An offset out of the retained range is reset by
   * the partition's out-of-range answer.
   */
  private Behavior<Command> onSeek(SeekTo seek) {
    nextFetchOffset = Math.max(0, seek.offset());
    pending.restartAt(nextFetchOffset);
    if (atMostOnce) {
      committedLimit = nextFetchOffset; // records from here wait for their commit again
    }
    fetching = false;
    fetchId++;
    timers.cancel("fetch");
    shared.buffered.put(tp, pending.buffered());
    report();
    maybeFetch();
    seek.done().complete(Done.getInstance());
    return this;
  }

  private Behavior<Command> onDrain() {
    draining = true;
    timers.cancel("fetch");
    return finishIfDrained();
  }

  private Behavior<Command> finishIfDrained() {
    if (draining && pending.executing() == 0) {
      parent.tell(new ConsumerActor.WorkerDrained(tp, nextFetchOffset < 0 ? -1 : committable()));
      return Behaviors.stopped();
    }
    return this;
  }

  private static Throwable failureOf(CompletableFuture<?> future) {
    try {
      future.get();
      return null;
    } catch (ExecutionException e) {
      return Stages.unwrap(e.getCause());
    } catch (Throwable e) {
      return Stages.unwrap(e);
    }
  }
}
