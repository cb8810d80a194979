package io.skald.framework.internal.consumer;

import io.skald.framework.Stages;
import io.skald.framework.TopicPartition;
import io.skald.framework.admin.PartitionOffsets;
import io.skald.framework.consumer.DeliveryMode;
import io.skald.framework.consumer.HandlerFailedException;
import io.skald.framework.consumer.OrderingPolicy;
import io.skald.framework.consumer.RecordHandler;
import io.skald.framework.consumer.StartPosition;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.deadletter.DeadLetterReason;
import io.skald.framework.internal.Asks;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.consumer.WorkerProtocol.AttemptTimedOut;
import io.skald.framework.internal.consumer.WorkerProtocol.AttemptTimer;
import io.skald.framework.internal.consumer.WorkerProtocol.Command;
import io.skald.framework.internal.consumer.WorkerProtocol.CommittedUpTo;
import io.skald.framework.internal.consumer.WorkerProtocol.DeadLettered;
import io.skald.framework.internal.consumer.WorkerProtocol.Drain;
import io.skald.framework.internal.consumer.WorkerProtocol.FetchReply;
import io.skald.framework.internal.consumer.WorkerProtocol.FetchTimeout;
import io.skald.framework.internal.consumer.WorkerProtocol.FetchTimer;
import io.skald.framework.internal.consumer.WorkerProtocol.RecordDone;
import io.skald.framework.internal.consumer.WorkerProtocol.ReportTick;
import io.skald.framework.internal.consumer.WorkerProtocol.Retry;
import io.skald.framework.internal.consumer.WorkerProtocol.RetryTimer;
import io.skald.framework.internal.consumer.WorkerProtocol.RewriteDeadLetter;
import io.skald.framework.internal.consumer.WorkerProtocol.SeekTo;
import io.skald.framework.internal.consumer.WorkerProtocol.StartDecided;
import io.skald.framework.internal.consumer.WorkerProtocol.StartOffsets;
import io.skald.framework.internal.consumer.WorkerProtocol.StartRetry;
import io.skald.framework.internal.deadletter.DeadLetterHeaders;
import io.skald.framework.internal.deadletter.DeadLetterSink;
import io.skald.framework.internal.log.PartitionEntity;
import io.skald.framework.internal.log.PartitionProtocol;
import io.skald.framework.internal.log.RecordBatch;
import io.skald.framework.internal.log.RecordFormat;
import io.skald.framework.internal.metrics.SkaldMetrics;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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
 *
 * <p>Why this file is over 400 lines: it is one state machine around the partition's window (fetch
 * answers, record outcomes, retries, dead-letter writes, seek, drain), whose handlers share the
 * window's state. The parts that need no actor are out of it: the fetch position in {@link
 * Fetcher}, the window in {@link PendingRecords}, the decision on a failure in {@link
 * FailurePolicy}, the handler call in {@link HandlerCall}, the protocol in {@link WorkerProtocol}.
 */
final class PartitionWorker<K, V> extends AbstractBehavior<Command> {

  /**
   * What a worker is given.
   *
   * @param tp its partition
   * @param committedOffset the group's committed offset there, or -1 to resolve the start position
   * @param spec the subscription
   * @param handler the record handler
   * @param settings Skald's settings
   * @param deadLetters where failed records go, or null to fail the subscription instead
   * @param view what the member publishes to its handle
   * @param parent the member
   * @param <K> key type
   * @param <V> value type
   */
  record Setup<K, V>(
      TopicPartition tp,
      long committedOffset,
      SubscriptionSpec<K, V> spec,
      RecordHandler<K, V> handler,
      SkaldSettings settings,
      DeadLetterSink deadLetters,
      MemberView view,
      ActorRef<ConsumerActor.Command> parent) {}

  static <K, V> Behavior<Command> create(Setup<K, V> setup) {
    // A worker that fails unexpectedly starts over from its grant: the group commits only finished
    // records, so this redelivers (at-least-once) instead of stalling the partition.
    return Behaviors.supervise(
            Behaviors.<Command>setup(
                ctx -> Behaviors.withTimers(timers -> new PartitionWorker<>(ctx, timers, setup))))
        .onFailure(SupervisorStrategy.restart());
  }

  private final TimerScheduler<Command> timers;
  private final TopicPartition tp;
  private final SubscriptionSpec<K, V> spec;

  /** Records of this partition in the handler at most: fixed, or moved by autoscaling. */
  private int parallelism;

  private final io.skald.framework.consumer.Autoscaling autoscaling;

  /** Since when (nano time) the lag is above the scale-up line, or below the scale-down line. */
  private long aboveSince;

