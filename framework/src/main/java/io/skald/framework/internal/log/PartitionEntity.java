package io.skald.framework.internal.log;

import com.typesafe.config.ConfigFactory;
import io.skald.framework.Stages;
import io.skald.framework.TopicPartition;
import io.skald.framework.admin.PartitionOffsets;
import io.skald.framework.internal.EntityIds;
import io.skald.framework.internal.EntitySupport;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.log.PartitionProtocol.Append;
import io.skald.framework.internal.log.PartitionProtocol.AppendFailed;
import io.skald.framework.internal.log.PartitionProtocol.Appended;
import io.skald.framework.internal.log.PartitionProtocol.Command;
import io.skald.framework.internal.log.PartitionProtocol.Compact;
import io.skald.framework.internal.log.PartitionProtocol.CompactionReady;
import io.skald.framework.internal.log.PartitionProtocol.Event;
import io.skald.framework.internal.log.PartitionProtocol.Fetch;
import io.skald.framework.internal.log.PartitionProtocol.Flush;
import io.skald.framework.internal.log.PartitionProtocol.GetOffsets;
import io.skald.framework.internal.log.PartitionProtocol.GroupPosition;
import io.skald.framework.internal.log.PartitionProtocol.JournalReply;
import io.skald.framework.internal.log.PartitionProtocol.LogTruncated;
import io.skald.framework.internal.log.PartitionProtocol.OffsetForTimestamp;
import io.skald.framework.internal.log.PartitionProtocol.RetentionLoaded;
import io.skald.framework.internal.log.PartitionProtocol.RetentionTick;
import io.skald.framework.internal.log.PartitionProtocol.TruncateBefore;
import io.skald.framework.internal.topic.TopicRegistry;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.SnapshotCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.slf4j.Logger;

/**
 * INTERNAL API: one partition of a topic, a sharded event-sourced entity whose journal is the
 * durable log.
 *
 * <p><b>Group commit.</b> An {@link Append} is not persisted on its own: it joins a pending list
 * and the entity sends itself a {@code Flush}. Appends that arrive before the flush is handled, and
 * all those Pekko stashes while a write is in flight, are written together by the next flush: one
 * journal write (one fsync) for many appends. Each append's records get consecutive offsets inside
 * the batch, so offsets are record positions, not sequence numbers.
 *
 * <p><b>Reads.</b> A fetch at the log end waits (long poll) until records arrive. Recent batches
 * are served from an in-memory tail cache; older offsets are located through a sparse offset index
 * and read from the journal by a Persistence Query stream outside the actor, which replies
 * directly. Records become visible to fetches only after their write succeeded, so a consumer never
 * sees a record that a crash could take back.
 *
 * <p>This is a plain {@link EventSourcedBehavior}, not one with enforced replies, because append
 * replies are deferred to the flush that persists them.
 *
 * <p>Why this file is over 400 lines: it is the partition's command and event handlers, one per
 * command, and the group-commit batching they share. Its protocol is in {@link PartitionProtocol},
 * reads in {@link FetchServer} and {@link PartitionReader}, limits in {@link PartitionLimits},
 * compaction in {@link PartitionCompactions}, the deletion of a deleted topic's data in {@link
 * PartitionDeletion}, the state in {@link PartitionState}.
 */
public final class PartitionEntity extends EventSourcedBehavior<Command, Event, PartitionState> {

  /** The sharding entity type of partitions. */
  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY =
      EntityTypeKey.create(Command.class, "skald-partition");

  /**
   * The entity id of a partition.
   *
   * @param tp the partition
   * @return its entity id
   */
  public static String entityId(TopicPartition tp) {
    return EntityIds.of(tp);
  }

  /**
   * The sharded reference of a partition.
   *
   * @param system the actor system
   * @param tp the partition
   * @return its entity reference
   */
  public static EntityRef<Command> ref(ActorSystem<?> system, TopicPartition tp) {
    return ClusterSharding.get(system).entityRefFor(ENTITY_TYPE_KEY, entityId(tp));
  }

  /**
   * Registers the entity type with cluster sharding.
   *
   * @param system the actor system
   * @param settings Skald's settings
   * @param reads the read journal used for offsets older than the tail cache
   */
  public static void init(
      ActorSystem<?> system,
      SkaldSettings settings,
      CurrentEventsByPersistenceIdQuery reads,
      io.skald.framework.internal.topic.TopicCache topics) {
    ClusterSharding.get(system)
        .init(
            EntitySupport.passivating(
                settings,
                ENTITY_TYPE_KEY,
                (ctx, timers, id, shard) ->
                    new PartitionEntity(ctx, timers, id, shard, settings, reads, topics)));
  }

