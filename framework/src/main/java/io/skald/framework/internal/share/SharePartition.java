package io.skald.framework.internal.share;

import io.skald.framework.Stages;
import io.skald.framework.TopicPartition;
import io.skald.framework.admin.PartitionOffsets;
import io.skald.framework.consumer.LeaseLostException;
import io.skald.framework.consumer.StartPosition;
import io.skald.framework.deadletter.DeadLetterReason;
import io.skald.framework.internal.Asks;
import io.skald.framework.internal.EntityIds;
import io.skald.framework.internal.EntitySupport;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.deadletter.DeadLetterHeaders;
import io.skald.framework.internal.deadletter.DeadLetterSink;
import io.skald.framework.internal.log.PartitionEntity;
import io.skald.framework.internal.log.PartitionProtocol;
import io.skald.framework.internal.log.RecordBatch;
import io.skald.framework.internal.log.RecordFormat;
import io.skald.framework.internal.metrics.SkaldMetrics;
import io.skald.framework.internal.share.ShareProtocol.Acknowledge;
import io.skald.framework.internal.share.ShareProtocol.Acquire;
import io.skald.framework.internal.share.ShareProtocol.Acquired;
import io.skald.framework.internal.share.ShareProtocol.Command;
import io.skald.framework.internal.share.ShareProtocol.Event;
import io.skald.framework.internal.share.ShareProtocol.Extend;
import io.skald.framework.internal.share.ShareProtocol.Leased;
import io.skald.framework.internal.share.ShareProtocol.Leave;
import io.skald.framework.internal.share.ShareProtocol.LocksExtended;
import io.skald.framework.internal.share.ShareProtocol.RecordsAcknowledged;
import io.skald.framework.internal.share.ShareProtocol.RecordsAcquired;
import io.skald.framework.internal.share.ShareProtocol.RecordsDeadLettered;
import io.skald.framework.internal.share.ShareProtocol.RecordsReleased;
import io.skald.framework.internal.share.ShareProtocol.Release;
import io.skald.framework.internal.share.ShareProtocol.Settled;
import io.skald.framework.internal.share.ShareProtocol.ShareDeleted;
import io.skald.framework.internal.share.ShareProtocol.ShareStarted;
import io.skald.framework.internal.share.ShareProtocol.StartMoved;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * INTERNAL API: one partition of one shared group (Kafka's share-partition, KIP-932): reads the
 * partition and hands its records to the group's members under locks that run out after the
 * visibility timeout, so any number of members work on one partition, and a record whose member
 * died goes to another one.
 *
 * <p><b>Durability.</b> Every acquisition (delivery count, lock holder, lock end), acknowledgement,
 * release, extension and dead letter is an event, written before the member hears of it: after a
 * restart the locks still hold (no redelivery storm when the entity moves), acknowledged records
 * are never handed out again, and delivery counts keep growing, so a record that kills its members
 * reaches the delivery limit and is dead-lettered instead of looping forever.
 *
 * <p><b>Batching.</b> Requests are queued and applied by one {@code Flush} per mailbox drain: the
 * state changes at once (nothing else runs until the write completes, Pekko stashes meanwhile) and
 * the events of every queued request are one journal write. The event handler therefore applies
 * events only during recovery.
 *
 * <p><b>Window.</b> At most {@code skald.framework.consumer.shared.max-in-flight} unsettled records
 * are kept in memory; reading the partition waits while the window is full, so a stalled group
 * never grows memory.
 *
 * <p>Why this file is over 400 lines: it is one state machine around the window (fetching,
 * acquisitions, settlements, lock expiry, dead letters); the durable part of its state is {@link
 * ShareState}, the protocol {@link ShareProtocol}.
 */
public final class SharePartition extends AbstractBehavior<Command> {

  /** The sharding entity type; the entity id is {@code <group>~<topic>~<partition>}. */
  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY =
      EntityTypeKey.create(Command.class, "skald-share-partition");

  /** Requests kept while the journal recovers; more are dropped (their senders retry). */
  private static final int STASH = 10_000;

  /** How often locks and delays are checked and waiting acquires answered. */
  static final Duration TICK = Duration.ofMillis(50);

  /** Messages the entity sends itself. */
  sealed interface Internal extends Command
      permits Flush,
          Tick,
          RetryStart,
          HandOff,
          StartResolved,
          FetchReply,
          FetchTimeout,
          DeadLetterWritten,
          ShareJournal.Recovered,
          ShareJournal.Written {}

  /** Applies the queued requests. */
  enum Flush implements Internal {
    INSTANCE
  }

  /** Runs out locks, delays and long polls. */
  enum Tick implements Internal {
    INSTANCE
  }

  /** Reads the log bounds again after a failure. */
  enum RetryStart implements Internal {
    INSTANCE
  }

  /**
   * Sharding's stop message (hand-off, passivation): the journal writes what it has queued before
   * both stop, so a node that shuts down keeps every acquisition it handed out.
   */
  enum HandOff implements Internal {
    INSTANCE
  }

  record StartResolved(PartitionOffsets offsets, Throwable error) implements Internal {}

  record FetchReply(PartitionProtocol.FetchResult result) implements Internal {}

  record FetchTimeout(long fetchId) implements Internal {}

  record DeadLetterWritten(long offset, Throwable error) implements Internal {}

  /**
   * Registers the entity type.
   *
   * @param system the actor system
   * @param settings Skald's settings
   * @param deadLetters the dead-letter writer of a dead-letter topic
   */
  public static void init(
      ActorSystem<?> system, SkaldSettings settings, Function<String, DeadLetterSink> deadLetters) {
    ClusterSharding.get(system)
        .init(
            EntitySupport.passivating(
                settings,
                ENTITY_TYPE_KEY,
                (ctx, timers, id, shard) ->
                    Behaviors.withStash(
                        STASH,
                        stash ->
                            new SharePartition(ctx, timers, stash, id, settings, deadLetters))));
  }

  /**
   * The share-partition of a group on a partition.
   *
   * @param system the actor system
   * @param group the group
   * @param tp the partition
   * @return its entity ref
   */
  public static EntityRef<Command> ref(ActorSystem<?> system, String group, TopicPartition tp) {
    return ClusterSharding.get(system).entityRefFor(ENTITY_TYPE_KEY, entityId(group, tp));
  }

  /**
   * The entity id: group names and topic names cannot contain {@code ~}.
   *
   * @param group the group
   * @param tp the partition
   * @return {@code <group>~<topic>~<partition>}
   */
  static String entityId(String group, TopicPartition tp) {
    return group + "~" + EntityIds.of(tp);
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final SkaldSettings settings;
  private final String group;
  private final TopicPartition tp;
  private final Function<String, DeadLetterSink> deadLetterSinks;
  private final EntityRef<PartitionProtocol.Command> partition;
  private final ActorRef<PartitionProtocol.FetchResult> fetchAdapter;
  private final SkaldMetrics.PartitionGauge backlogGauge;
  private final io.micrometer.core.instrument.Counter expired;
  private final io.micrometer.core.instrument.Counter deadLettered;

  /** The state: changed at once by each request; its events follow to the journal. */
  private ShareState state = new ShareState();

  private boolean recovered;
  private boolean handingOff;
  private final StashBuffer<Command> stash;
  private final ActorRef<ShareJournal.Command> journal;
  private long writeToken;
  private boolean writing;

  /** Events changed in the state and not yet sent to the journal. */
  private final List<Event> unwritten = new ArrayList<>();

  /** What to do once a write is durable, by token. */
  private final java.util.ArrayDeque<Map.Entry<Long, Runnable>> afterWrites =
      new java.util.ArrayDeque<>();

  /** Unsettled records read from the partition, by offset: every one from the start on. */
  private final TreeMap<Long, RecordFormat.Decoded> window = new TreeMap<>();

  /** Records of the window that may be handed out now, by priority. */
  private final ReadyQueue ready = new ReadyQueue();

  /** The group's priority levels (1: none), from its members' acquires. */
  private int priorityLevels = 1;

  /** Where reading ahead for records of a priority above 0 continues (-1: not started). */
  private long aheadFrom = -1;

  private long aheadFetchId;
  private boolean aheadFetching;

  /** Records of the window read ahead of the main cursor (priority above 0). */
  private final Set<Long> ahead = new HashSet<>();

  /** Records being written to the dead-letter topic. */
  private final Set<Long> archiving = new HashSet<>();

  /** Waiting acquires by member, oldest first (served round-robin). */
  private final LinkedHashMap<String, Waiter> waiters = new LinkedHashMap<>();

  /** Acknowledge, release, extend and leave requests and dead letters to apply at the flush. */
  private final List<Object> queued = new ArrayList<>();

  private boolean flushScheduled;
  private boolean resolvingStart;
  private boolean deleted;

  /** Every unsettled record below this offset (and from the start on) is in the window. */
  private long fetchedUpTo = -1;

  /** Where the next fetch starts: after the last fetched batch. */
  private long fetchFrom = -1;

  /** Fetched batches not yet decoded into the window, and the cursor in the first one. */
  private final java.util.ArrayDeque<RecordBatch> undecoded = new java.util.ArrayDeque<>();

  private RecordFormat.Cursor cursor;
  private long fetchId;
  private boolean fetching;
  private long logEnd = -1;
  private int deliveryLimit = Integer.MAX_VALUE;
  private String deadLetterTopic;
  private StartPosition startPosition = StartPosition.EARLIEST;

  /** An acquire waiting for records. */
  private record Waiter(Acquire request, long deadline) {}

  /** A record of the dead-letter topic is durable: settle the original. */
  private record DeadLettered(long offset) {}

  private SharePartition(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      StashBuffer<Command> stash,
      String entityId,
      SkaldSettings settings,
      Function<String, DeadLetterSink> deadLetterSinks) {
    super(context);
    this.context = context;
    this.stash = stash;
    this.timers = timers;
    this.settings = settings;
    this.deadLetterSinks = deadLetterSinks;
    int separator = entityId.indexOf('~');
    this.group = entityId.substring(0, separator);
    this.tp = EntityIds.topicPartition(entityId.substring(separator + 1));
    this.partition = PartitionEntity.ref(context.getSystem(), tp);
    this.fetchAdapter =
        context.messageAdapter(PartitionProtocol.FetchResult.class, FetchReply::new);
    SkaldMetrics metrics = SkaldMetrics.get(context.getSystem());
    this.backlogGauge =
        metrics.partitionGauge(
            "skald.share.backlog",
            "Records of the partition a shared group has not acknowledged yet",
            "group",
            group,
            "topic",
            tp.topic(),
            "partition",
            Integer.toString(tp.partition()));
    this.expired =
        metrics.counter(
            "skald.share.lease.expired",
            "Records of a shared group whose lock ran out before an acknowledgement",
            "group",
            group,
            "topic",
            tp.topic());
    this.deadLettered =
        metrics.counter(
            "skald.share.dead.letters",
            "Records of a shared group dead-lettered for reaching the delivery limit",
            "group",
            group,
            "topic",
            tp.topic());
    this.journal =
        context.spawn(ShareJournal.create(entityId, settings, context.getSelf()), "journal");
    context.watch(journal);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(ShareJournal.Recovered.class, this::onRecovered)
        .onMessage(
            HandOff.class,
            handOff -> {
              handingOff = true;
              if (!unwritten.isEmpty()) {
                writeToken++;
                journal.tell(new ShareJournal.Write(List.copyOf(unwritten), writeToken));
                unwritten.clear();
              }
              journal.tell(ShareJournal.FlushAndStop.INSTANCE);
              return this; // stops when the journal has
            })
        .onMessage(Command.class, command -> !recovered, this::stashWhileRecovering)
        // handing off: nothing more is written (its senders retry with the next incarnation)
        .onMessage(Command.class, command -> handingOff, command -> this)
        .onMessage(ShareJournal.Written.class, this::onWritten)
        .onMessage(Acquire.class, this::onAcquire)
        .onMessage(Acknowledge.class, this::enqueue)
        .onMessage(Release.class, this::enqueue)
        .onMessage(Extend.class, this::enqueue)
        .onMessage(
            Leave.class,
            leave -> {
              waiters.remove(leave.memberId());
              return enqueue(leave);
            })
        .onMessage(Flush.class, flush -> flush())
        .onMessage(Tick.class, tick -> onTick())
        .onMessage(
            RetryStart.class,
            retry -> {
              resolvingStart = false;
              if (!state.started()) {
                resolveStart();
              }
              return this;
            })
        .onMessage(StartResolved.class, this::onStartResolved)
        .onMessage(FetchReply.class, reply -> onFetchReply(reply.result()))
        .onMessage(
            FetchTimeout.class,
            timeout -> {
              if (aheadFetching && timeout.fetchId() == aheadFetchId) {
                aheadFetching = false;
                maybeFetchAhead();
              } else if (fetching && timeout.fetchId() == fetchId) {
                fetching = false;
                maybeFetch();
              }
              return this;
            })
        .onMessage(DeadLetterWritten.class, this::onDeadLetterWritten)
        .onSignal(
            org.apache.pekko.actor.typed.Terminated.class,
            terminated -> {
              if (handingOff) {
                return Behaviors.stopped();
              }
              context
                  .getLog()
                  .warn(
                      "group {} {}: the share-partition's journal stopped (a write or the recovery"
                          + " failed); the share-partition stops and starts again on the next"
                          + " request",
                      group,
                      tp);
              return Behaviors.stopped();
            })
        .onSignal(
            org.apache.pekko.actor.typed.PostStop.class,
            signal -> {
              backlogGauge.remove();
              return this;
            })
        .build();
  }

  private Behavior<Command> stashWhileRecovering(Command command) {
    if (stash.isFull()) {
      context.getLog().warn("group {} {}: still recovering, dropping {}", group, tp, command);
    } else {
      stash.stash(command);
    }
    return this;
  }

  private Behavior<Command> onRecovered(ShareJournal.Recovered recovered) {
    state = ShareState.of(recovered.state());
    this.recovered = true;
    timers.startTimerWithFixedDelay(Tick.INSTANCE, TICK);
    if (state.started()) {
      fetchedUpTo = state.start;
      fetchFrom = state.start;
      maybeFetch();
    }
    return stash.unstashAll(this);
  }

  /** Sends events to the journal; {@code afterwards} runs once they are durable. */
  /**
   * Queues events for the journal; {@code afterwards} runs once they are durable. One write is in
   * flight at a time: what comes meanwhile is the next one (the journal is never flooded, and a
   * write carries everything since the last).
   */
  private void write(List<Event> events, Runnable afterwards) {
    unwritten.addAll(events);
    long token = writeToken + 1; // the write these events will be in
    if (afterwards != null) {
      afterWrites.add(Map.entry(token, afterwards));
    }
    if (!writing) {
      sendWrite();
    }
  }

  /**
   * Runs {@code afterwards} once everything changed so far is durable: at once when nothing is
   * waiting to be written, else after the write that carries the last change.
   */
  private void afterDurable(Runnable afterwards) {
    if (!writing && unwritten.isEmpty()) {
      afterwards.run();
    } else {
      afterWrites.add(Map.entry(unwritten.isEmpty() ? writeToken : writeToken + 1, afterwards));
    }
  }

  private void sendWrite() {
    writing = true;
    writeToken++;
    journal.tell(new ShareJournal.Write(List.copyOf(unwritten), writeToken));
    unwritten.clear();
  }

  private Behavior<Command> onWritten(ShareJournal.Written written) {
    writing = false;
    while (!afterWrites.isEmpty() && afterWrites.peek().getKey() <= written.token()) {
      afterWrites.poll().getValue().run();
    }
    if (!unwritten.isEmpty() && !handingOff) {
      sendWrite();
    }
    return this;
  }

  private Behavior<Command> onAcquire(Acquire acquire) {
    if (deleted) {
      acquire.replyTo().tell(new ShareDeleted(acquire.requestId(), tp.topic()));
      return this;
    }
    deliveryLimit = acquire.deliveryLimit();
    deadLetterTopic = acquire.deadLetterTopic();
    startPosition = acquire.startPosition();
    priorityLevels = acquire.priorityLevels();
    ready.policy(acquire.priorityLevels(), acquire.priorityAgingMillis());
    waiters.remove(acquire.memberId()); // a newer acquire replaces the waiting one, and queues last
    waiters.put(
        acquire.memberId(),
        new Waiter(acquire, System.currentTimeMillis() + settings.fetchMaxWait().toMillis()));
    if (!state.started()) {
      resolveStart();
      return this;
    }
    return scheduleFlush();
  }

  private Behavior<Command> enqueue(Object request) {
    queued.add(request);
    return scheduleFlush();
  }

  private Behavior<Command> scheduleFlush() {
    if (!flushScheduled) {
      flushScheduled = true;
      context.getSelf().tell(Flush.INSTANCE);
    }
    return this;
  }

  private void resolveStart() {
    if (resolvingStart) {
      return;
    }
    resolvingStart = true;
    Asks.ask(
        context,
        PartitionOffsets.class,
        partition,
        settings.askTimeout(),
        PartitionProtocol.GetOffsets::new,
        StartResolved::new);
  }

  private Behavior<Command> onStartResolved(StartResolved resolved) {
    resolvingStart = false;
    if (state.started()) {
      return this;
    }
    if (resolved.error() != null) {
      context
          .getLog()
          .warn(
              "{} {}: reading the log bounds failed, retrying in a second: {}",
              group,
              tp,
              resolved.error().toString());
      resolvingStart = true; // until the retry
      timers.startSingleTimer("resolve-start", RetryStart.INSTANCE, Duration.ofSeconds(1));
      return this;
    }
    long start =
        startPosition == StartPosition.LATEST
            ? resolved.offsets().logEndOffset()
            : resolved.offsets().logStartOffset();
    ShareStarted started = new ShareStarted(start);
    // nothing is handed out before the start is durable: a restart must not choose another one
    resolvingStart = true;
    write(
        List.of(started),
        () -> {
          resolvingStart = false;
          state.apply(started);
          fetchedUpTo = start;
          fetchFrom = start;
          maybeFetch();
          scheduleFlush();
        });
    return this;
  }

  /**
   * Fetches when the window is at most half full and every fetched batch is decoded: a batch is
   * fetched once and decoded into the window as it empties, so acknowledgements never cause one
   * small fetch each.
   */
  private void maybeFetch() {
    if (fetching || deleted || fetchedUpTo < 0 || !undecoded.isEmpty()) {
      return;
    }
    int room = settings.sharedMaxInFlight() - window.size() - archiving.size();
    if (room < (settings.sharedMaxInFlight() + 1) / 2) {
      return;
    }
    fetching = true;
    fetchId++;
    partition.tell(
        new PartitionProtocol.Fetch(
            fetchId, fetchFrom, room, settings.maxFetchBytes(), fetchAdapter, null));
    timers.startSingleTimer("fetch", new FetchTimeout(fetchId), settings.fetchMaxWait());
  }

  /** A record's priority; a header no producer could have written counts as 0. */
  private static int priorityOf(RecordFormat.Decoded record) {
    try {
      return io.skald.framework.producer.Priority.in(record.headers());
    } catch (IllegalArgumentException e) {
      return 0;
    }
  }

  /** The filter of reading ahead: records of a priority above 0. */
  private static final String PRIORITIZED =
      "header('"
          + io.skald.framework.producer.Priority.HEADER
          + "') exists and not header('"
          + io.skald.framework.producer.Priority.HEADER
          + "') = '0'";

  /**
   * With priority levels and a full window, reads records of a priority above 0 ahead of the main
   * cursor (the partition filters them), up to half a window more: a new urgent record does not
   * wait behind a backlog of ordinary ones.
   */
  private void maybeFetchAhead() {
    if (priorityLevels <= 1 || deleted || fetchedUpTo < 0) {
      return;
    }
    int cap = settings.sharedMaxInFlight() / 2;
    if (ahead.size() >= cap || window.size() + archiving.size() < settings.sharedMaxInFlight()) {
      return; // the main cursor reads everything while the window has room
    }
    // first the batches fetched and not decoded yet, then the partition beyond them
    long now = System.currentTimeMillis();
    long from = Math.max(aheadFrom, fetchedUpTo);
    for (RecordBatch batch : undecoded) {
      if (batch.endOffset() <= from) {
        continue;
      }
      RecordFormat.Cursor records = RecordFormat.cursor(batch, from);
      while (records.hasNext()) {
        if (ahead.size() >= cap) {
          aheadFrom = from;
          return;
        }
        RecordFormat.Decoded record = records.next();
        if (priorityOf(record) > 0) {
          admit(record, now, true);
        }
        from = record.offset() + 1;
      }
      from = Math.max(from, batch.endOffset());
    }
    aheadFrom = Math.max(from, fetchFrom);
    if (aheadFetching) {
      return;
    }
    aheadFetching = true;
    aheadFetchId--;
    partition.tell(
        new PartitionProtocol.Fetch(
            aheadFetchId,
            aheadFrom,
            cap - ahead.size(),
            settings.maxFetchBytes(),
            fetchAdapter,
            PRIORITIZED));
    timers.startSingleTimer("fetch-ahead", new FetchTimeout(aheadFetchId), settings.fetchMaxWait());
  }

  private Behavior<Command> onAheadReply(PartitionProtocol.FetchResult result) {
    aheadFetching = false;
    timers.cancel("fetch-ahead");
    if (result instanceof PartitionProtocol.Fetched fetched) {
      long now = System.currentTimeMillis();
      long from = Math.max(aheadFrom, fetchFrom);
      for (RecordBatch batch : fetched.batches()) {
        RecordFormat.Cursor records = RecordFormat.cursor(batch, from);
        while (records.hasNext()) {
          RecordFormat.Decoded record = records.next();
          if (record.offset() >= fetchFrom) {
            admit(record, now, true);
          }
        }
      }
      aheadFrom = Math.max(from, fetched.nextOffset());
      maybeFetchAhead();
      return scheduleFlush();
    }
    // deleted or out of range: the main cursor finds out and handles it; start over from it
    aheadFrom = fetchFrom;
    return this;
  }

  /** Decodes fetched batches into the window while it has room. */
  private void refill(long now) {
    while (window.size() + archiving.size() < settings.sharedMaxInFlight()
        && !undecoded.isEmpty()) {
      RecordBatch batch = undecoded.peek();
      if (cursor == null || cursor.batch() != batch) {
        cursor = RecordFormat.cursor(batch, fetchedUpTo);
      }
      if (cursor.hasNext()) {
        RecordFormat.Decoded record = cursor.next();
        ahead.remove(record.offset()); // the main cursor caught up with a record read ahead
        admit(record, now);
        fetchedUpTo = Math.max(fetchedUpTo, record.offset() + 1);
      } else {
        undecoded.poll(); // a compacted batch has gaps up to its end
        cursor = null;
        fetchedUpTo = Math.max(fetchedUpTo, batch.endOffset());
      }
    }
    if (undecoded.isEmpty()) {
      fetchedUpTo = Math.max(fetchedUpTo, fetchFrom);
    }
  }

  private Behavior<Command> onFetchReply(PartitionProtocol.FetchResult result) {
    if (result.fetchId() < 0) {
      return aheadFetching && result.fetchId() == aheadFetchId ? onAheadReply(result) : this;
    }
    if (!fetching || result.fetchId() != fetchId) {
      return this;
    }
    fetching = false;
    timers.cancel("fetch");
    if (result instanceof PartitionProtocol.Fetched fetched) {
      logEnd = fetched.logEndOffset();
      for (RecordBatch batch : fetched.batches()) {
        if (batch.endOffset() > fetchFrom) {
          undecoded.add(batch);
          fetchFrom = batch.endOffset();
        }
      }
      fetchFrom = Math.max(fetchFrom, fetched.nextOffset());
      refill(System.currentTimeMillis());
      backlogGauge.set(backlog());
      maybeFetch();
      maybeFetchAhead();
      return scheduleFlush();
    }
    if (result instanceof PartitionProtocol.PartitionDeleted) {
      deleted = true;
      for (Waiter waiter : waiters.values()) {
        waiter.request().replyTo().tell(new ShareDeleted(waiter.request().requestId(), tp.topic()));
      }
      waiters.clear();
      return this;
    }
    PartitionProtocol.OffsetOutOfRange range = (PartitionProtocol.OffsetOutOfRange) result;
    long moved =
        range.requested() < range.logStartOffset() ? range.logStartOffset() : range.logEndOffset();
    context
        .getLog()
        .warn(
            "{} {}: offset {} is out of the retained range [{}, {}); continuing at {}",
            group,
            tp,
            range.requested(),
            range.logStartOffset(),
            range.logEndOffset(),
            moved);
    window.headMap(moved).clear();
    ready.removeBelow(moved);
    ahead.removeIf(offset -> offset < moved);
    undecoded.clear();
    cursor = null;
    fetchedUpTo = moved;
    fetchFrom = moved;
    if (moved <= state.start) {
      maybeFetch();
      return this;
    }
    StartMoved event = new StartMoved(moved);
    state.apply(event);
    write(List.of(event), this::maybeFetch);
    return this;
  }

  /** Takes a record read from the partition into the window, unless it is settled. */
  private void admit(RecordFormat.Decoded record, long now) {
    admit(record, now, false);
  }

  private void admit(RecordFormat.Decoded record, long now, boolean readAhead) {
    long offset = record.offset();
    if (state.isSettled(offset) || window.containsKey(offset)) {
      return;
    }
    if (!readAhead && offset < fetchedUpTo) {
      return;
    }
    if (readAhead) {
      ahead.add(offset);
    }
    window.put(offset, record);
    if (isReady(offset, now)) {
      ready.add(offset, priorityOf(record), now);
    }
  }

  /**
   * Makes a record of the window available to acquires if nothing holds it any more.
   *
   * @return whether it is now available
   */
  private boolean free(long offset, long now) {
    RecordFormat.Decoded record = window.get(offset);
    if (record == null || !isReady(offset, now)) {
      return false;
    }
    ready.add(offset, priorityOf(record), now);
    return true;
  }

  /** Whether a record of the window may be handed out now: no live lock, no pending delay. */
  private boolean isReady(long offset, long now) {
    if (archiving.contains(offset)) {
      return false;
    }
    ShareState.Lock lock = state.locks.get(offset);
    if (lock != null) {
      if (lock.until() > now) {
        return false;
      }
      state.locks.remove(offset); // it ran out (maybe while the entity was down)
      expired.increment();
    }
    Long availableAt = state.delayed.get(offset);
    if (availableAt != null) {
      if (availableAt > now) {
        return false;
      }
      state.delayed.remove(offset);
    }
    return true;
  }

  private Behavior<Command> onTick() {
    long now = System.currentTimeMillis();
    boolean freed = false;
    Iterator<Map.Entry<Long, ShareState.Lock>> locks = state.locks.entrySet().iterator();
    while (locks.hasNext()) {
      Map.Entry<Long, ShareState.Lock> lock = locks.next();
      if (lock.getValue().until() <= now && window.containsKey(lock.getKey())) {
        locks.remove();
        expired.increment();
        if (free(lock.getKey(), now)) {
          freed = true;
        }
      }
    }
    Iterator<Map.Entry<Long, Long>> delays = state.delayed.entrySet().iterator();
    while (delays.hasNext()) {
      Map.Entry<Long, Long> delay = delays.next();
      if (delay.getValue() <= now && window.containsKey(delay.getKey())) {
        delays.remove();
        if (free(delay.getKey(), now)) {
          freed = true;
        }
      }
    }
    Iterator<Waiter> waiting = waiters.values().iterator();
    while (waiting.hasNext()) {
      Waiter waiter = waiting.next();
      if (waiter.deadline() <= now) {
        waiting.remove();
        waiter
            .request()
            .replyTo()
            .tell(new Acquired(waiter.request().requestId(), List.of(), 0, backlog()));
      }
    }
    if (freed && !waiters.isEmpty()) {
      return scheduleFlush();
    }
    return this;
  }

  private long backlog() {
    return logEnd < 0 ? 0 : Math.max(0, logEnd - state.start);
  }

  /**
   * Applies every queued request and serves the waiting acquires: the state changes now, the events
   * are one write, and the answers go out once it is durable.
   */
  private Behavior<Command> flush() {
    flushScheduled = false;
    long now = System.currentTimeMillis();
    List<Event> events = new ArrayList<>();
    List<Runnable> replies = new ArrayList<>();
    for (Object request : queued) {
      if (request instanceof Acknowledge ack) {
        Event event = settle(ack.offsets(), false);
        if (event != null) {
          events.add(event);
        }
        if (ack.replyTo() != null) {
          Settled settled = new Settled(ack.requestId(), ack.offsets(), new long[0], 0);
          replies.add(() -> ack.replyTo().tell(settled));
        }
      } else if (request instanceof DeadLettered letter) {
        archiving.remove(letter.offset());
        if (!state.isSettled(letter.offset())) {
          events.add(settle(new long[] {letter.offset()}, true));
          deadLettered.increment();
        }
      } else if (request instanceof Release release) {
        long[][] split = held(release.memberId(), release.offsets(), now, false);
        if (split[0].length > 0) {
          long availableAt = release.delayMillis() > 0 ? now + release.delayMillis() : 0;
          apply(events, new RecordsReleased(split[0], availableAt));
          for (long offset : split[0]) {
            if (availableAt == 0) {
              free(offset, now);
            }
          }
        }
        if (release.replyTo() != null) {
          Settled settled = new Settled(0, split[0], split[1], 0);
          replies.add(() -> release.replyTo().tell(settled));
        }
      } else if (request instanceof Extend extend) {
        long[][] split = held(extend.memberId(), extend.offsets(), now, true);
        long until = now + extend.visibilityMillis();
        if (split[0].length > 0) {
          apply(events, new LocksExtended(split[0], extend.memberId(), until));
        }
        Settled settled = new Settled(0, split[0], split[1], until);
        replies.add(() -> extend.replyTo().tell(settled));
      } else if (request instanceof Leave leave) {
        long[] mine =
            state.locks.entrySet().stream()
                .filter(lock -> lock.getValue().memberId().equals(leave.memberId()))
                .mapToLong(Map.Entry::getKey)
                .toArray();
        if (mine.length > 0) {
          apply(events, new RecordsReleased(mine, 0));
          for (long offset : mine) {
            free(offset, now);
          }
        }
      }
    }
    queued.clear();
    refill(now);
    serveWaiters(now, events, replies);
    maybeFetch();
    maybeFetchAhead();
    backlogGauge.set(backlog());
    if (events.isEmpty()) {
      // what these answers confirm may be in a write still in flight (a repeated acknowledgement)
      replies.forEach(this::afterDurable);
      return this;
    }
    write(
        events,
        () -> {
          replies.forEach(Runnable::run);
          maybeFetch();
        });
    return this;
  }

  private void apply(List<Event> events, Event event) {
    state.apply(event);
    events.add(event);
  }

  /** Settles records; null when all of them were settled already. */
  private Event settle(long[] offsets, boolean deadLetter) {
    long[] fresh =
        java.util.Arrays.stream(offsets).filter(offset -> !state.isSettled(offset)).toArray();
    if (fresh.length == 0) {
      return null;
    }
    for (long offset : fresh) {
      window.remove(offset);
      ready.remove(offset);
      ahead.remove(offset);
    }
    // every record below the first unsettled one of the window is settled (the window holds each
    // unsettled record from the start on), and so is everything read when the window is empty
    long start = window.isEmpty() ? fetchedUpTo : Math.min(window.firstKey(), fetchedUpTo);
    start = Math.max(start, state.start);
    Event event =
        deadLetter ? new RecordsDeadLettered(fresh, start) : new RecordsAcknowledged(fresh, start);
    state.apply(event);
    return event;
  }

  /**
   * Splits offsets into those whose lock is the member's (live, if {@code live}) and the others.
   */
  private long[][] held(String memberId, long[] offsets, long now, boolean live) {
    List<Long> mine = new ArrayList<>();
    List<Long> others = new ArrayList<>();
    for (long offset : offsets) {
      ShareState.Lock lock = live ? state.liveLock(offset, now) : state.locks.get(offset);
      if (lock != null && lock.memberId().equals(memberId) && !state.isSettled(offset)) {
        mine.add(offset);
      } else {
        others.add(offset);
      }
    }
    return new long[][] {
      mine.stream().mapToLong(Long::longValue).toArray(),
      others.stream().mapToLong(Long::longValue).toArray()
    };
  }

  /** Hands ready records to the waiting acquires, oldest first, each up to its maximum. */
  private void serveWaiters(long now, List<Event> events, List<Runnable> replies) {
    Iterator<Waiter> waiting = waiters.values().iterator();
    while (waiting.hasNext() && !ready.isEmpty()) {
      Waiter waiter = waiting.next();
      Acquire request = waiter.request();
      List<Leased> records = new ArrayList<>();
      while (records.size() < request.maxRecords() && !ready.isEmpty()) {
        long offset = ready.poll(now);
        RecordFormat.Decoded record = window.get(offset);
        int delivered = state.deliveries.getOrDefault(offset, 0);
        if (delivered >= deliveryLimit) {
          deadLetter(record, delivered);
          continue;
        }
        records.add(
            new Leased(
                offset,
                record.timestamp(),
                record.key(),
                record.value(),
                record.headers(),
                delivered + 1));
      }
      if (records.isEmpty()) {
        continue;
      }
      waiting.remove();
      long until = now + request.visibilityMillis();
      apply(
          events,
          new RecordsAcquired(
              records.stream().mapToLong(Leased::offset).toArray(), request.memberId(), until));
      Acquired acquired = new Acquired(request.requestId(), records, until, backlog());
      // handed out before the acquisition is durable (it follows in this flush's write): a crash in
      // between only makes the record available again at once after the restart
      request.replyTo().tell(acquired);
    }
  }

  /** Writes a record over the delivery limit to the dead-letter topic, then settles it. */
  private void deadLetter(RecordFormat.Decoded record, int delivered) {
    long offset = record.offset();
    archiving.add(offset);
    Instant now = Instant.now();
    LeaseLostException cause =
        new LeaseLostException(
            tp
                + "@"
                + offset
                + " was handed out "
                + delivered
                + " time(s) and never acknowledged or released within its visibility timeout");
    context
        .getLog()
        .warn(
            "group {}: dead-lettering {}@{} to {}: {}",
            group,
            tp,
            offset,
            deadLetterTopic,
            cause.getMessage());
    java.util.Map<String, String> headers =
        DeadLetterHeaders.of(
            record.headers(),
            tp,
            offset,
            group,
            delivered,
            now,
            now,
            cause,
            DeadLetterReason.DELIVERY_LIMIT);
    context.pipeToSelf(
        Stages.inline(
            deadLetterSinks.apply(deadLetterTopic).send(record.key(), record.value(), headers)),
        (meta, error) -> new DeadLetterWritten(offset, Stages.unwrap(error)));
  }

  private Behavior<Command> onDeadLetterWritten(DeadLetterWritten written) {
    if (written.error() != null) {
      context
          .getLog()
          .warn(
              "group {}: writing the dead letter of {}@{} failed, trying again: {}",
              group,
              tp,
              written.offset(),
              written.error().toString());
      archiving.remove(written.offset());
      // picked again by an acquire after a pause (the tick frees it), and dead-lettered again
      state.delayed.put(
          written.offset(), System.currentTimeMillis() + settings.askTimeout().toMillis() / 5 + 1);
      return this;
    }
    return enqueue(new DeadLettered(written.offset()));
  }
}