  private long belowSince;
  private boolean above;
  private boolean below;

  /** The subscription's filter expression, evaluated by the partition; null for none. */
  private final String filter;

  private final RecordHandler<K, V> handler;
  private final SkaldSettings settings;
  private final DeadLetterSink deadLetters;
  private final ActorRef<ConsumerActor.Command> parent;
  private final MemberView shared;
  private final EntityRef<PartitionProtocol.Command> partition;
  private final ActorRef<PartitionProtocol.FetchResult> fetchAdapter;
  private final PendingRecords pending = new PendingRecords();
  private final Fetcher fetcher = new Fetcher();
  private boolean draining;
  private boolean paused;
  private boolean failed;
  private long lastReported = -1;
  private final boolean atMostOnce;
  private long committedLimit = -1;
  private final SkaldMetrics metrics;
  private final io.skald.framework.internal.tracing.SkaldTracing tracing;
  private final SkaldMetrics.ConsumerMeters meters;
  private final SkaldMetrics.PartitionGauge lag;
  private long logEnd = -1;

  private PartitionWorker(
      ActorContext<Command> context, TimerScheduler<Command> timers, Setup<K, V> setup) {
    super(context);
    this.shared = setup.view();
    this.deadLetters = setup.deadLetters();
    this.atMostOnce = setup.spec().deliveryMode() == DeliveryMode.AT_MOST_ONCE;
    this.timers = timers;
    this.tp = setup.tp();
    this.spec = setup.spec();
    this.autoscaling = spec.autoscaling().orElse(null);
    this.parallelism = autoscaling == null ? spec.parallelism() : autoscaling.min();
    this.filter =
        spec.filter().map(io.skald.framework.consumer.RecordFilter::expression).orElse(null);
    this.handler = setup.handler();
    this.settings = setup.settings();
    this.parent = setup.parent();
    this.metrics = SkaldMetrics.get(context.getSystem());
    this.tracing = io.skald.framework.internal.tracing.SkaldTracing.get(context.getSystem());
    this.meters = metrics.consumer(spec.group(), tp.topic());
    this.lag =
        metrics.partitionGauge(
            "skald.consumer.lag",
            "Records of the partition after the group's position (log end - position)",
            "group",
            spec.group(),
            "topic",
            tp.topic(),
            "partition",
            Integer.toString(tp.partition()));
    long committedOffset = setup.committedOffset();
    this.partition = PartitionEntity.ref(context.getSystem(), tp);
    this.fetchAdapter =
        context.messageAdapter(PartitionProtocol.FetchResult.class, FetchReply::new);
    timers.startTimerWithFixedDelay(ReportTick.INSTANCE, settings.commitInterval());
    if (handler instanceof PartitionStart) {
      askStart(committedOffset);
    } else {
      startAt(committedOffset);
    }
  }

  private void startAt(long offset) {
    if (offset >= 0) {
      fetcher.moveTo(offset);
      pending.restartAt(offset);
      maybeFetch();
    } else {
      resolveStart();
    }
  }

  private void askStart(long granted) {
    getContext()
        .pipeToSelf(
            Stages.inline(((PartitionStart) handler).start(tp, granted)),
            (offset, error) ->
                new StartDecided(granted, offset == null ? -1 : offset, Stages.unwrap(error)));
  }