  private final ActorContext<Command> context;
  private final org.apache.pekko.actor.typed.ActorRef<
          org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.ShardCommand>
      shard;
  private final SkaldSettings settings;
  private final PartitionReader reader;
  private final FetchServer fetches;
  private final String persistenceIdString;
  private final Logger log;
  private final List<PendingAppend> pending = new ArrayList<>();
  private boolean flushScheduled;
  private final TimerScheduler<Command> timers;
  private final String topic;
  private final PartitionLimits limits;

  /** The topic's record size limit, or 0 for the node's default. */
  private int maxRecordBytes;

  private final PartitionQuota quota;

  // Set once an altered definition was applied: the start-up lookup may then be stale.
  private boolean settingsApplied;
  private final PartitionCompactions compactor;
  private long deletedUpTo;

  /**
   * An append waiting for its write, with the resends of it that arrived meanwhile (answered with
   * its offset once it is durable).
   */
  private record PendingAppend(Append append, long baseOffset, List<Append> resends) {
    PendingAppend(Append append, long baseOffset) {
      this(append, baseOffset, new ArrayList<>(0));
    }
  }

  private PartitionEntity(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      String entityId,
      org.apache.pekko.actor.typed.ActorRef<
              org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.ShardCommand>
          shard,
      SkaldSettings settings,
      CurrentEventsByPersistenceIdQuery reads,
      io.skald.framework.internal.topic.TopicCache topics) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), entityId), EntitySupport.ON_PERSIST_FAILURE);
    this.context = context;
    this.shard = shard;
    this.settings = settings;
    this.persistenceIdString = persistenceId().id();
    this.log = context.getLog();
    this.reader = new PartitionReader(reads, persistenceIdString, context.getSystem(), log);
    this.fetches = new FetchServer(reader, settings);
    this.limits = new PartitionLimits(persistenceIdString, log, settings.positionReportInterval());
    this.timers = timers;
    this.topic = EntityIds.topicPartition(entityId).topic();
    this.quota =
        new PartitionQuota(
            topic, io.skald.framework.internal.metrics.SkaldMetrics.get(context.getSystem()));
    // the node's cached definition charges appends from the first one: the registry's answer
    // comes later, and appends are taken meanwhile
    io.skald.framework.admin.TopicSpec cached = topics.cached(topic);
    if (cached != null) {
      quota.load(cached);
    }
    this.compactor = new PartitionCompactions(context, settings, reads, persistenceIdString);
    this.disk = io.skald.framework.internal.disk.DiskSpaceAlarm.get(context.getSystem());
    this.entityId = entityId;
    this.local = io.skald.framework.internal.health.LocalPartitions.get(context.getSystem());
    local.recovering(entityId);
  }

  @Override
  public String journalPluginId() {
    return settings.journalPluginId();
  }

  @Override
  public String snapshotPluginId() {
    return settings.snapshotPluginId();
  }

  @Override
  public PartitionState emptyState() {
    return new PartitionState(settings.indexInterval(), settings.tailCacheBytes());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.partitionSnapshotEvery(), 2);
  }

  @Override
  public SnapshotAdapter<PartitionState> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(PartitionState state) {
        return state.toSnapshot(settings.producerStateRetention().toMillis());
      }

      @Override
      public PartitionState fromJournal(Object snapshot) {
        return PartitionState.fromSnapshot(
            (PartitionSnapshot) snapshot, settings.indexInterval(), settings.tailCacheBytes());
      }
    };
  }

  @Override
  public boolean shouldSnapshot(PartitionState state, Event event, long sequenceNr) {
    // A truncation or compaction is snapshotted at once: the journal events it supersedes may only
    // be deleted once a snapshot covers them, or a recovery would miss them.
    return event instanceof LogTruncated
        || (event instanceof RecordBatch batch
            && batch.compacted() != null
            && batch.compacted().chunk() == batch.compacted().chunks() - 1);
  }

  @Override
  public SignalHandler<PartitionState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state ->
                context.pipeToSelf(
                    Stages.inline(
                        TopicRegistry.ref(context.getSystem())
                            .<TopicRegistry.TopicLookup>ask(
                                replyTo -> new TopicRegistry.GetTopic(topic, replyTo),
                                settings.askTimeout())),
                    (lookup, error) ->
                        lookup == null || lookup.spec() == null
                            // no answer: the defaults; no such topic: it was deleted (a
                            // producer only writes to a topic it found in the registry)
                            ? new RetentionLoaded(null, lookup != null)
                            : new RetentionLoaded(lookup.spec(), false)))
        .onSignal(SnapshotCompleted.class, this::deleteCoveredEvents)
        .onSignal(
            org.apache.pekko.actor.typed.PostStop.class, (state, stop) -> local.stopped(entityId))
        .onSignal(
            org.apache.pekko.actor.typed.PreRestart.class,
            (state, restart) -> local.recovering(entityId)) // it replays its log again
        .build();
  }

  /** Deletes journal events that a truncation or compaction superseded and the snapshot covers. */
  private void deleteCoveredEvents(PartitionState state, SnapshotCompleted completed) {
    long upTo = Math.min(completed.metadata().sequenceNr(), state.supersededUpTo());
    if (upTo <= deletedUpTo) {
      return;
    }
    deletedUpTo = upTo;
    org.apache.pekko.actor.ActorRef journal =
        Persistence.get(Adapter.toClassic(context.getSystem()))
            .journalFor(settings.journalPluginId(), ConfigFactory.empty());
    ActorRef<Object> replies = context.messageAdapter(Object.class, JournalReply::new);
    journal.tell(
        new JournalProtocol.DeleteMessagesTo(persistenceIdString, upTo, Adapter.toClassic(replies)),
        org.apache.pekko.actor.ActorRef.noSender());
  }

  @Override
  public CommandHandler<Command, Event, PartitionState> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Append.class, this::onAppend)
        .onCommand(Flush.class, this::onFlush)
        .onCommand(Fetch.class, this::onFetch)
        .onCommand(
            OffsetForTimestamp.class,
            (state, query) -> {
              reader.offsetForTimestamp(state, query);
              return Effect().none();
            })
        .onCommand(
            RetentionLoaded.class,
            (state, loaded) -> {
              if (loaded.topicDeleted() && !settingsApplied) {
                topicStatus = TopicStatus.DELETED;
                local.recovered(entityId);
                fetches.deleted(topic);
                // Passivated, not stopped: a DeleteLog sharding delivers meanwhile reaches the next
                // incarnation (stopping itself lost it, and the deletion never completed).
                log.info(
                    "{}: its topic does not exist (deleted); refusing appends",
                    persistenceIdString);
                if (deletion == null) {
                  passivate();
                }
                return Effect().unstashAll();
              }
              topicStatus = topicStatus == TopicStatus.DELETED ? topicStatus : TopicStatus.PRESENT;
              local.recovered(entityId);
              return settingsApplied
                  ? Effect().unstashAll()
                  : loadTopicSettings(state, loaded.spec()).thenUnstashAll();
            })
        .onCommand(PartitionProtocol.DeleteLog.class, this::onDeleteLog)
        .onCommand(
            PartitionProtocol.ApplyTopicSettings.class,
            (state, apply) -> {
              settingsApplied = true;
              if (topicStatus == TopicStatus.LOADING) {
                topicStatus = TopicStatus.PRESENT;
                local.recovered(entityId);
              }
              log.info("{}: topic settings changed to {}", persistenceIdString, apply.spec());
              return loadTopicSettings(state, apply.spec())
                  .thenRun(s -> apply.replyTo().tell(org.apache.pekko.Done.getInstance()))
                  .thenUnstashAll();
            })
        .onCommand(
            RetentionTick.class,
            (state, tick) -> {
              compactor.maybeStart(state, false);
              return enforceRetention(state);
            })
        .onCommand(
            Compact.class,
            (state, compact) -> {
              compactor.request(state, compact.replyTo());
              return Effect().none();
            })
        .onCommand(
            CompactionReady.class,
            (state, ready) -> {
              List<Event> events = compactor.eventsFor(state, ready);
              if (events.isEmpty()) {
                compactor.completed(state, ready);
                return Effect().none();
              }
              return Effect().persist(events).thenRun(s -> compactor.completed(s, ready));
            })
        .onCommand(
            GroupPosition.class,
            (state, position) -> {
              limits.recordPosition(position.group(), position.offset());
              return limits.dropsOldest() ? enforceRetention(state) : Effect().none();
            })
        .onCommand(
            JournalReply.class,
            (state, reply) -> {
              if (deletion != null) {
                return onDeletionReply(reply.message());
              }
              if (reply.message() instanceof org.apache.pekko.persistence.DeleteMessagesFailure f) {
                log.warn(
                    "{}: deleting expired journal events failed: {}",
                    persistenceIdString,
                    f.cause().toString());
                deletedUpTo = 0;
              }
              return Effect().none();
            })
        .onCommand(
            TruncateBefore.class,
            (state, cmd) -> {
              long target = Math.min(cmd.offset(), state.nextOffset());
              if (target <= state.logStartOffset()) {
                cmd.replyTo()
                    .tell(
                        new PartitionOffsets(
                            state.logStartOffset(), state.nextOffset(), state.retainedBytes()));
                return Effect().none();
              }
              return Effect()
                  .persist(new LogTruncated(target))
                  .thenRun(
                      s ->
                          cmd.replyTo()
                              .tell(
                                  new PartitionOffsets(
                                      s.logStartOffset(), s.nextOffset(), s.retainedBytes())));
            })
        .onCommand(
            GetOffsets.class,
            (state, cmd) -> {
              cmd.replyTo()
                  .tell(
                      new PartitionOffsets(
                          state.logStartOffset(), state.nextOffset(), state.retainedBytes()));
              return Effect().none();
            })
        .build();
  }

  @Override
  public EventHandler<PartitionState, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(RecordBatch.class, PartitionState::apply)
        .onEvent(LogTruncated.class, PartitionState::truncate)
        .build();
  }

  /** Whether the partition's topic exists: unknown until the registry answered after recovery. */
  private enum TopicStatus {
    LOADING,
    PRESENT,
    DELETED
  }

  private TopicStatus topicStatus = TopicStatus.LOADING;

  private final io.skald.framework.internal.disk.DiskSpaceAlarm disk;
  private final String entityId;
  // where readiness learns that this partition is still recovering, recovered or gone
  private final io.skald.framework.internal.health.LocalPartitions local;

  /** The deletion of this partition's data under way, or null. */
  private PartitionDeletion deletion;

  private Effect<Event, PartitionState> onDeleteLog(
      PartitionState state, PartitionProtocol.DeleteLog delete) {
    topicStatus = TopicStatus.DELETED;
    fetches.deleted(topic);
    if (deletion != null) {
      deletion.alsoAnswer(delete.replyTo());
      return Effect().none();
    }
    log.info(
        "{}: topic deleted; deleting the partition's journal events and snapshots",
        persistenceIdString);
    deletion =
        PartitionDeletion.start(
            context,
            settings,
            persistenceIdString,
            delete.replyTo(),
            context.messageAdapter(Object.class, JournalReply::new));
    return Effect().none();
  }

  /** Asks the shard to stop this entity; messages sent meanwhile go to its next incarnation. */
  private void passivate() {
    shard.tell(
        new org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.Passivate<>(
            context.getSelf()));
  }

  private Effect<Event, PartitionState> onDeletionReply(Object message) {
    switch (deletion.onReply(message, log, persistenceIdString)) {
      case DONE:
        passivate(); // the next incarnation, if any, starts from the (now empty) journal
        return Effect().none();
      case FAILED:
        deletion = null;
        return Effect().none();
      default:
        return Effect().none();
    }
  }

  private Effect<Event, PartitionState> onAppend(PartitionState state, Append append) {
    // While the registry's answer is awaited appends are taken (a lookup must not add to a
    // failover's stall): only a producer whose cache missed a deletion by milliseconds could write
    // to a deleted topic then; the registry never deletes on its own, and neither does a partition.
    if (disk.alarmed()) {
      append.replyTo().tell(new AppendFailed(AppendFailed.Refusal.DISK_FULL, disk.reason()));
      return Effect().none();
    }
    if (topicStatus == TopicStatus.DELETED) {
      append
          .replyTo()
          .tell(
              new AppendFailed(
                  AppendFailed.Refusal.TOPIC_DELETED, "topic '" + topic + "' was deleted"));
      return Effect().none();
    }
    if (append.count() < 1 || append.payload().length > settings.maxBatchBytes()) {
      append
          .replyTo()
          .tell(
              new AppendFailed(
                  AppendFailed.Refusal.OUTSIDE_BATCH_LIMITS,
                  "append of "
                      + append.count()
                      + " records and "
                      + append.payload().length
                      + " bytes is outside the limits (1 record, "
                      + settings.maxBatchBytes()
                      + " bytes)"));
      return Effect().none();
    }
    String tooLarge = recordTooLarge(append);
    if (tooLarge != null) {
      append.replyTo().tell(new AppendFailed(AppendFailed.Refusal.RECORD_TOO_LARGE, tooLarge));
      return Effect().none();
    }
    if (append.producerId() != null && isDuplicate(state, append)) {
      return Effect().none();
    }
    long written = state.nextOffset();
    for (PendingAppend p : pending) {
      written += p.append().count();
    }
    String rejection = limits.rejection(written, append.count());
    if (rejection != null) {
      append.replyTo().tell(new AppendFailed(AppendFailed.Refusal.BACKLOG_FULL, rejection));
      return Effect().none();
    }
    AppendFailed overQuota = quota.admit(append);
    if (overQuota != null) {
      append.replyTo().tell(overQuota);
      return Effect().none();
    }
    pending.add(new PendingAppend(append, -1));
    if (!flushScheduled) {
      flushScheduled = true;
      context.getSelf().tell(Flush.INSTANCE);
    }
    return Effect().none();
  }

  /** Applies the topic's definition, or the defaults when {@code spec} is null. */
  private EffectBuilder<Event, PartitionState> loadTopicSettings(
      PartitionState state, io.skald.framework.admin.TopicSpec spec) {
    io.skald.framework.admin.Compaction compaction = spec == null ? null : spec.compaction();
    maxRecordBytes = spec == null ? 0 : spec.maxRecordBytes();
    quota.load(spec);
    limits.load(
        spec == null ? io.skald.framework.admin.Retention.forever() : spec.retention(),
        spec == null ? null : spec.backlogLimit());
    compactor.load(state, compaction);
    if (limits.needsTimer() || compaction != null) {
      timers.startTimerWithFixedDelay(RetentionTick.INSTANCE, settings.retentionCheckInterval());
    } else {
      timers.cancel(RetentionTick.INSTANCE);
    }
    return enforceRetention(state);
  }

  private EffectBuilder<Event, PartitionState> enforceRetention(PartitionState state) {
    long start = limits.logStart(state, System.currentTimeMillis());
    if (start <= state.logStartOffset()) {
      return Effect().none();
    }
    return Effect().persist(new LogTruncated(start));
  }

  /**
   * Why an append holds a record over the topic's limit, or null. Only a payload larger than the
   * limit can hold one, so the records are walked only then.
   */
  private String recordTooLarge(Append append) {
    long limit = maxRecordBytes > 0 ? maxRecordBytes : settings.maxRecordBytes();
    if (append.payload().length <= limit) {
      return null;
    }
    int largest;
    try {
      largest = RecordFormat.largestRecord(append.payload(), append.count());
    } catch (IllegalStateException e) {
      return "the payload is not " + append.count() + " records: " + e.getMessage();
    }
    if (largest <= limit) {
      return null;
    }
    return "a record of "
        + largest
        + " bytes is over the limit of topic '"
        + topic
        + "' ("
        + (maxRecordBytes > 0
            ? "maxRecordBytes " + maxRecordBytes
            : "skald.framework.max-record-bytes " + settings.maxRecordBytes())
        + ")";
  }

  /**
   * Answers a duplicate idempotent append (with its original offset) or an out-of-order one (with a
   * refusal) and returns true; false if it must be written.
   */
  private boolean isDuplicate(PartitionState state, Append append) {
    if (append.inOrder() && isFenced(state, append)) {
      append
          .replyTo()
          .tell(
              new AppendFailed(
                  AppendFailed.Refusal.PRODUCER_FENCED,
                  "producer "
                      + append.producerId()
                      + " is fenced: a newer epoch of it was written"));
      return true;
    }
    long lastWritten = -1;
    PartitionSnapshot.ProducerEntry written = state.producer(append.producerId());
    boolean known = written != null;
    if (written != null) {
      lastWritten = written.lastSequence();
    }
    for (PendingAppend p : pending) {
      if (append.producerId().equals(p.append().producerId())) {
        known = true;
        lastWritten = Math.max(lastWritten, p.append().lastSequence());
        if (p.append().firstSequence() <= append.firstSequence()
            && append.firstSequence() <= p.append().lastSequence()) {
          p.resends().add(append); // answered with the original's offset once it is durable
          return true;
        }
      }
    }
    if (append.inOrder() && append.firstSequence() > lastWritten + 1) {
      // an earlier append of this producer is missing: writing this one would reorder its records
      AppendFailed.Refusal refusal =
          known
              ? AppendFailed.Refusal.OUT_OF_ORDER_SEQUENCE
              : AppendFailed.Refusal.UNKNOWN_PRODUCER;
      append
          .replyTo()
          .tell(
              new AppendFailed(
                  refusal,
                  "producer "
                      + append.producerId()
                      + " sent sequence "
                      + append.firstSequence()
                      + ", expected "
                      + (lastWritten + 1)));
      return true;
    }
    if (append.firstSequence() > lastWritten) {
      return false;
    }
    PartitionSnapshot.ProducerEntry original =
        state.producerAppend(append.producerId(), append.firstSequence());
    append
        .replyTo()
        .tell(
            original == null
                ? new Appended(Appended.OFFSET_UNKNOWN, -1, true)
                : new Appended(
                    original.baseOffset() + (append.firstSequence() - original.firstSequence()),
                    original.timestamp(),
                    true));
    return true;
  }

  /** An append of an older epoch than one written or pending for its producer. */
  private boolean isFenced(PartitionState state, Append append) {
    String id = append.producerId();
    int epoch = ProducerIds.epoch(id);
    if (state.producerEpoch(ProducerIds.base(id)) > epoch) {
      return true;
    }
    for (PendingAppend p : pending) {
      String other = p.append().producerId();
      if (other != null
          && p.append().inOrder()
          && ProducerIds.epoch(other) > epoch
          && ProducerIds.sameProducer(other, id)) {
        return true;
      }
    }
    return false;
  }

  private Effect<Event, PartitionState> onFlush(PartitionState state, Flush flush) {
    flushScheduled = false;
    if (pending.isEmpty()) {
      return Effect().none();
    }
    long timestamp = Math.max(System.currentTimeMillis(), state.lastTimestamp());
    List<Event> events = new ArrayList<>();
    List<PendingAppend> written = new ArrayList<>(pending.size());
    long offset = state.nextOffset();
    int start = 0;
    while (start < pending.size()) {
      int end = start;
      int bytes = 0;
      int count = 0;
      while (end < pending.size()
          && (end == start
              || bytes + pending.get(end).append().payload().length <= settings.maxBatchBytes())) {
        bytes += pending.get(end).append().payload().length;
        count += pending.get(end).append().count();
        end++;
      }
      byte[] payload = new byte[bytes];
      int position = 0;
      long baseOffset = offset;
      List<RecordBatch.ProducerSegment> segments = new ArrayList<>();
      List<RecordBatch.TraceSegment> traces = new ArrayList<>();
      for (int i = start; i < end; i++) {
        Append a = pending.get(i).append();
        System.arraycopy(a.payload(), 0, payload, position, a.payload().length);
        position += a.payload().length;
        written.add(new PendingAppend(a, offset, pending.get(i).resends()));
        if (a.producerId() != null) {
          segments.add(
              new RecordBatch.ProducerSegment(
                  a.producerId(), a.firstSequence(), a.lastSequence(), offset));
        }
        if (a.traceContext() != null && !a.traceContext().isEmpty()) {
          traces.add(new RecordBatch.TraceSegment(offset, a.count(), a.traceContext()));
        }
        offset += a.count();
      }
      events.add(new RecordBatch(baseOffset, timestamp, count, payload, segments, null, traces));
      start = end;
    }
    pending.clear();
    return Effect()
        .persist(events)
        .thenRun(
            newState -> {
              long throttleMillis = quota.throttleMillis();
              for (PendingAppend p : written) {
                p.append()
                    .replyTo()
                    .tell(new Appended(p.baseOffset(), timestamp, false, throttleMillis));
                for (Append resend : p.resends()) {
                  long at = p.baseOffset() + (resend.firstSequence() - p.append().firstSequence());
                  resend.replyTo().tell(new Appended(at, timestamp, true));
                }
              }
              fetches.appended(newState);
              if (limits.checkAfterWrites() || compactor.dueAfterWrites(newState)) {
                context.getSelf().tell(RetentionTick.INSTANCE);
              }
            });
  }

  private Effect<Event, PartitionState> onFetch(PartitionState state, Fetch fetch) {
    if (topicStatus == TopicStatus.DELETED) {
      fetch.replyTo().tell(new PartitionProtocol.PartitionDeleted(fetch.fetchId(), topic));
      return Effect().none();
    }
    fetches.fetch(state, fetch);
    return Effect().none();
  }
}