  private Behavior<Command> onStartDecided(StartDecided decided) {
    if (fetcher.started() || draining) {
      return finishIfDrained();
    }
    if (decided.error() != null) {
      getContext()
          .getLog()
          .warn("{}: deciding where to start failed, retrying: {}", tp, decided.error().toString());
      timers.startSingleTimer(new StartRetry(decided.granted()), java.time.Duration.ofSeconds(1));
      return this;
    }
    startAt(decided.offset());
    return this;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(FetchReply.class, this::onFetchReply)
        .onMessage(FetchTimeout.class, this::onFetchTimeout)
        .onMessage(StartOffsets.class, this::onStartOffsets)
        .onMessage(StartDecided.class, this::onStartDecided)
        .onMessage(
            StartRetry.class,
            retry -> {
              if (!fetcher.started() && !draining) {
                askStart(retry.granted());
              }
              return this;
            })
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
                        HandlerCall.timedOut(
                            tp, t.offset(), t.attempt(), spec.processingTimeout()))))
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
        .onMessage(
            WorkerProtocol.Pause.class,
            p -> {
              paused = true;
              return this;
            })
        .onMessage(
            WorkerProtocol.Resume.class,
            r -> {
              if (paused) {
                paused = false;
                dispatch();
                maybeFetch();
                retryParked();
              }
              return this;
            })
        .onMessage(SeekTo.class, this::onSeek)
        .onSignal(
            PostStop.class,
            signal -> {
              shared.released(tp);
              lag.remove();
              return this;
            })
        .onSignal(
            org.apache.pekko.actor.typed.PreRestart.class,
            signal -> {
              lag.remove(); // the restarted worker registers its own
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
        PartitionProtocol.GetOffsets::new,
        StartOffsets::new);
  }

  private Behavior<Command> onStartOffsets(StartOffsets msg) {
    if (fetcher.started() || draining) {
      return finishIfDrained();
    }
    if (msg.error() != null) {
      getContext()
          .getLog()
          .warn("{}: reading the log bounds failed, retrying: {}", tp, msg.error());
      resolveStart();
      return this;
    }
    long start =
        spec.startPosition() == StartPosition.EARLIEST
            ? msg.offsets().logStartOffset()
            : msg.offsets().logEndOffset();
    fetcher.moveTo(start);
    pending.restartAt(start);
    // Report at once, so the resolved position is committed: a later owner must not re-resolve
    // LATEST to a later offset and skip the records in between.
    report();
    maybeFetch();
    return this;
  }

  private void maybeFetch() {
    if (fetcher.inFlight()
        || draining
        || failed
        || !fetcher.started()
        || pending.hasUndecoded()
        || pending.buffered() >= spec.prefetch() / 2 + 1) {
      return;
    }
    partition.tell(
        fetcher.begin(
            Math.max(1, spec.prefetch() - pending.buffered()),
            settings.maxFetchBytes(),
            fetchAdapter,
            filter));
    timers.startSingleTimer(
        FetchTimer.INSTANCE, new FetchTimeout(fetcher.currentId()), settings.fetchMaxWait());
  }

  private Behavior<Command> onFetchTimeout(FetchTimeout timeout) {
    if (fetcher.end(timeout.fetchId())) {
      maybeFetch();
    }
    return this;
  }

  private Behavior<Command> onFetchReply(FetchReply reply) {
    if (!fetcher.end(reply.result().fetchId())) {
      return this;
    }
    timers.cancel(FetchTimer.INSTANCE);
    if (reply.result() instanceof PartitionProtocol.Fetched fetched) {
      logEnd = fetched.logEndOffset();
      // Whole batches are kept undecoded and decoded into the window as it empties, so a large
      // batch is fetched once, and the window (decoded records) never exceeds prefetch.
      for (RecordBatch batch : fetched.batches()) {
        if (fetcher.advancePast(batch)) {
          pending.addFetched(batch);
        }
      }
      // a filtered fetch also moves past the records the partition examined and did not send
      fetcher.skipTo(fetched.nextOffset());
    } else if (reply.result() instanceof PartitionProtocol.PartitionDeleted deleted) {
      failed = true;
      parent.tell(
          new ConsumerActor.WorkerFailed(
              tp,
              new io.skald.framework.UnknownTopicException(
                  "topic '" + deleted.topic() + "' was deleted; the subscription stops")));
      return this;
    } else if (reply.result() instanceof PartitionProtocol.OffsetOutOfRange range) {
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
      fetcher.moveTo(reset);
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
    while (!draining && !failed && !paused) {
      pending.refill(spec.prefetch());
      int before = pending.buffered();
      pending.dispatch(
          parallelism,
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
    shared.buffered(tp, pending.buffered());
  }

  /** Calls the handler; a stage that is already complete is settled here, without a message. */
  private final java.util.List<Long> parkedRetries = new java.util.ArrayList<>();

  private void retryParked() {
    java.util.List<Long> parked = new java.util.ArrayList<>(parkedRetries);
    parkedRetries.clear();
    parked.forEach(offset -> getContext().getSelf().tell(new Retry(offset)));
  }

  private void invoke(PendingRecords.InFlight entry) {
    pending.beginExecution(entry);
    entry.startedNanos = System.nanoTime();
    RecordFormat.Decoded raw = entry.record;
    int attempt = entry.attempt;
    CompletableFuture<?> future = HandlerCall.call(handler, spec, tp, raw, attempt, tracing);
    if (future.isDone()) {
      settle(new RecordDone(raw.offset(), attempt, HandlerCall.failureOf(future)), entry);
    } else {
      entry.timerStarted = true;
      timers.startSingleTimer(
          new AttemptTimer(raw.offset()),
          new AttemptTimedOut(raw.offset(), attempt),
          spec.processingTimeout());
      getContext()
          .pipeToSelf(
              future, (ok, error) -> new RecordDone(raw.offset(), attempt, Stages.unwrap(error)));
    }
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
    settle(done, pending.get(done.offset()));
  }

  /**
   * Records the outcome of an attempt of {@code entry} (looked up by offset for an answer that came
   * as a message; passed directly when the handler completed within its call, before the record is
   * tracked by offset).
   */
  private void settle(RecordDone done, PendingRecords.InFlight entry) {
    if (entry == null || entry.attempt != done.attempt() || !entry.executing) {
      return;
    }
    pending.endExecution(entry);
    if (entry.timerStarted) {
      timers.cancel(new AttemptTimer(done.offset()));
      entry.timerStarted = false;
    }
    meters.attempt(
        System.nanoTime() - entry.startedNanos,
        done.error() == null,
        (entry.record.key() == null ? 0 : entry.record.key().length)
            + (entry.record.value() == null ? 0 : entry.record.value().length));
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
      meters.retried();
      timers.startSingleTimer(
          new RetryTimer(done.offset()), new Retry(done.offset()), retry.delay());
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

  /**
   * Writes the record to the dead-letter topic; the original is acknowledged only once that write
   * is durable. While it is in flight the record counts as executing, so a drain waits for it.
   */
  private void deadLetter(PendingRecords.InFlight entry, DeadLetterReason reason) {
    RecordFormat.Decoded raw = entry.record;
    metrics
        .counter(
            "skald.consumer.dead.letters",
            "Records the group's handler failed for good, written to its dead-letter topic",
            "group",
            spec.group(),
            "reason",
            reason.name())
        .increment();
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
          new RetryTimer(done.offset()),
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
    if (paused) {
      parkedRetries.add(retry.offset()); // started on Resume
      return this;
    }
    entry.attempt++;
    invoke(entry);
    dispatch();
    maybeFetch();
    return this;
  }

  /** Doubles or halves the parallelism once the lag stayed past a line long enough. */
  private void autoscale(long currentLag) {
    long now = System.nanoTime();
    boolean nowAbove = currentLag > autoscaling.scaleUpLag();
    boolean nowBelow = currentLag <= autoscaling.scaleDownLag();
    if (nowAbove && !above) {
      aboveSince = now;
    }
    if (nowBelow && !below) {
      belowSince = now;
    }
    above = nowAbove;
    below = nowBelow;
    int next = parallelism;
    if (above && now - aboveSince >= autoscaling.scaleUpAfter().toNanos()) {
      next = Math.min(autoscaling.max(), parallelism * 2);
      aboveSince = now; // the next doubling waits as long again
    } else if (below && now - belowSince >= autoscaling.scaleDownAfter().toNanos()) {
      next = Math.max(autoscaling.min(), parallelism / 2);
      belowSince = now;
    }
    if (next != parallelism) {
      getContext()
          .getLog()
          .info(
              "group {}: {} parallelism {} -> {} (lag {})",
              spec.group(),
              tp,
              parallelism,
              next,
              currentLag);
      io.skald.framework.internal.metrics.SkaldMetrics.get(getContext().getSystem())
          .counter(
              "skald.consumer.autoscaled",
              "Parallelism changes of autoscaling subscriptions",
              "group",
              spec.group(),
              "direction",
              next > parallelism ? "up" : "down")
          .increment();
      parallelism = next;
      dispatch(); // more records may start now
    }
  }

  private long committable() {
    return atMostOnce ? fetcher.next() : pending.committable(fetcher.next());
  }

  private Behavior<Command> report() {
    if (fetcher.started()) {
      long position = committable();
      if (logEnd >= 0) {
        lag.set(Math.max(0, logEnd - position));
        if (autoscaling != null) {
          autoscale(Math.max(0, logEnd - position));
        }
      }
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
    long to = Math.max(0, seek.offset());
    fetcher.moveTo(to);
    pending.restartAt(to);
    if (atMostOnce) {
      committedLimit = to; // records from here wait for their commit again
    }
    timers.cancel(FetchTimer.INSTANCE);
    shared.buffered(tp, pending.buffered());
    report();
    maybeFetch();
    seek.done().complete(Done.getInstance());
    return this;
  }

  private Behavior<Command> onDrain() {
    draining = true;
    timers.cancel(FetchTimer.INSTANCE);
    return finishIfDrained();
  }

  private Behavior<Command> finishIfDrained() {
    if (draining && pending.executing() == 0) {
      parent.tell(new ConsumerActor.WorkerDrained(tp, fetcher.started() ? committable() : -1));
      return Behaviors.stopped();
    }
    return this;
  }
}
