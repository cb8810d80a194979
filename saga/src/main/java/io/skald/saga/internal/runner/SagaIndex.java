package io.skald.saga.internal.runner;

import io.skald.saga.SagaStatus;
import io.skald.saga.internal.SagaRetention;
import io.skald.saga.internal.SagaRuntimeSettings;
import io.skald.saga.internal.SagaSerializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * INTERNAL API: the status of every instance of one saga, for the operator's list. Instances report
 * each status change; the index writes the changes that arrived during a short interval as one
 * event (so thousands of sagas a second cost a few writes), and keeps the newest finished instances
 * up to a bound. It is eventually consistent: an instance's own view ({@code get}) is
 * authoritative.
 */
public final class SagaIndex
    extends EventSourcedBehavior<SagaIndex.Command, SagaIndex.Event, SagaIndex.State> {

  /** The entity type. */
  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "skald-saga-index");

  /** Messages of the index. */
  public sealed interface Command extends SagaSerializable
      permits StatusChanged,
          Flush,
          Stop,
          ListByStatus,
          Counts,
          InFlightByVersion,
          Query,
          Sweep,
          SweepRead,
          SweepDeleted,
          SummariesRead {}

  /** Persisted events of the index. */
  public sealed interface Event extends SagaSerializable permits Updated, Swept {}

  /**
   * Pages through the summaries of one status, oldest first; see {@link
   * io.skald.saga.SagaRunner#query}.
   *
   * @param status the status
   * @param from the earliest change, epoch millis (inclusive)
   * @param to the latest change, epoch millis (inclusive)
   * @param version only this definition version, or 0 for every version
   * @param limit the most summaries in the page
   * @param after the cursor of the previous page, or null for the first
   * @param replyTo receives the page
   */
  public record Query(
      SagaStatus status,
      long from,
      long to,
      int version,
      int limit,
      String after,
      ActorRef<Page> replyTo)
      implements Command {}

  /**
   * An instance's summary: what the index knows of it.
   *
   * @param sagaId the instance
   * @param status its status
   * @param version the version it ran
   * @param at when it entered the status, epoch millis (0: before the index recorded times)
   * @param deleted whether retention has deleted the instance's journal
   */
  public record Summary(String sagaId, SagaStatus status, int version, long at, boolean deleted)
      implements SagaSerializable {}

  /**
   * The reply to {@link Query}.
   *
   * @param items the summaries
   * @param next the cursor of the next page, or null when there is none
   * @param error why the query failed, or null
   */
  public record Page(List<Summary> items, String next, String error) implements SagaSerializable {}

  /** Looks for finished instances past their retention. */
  enum Sweep implements Command {
    INSTANCE
  }

  /**
   * The due instances a round found.
   *
   * @param round the round
   * @param due their ids
   * @param upTo the index event through which every due instance is in {@code due}
   * @param error why reading failed, or null
   */
  record SweepRead(long round, List<String> due, long upTo, Throwable error) implements Command {}

  /**
   * How far the index's own events are past the summaries' retention.
   *
   * @param round the round
   * @param upTo the last such event (and covered by a snapshot and swept), or 0
   * @param error why reading failed, or null
   */
  record SummariesRead(long round, long upTo, Throwable error) implements Command {}

  /**
   * The journal and snapshot store answered for a round.
   *
   * @param round the round
   * @param error the first failure, or null
   */
  record SweepDeleted(long round, String error) implements Command {}

  /**
   * An instance changed status. The instance repeats it until the index acknowledges it, which it
   * does once the change is durable: a change is never lost with a node.
   *
   * @param sagaName the saga
   * @param sagaId the instance
   * @param status the new status
   * @param version the definition's version the instance runs
   * @param replyTo told true once the change is persisted, or null
   */
  public record StatusChanged(
      String sagaName, String sagaId, SagaStatus status, int version, ActorRef<Boolean> replyTo)
      implements Command {}

  /**
   * Counts the instances in flight (running, compensating or parked) by the version they run.
   *
   * @param replyTo receives the counts
   */
  public record InFlightByVersion(ActorRef<VersionCounts> replyTo) implements Command {}

  /**
   * The reply to {@link InFlightByVersion}.
   *
   * @param counts instances in flight per version
   */
  public record VersionCounts(Map<Integer, Long> counts) implements SagaSerializable {}

  enum Flush implements Command {
    INSTANCE
  }

  /**
   * Sharding's stop message (a rebalance, a node's shutdown): the changes buffered are written
   * before the index stops, so that the next incarnation (and a registration's checks of the
   * instances in flight) sees them.
   */
  enum Stop implements Command {
    INSTANCE
  }

  /**
   * Lists the instances of a status.
   *
   * @param status the status
   * @param replyTo receives the ids, oldest change first
   */
  public record ListByStatus(SagaStatus status, ActorRef<Ids> replyTo) implements Command {}

  /**
   * Counts instances by status.
   *
   * @param replyTo receives the counts
   */
  public record Counts(ActorRef<StatusCounts> replyTo) implements Command {}

  /**
   * The reply to {@link ListByStatus} (a record, so it serializes when the index runs on another
   * node).
   *
   * @param ids the saga ids
   */
  public record Ids(List<String> ids) implements SagaSerializable {}

  /**
   * The reply to {@link Counts}.
   *
   * @param counts instances per status
   * @param deleted finished instances retention deleted, in all (counted in {@code counts} too)
   */
  public record StatusCounts(Map<SagaStatus, Integer> counts, long deleted)
      implements SagaSerializable {}

  /**
   * Persisted: status changes.
   *
   * @param ids instance ids
   * @param statuses their new statuses, by position
   * @param versions the versions they run, by position (absent, so all 1, in events written before
   *     versions)
   * @param at when the changes were written, epoch millis (0 in events written before times)
   */
  public record Updated(
      List<String> ids, List<SagaStatus> statuses, List<Integer> versions, long at)
      implements Event {
    /**
     * The version of the change at a position.
     *
     * @param i the position
     * @return from 1
     */
    public int version(int i) {
      return versions == null || i >= versions.size() ? 1 : versions.get(i);
    }
  }

  /**
   * Persisted: retention deleted the finished instances of the index's events up to {@code upTo}.
   *
   * @param upTo the index's sequence number through which finished instances are deleted
   * @param instances how many instances this round deleted
   * @param summariesUpTo the index's own events deleted up to this sequence number (0: none)
   */
  public record Swept(long upTo, long instances, long summariesUpTo) implements Event {}

  /**
   * The index.
   *
   * @param statuses instance id to status, in order of the last change
   * @param forgotten finished instances dropped from {@code statuses} beyond {@code
   *     index-max-finished}, per status, so that the counts stay exact; absent in snapshots written
   *     before it existed (read as none)
   * @param versions the version of each instance in flight that does not run version 1 (absent in
   *     snapshots written before versions: all 1)
   * @param since when each instance in flight entered its status, epoch millis (absent in snapshots
   *     written before times)
   * @param marks where to start reading the index's events for a time: the first sequence number
   *     written at or after each mark's time (one mark per hour or per 5,000 events)
   * @param sweptUpTo the index's sequence number through which finished instances were deleted
   * @param deleted how many instances retention deleted, in all
   * @param summariesUpTo the index's own events deleted up to this sequence number (summaries past
   *     their retention)
   */
  public record State(
      LinkedHashMap<String, SagaStatus> statuses,
      Map<SagaStatus, Long> forgotten,
      Map<String, Integer> versions,
      Map<String, Long> since,
      TreeMap<Long, Long> marks,
      long sweptUpTo,
      long deleted,
      long summariesUpTo)
      implements SagaSerializable {
    /**
     * Reads an old snapshot's missing counts, times and marks as none; every collection is a copy
     * of its own (the index mutates its state in place, and a snapshot gets a copy).
     */
    public State {
      statuses = statuses == null ? new LinkedHashMap<>() : new LinkedHashMap<>(statuses);
      forgotten = forgotten == null ? new EnumMap<>(SagaStatus.class) : enumMap(forgotten);
      versions = versions == null ? new HashMap<>() : new HashMap<>(versions);
      since = since == null ? new HashMap<>() : new HashMap<>(since);
      marks = marks == null ? new TreeMap<>() : new TreeMap<>(marks);
    }

    private static Map<SagaStatus, Long> enumMap(Map<SagaStatus, Long> counts) {
      Map<SagaStatus, Long> copy = new EnumMap<>(SagaStatus.class);
      copy.putAll(counts);
      return copy;
    }

    /** A copy (for a snapshot, written while later events change this state). */
    State copy() {
      return new State(
          statuses, forgotten, versions, since, marks, sweptUpTo, deleted, summariesUpTo);
    }

    State swept(long upTo, long more, long summaries) {
      return new State(
          statuses,
          forgotten,
          versions,
          since,
          marks,
          upTo,
          deleted + more,
          Math.max(summariesUpTo, summaries));
    }
  }

  /**
   * The index of a saga.
   *
   * @param system the actor system
   * @param indexId the saga's index id (its name, or {@code flow:} and its name for a choreography)
   * @return its reference
   */
  public static EntityRef<Command> ref(ActorSystem<?> system, String indexId) {
    return ClusterSharding.get(system).entityRefFor(TYPE_KEY, indexId);
  }

  /**
   * Registers the entity type (once per actor system; later calls are no-ops in sharding).
   *
   * @param system the actor system
   * @param journal the journal plugin id
   * @param snapshots the snapshot plugin id
   * @param maxFinished how many finished instances the index keeps
   * @param retention how long finished instances and summaries are kept
   * @param snapshotEvery the index snapshots its state after this many events
   */
  public static void init(
      ActorSystem<?> system,
      String journal,
      String snapshots,
      int maxFinished,
      SagaRetention retention,
      int snapshotEvery) {
    ClusterSharding.get(system)
        .init(
            SagaRuntimeSettings.placed(
                system,
                Entity.of(
                        TYPE_KEY,
                        entity ->
                            Behaviors.<Command>setup(
                                ctx ->
                                    Behaviors.withTimers(
                                        timers ->
                                            new SagaIndex(
                                                ctx,
                                                entity.getEntityId(),
                                                timers,
                                                journal,
                                                snapshots,
                                                maxFinished,
                                                retention,
                                                snapshotEvery))))
                    .withStopMessage(Stop.INSTANCE)));
  }

  /** A new mark after this many events without one (or when the hour changes). */
  private static final long MARK_EVERY = 5_000;

  private static final long HOUR = Duration.ofHours(1).toMillis();

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final String indexId;
  private final String journal;
  private final String snapshots;
  private final int maxFinished;
  private final SagaRetention retention;
  private final int snapshotEvery;
  private final List<StatusChanged> buffered = new ArrayList<>();

  /** The latest buffered change of each instance (to tell a repeat in constant time). */
  private final Map<String, StatusChanged> lastBuffered = new HashMap<>();

  /** Requesters of a change that was buffered already: acknowledged with it. */
  private final List<ActorRef<Boolean>> alsoAck = new ArrayList<>();

  private long round;
  private boolean sweeping;
  private SweepRead sweepingRead;

  private SagaIndex(
      ActorContext<Command> context,
      String indexId,
      TimerScheduler<Command> timers,
      String journal,
      String snapshots,
      int maxFinished,
      SagaRetention retention,
      int snapshotEvery) {
    super(PersistenceId.of(TYPE_KEY.name(), indexId), SagaRuntimeSettings.ON_PERSIST_FAILURE);
    this.snapshotEvery = snapshotEvery;
    this.context = context;
    this.indexId = indexId;
    this.timers = timers;
    this.journal = journal;
    this.snapshots = snapshots;
    this.maxFinished = maxFinished;
    this.retention = retention;
    if (retention.instances() != null) {
      timers.startTimerWithFixedDelay(Sweep.INSTANCE, retention.checkInterval());
    }
  }

  /** The persistence id of one of this index's instances (or choreography trackers). */
  private String instancePersistenceId(String sagaId) {
    return indexId.startsWith("flow:")
        ? PersistenceId.of(
                SagaInstance.trackerTypeKey(indexId.substring("flow:".length())).name(), sagaId)
            .id()
        : PersistenceId.of(SagaInstance.typeKey(indexId).name(), sagaId).id();
  }

  @Override
  public String journalPluginId() {
    return journal;
  }

  @Override
  public String snapshotPluginId() {
    return snapshots;
  }

  @Override
  public State emptyState() {
    return new State(null, null, null, null, null, 0, 0, 0);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    // the events stay: they are the summaries of the instances (SagaRunner.query), deleted only
    // by skald.saga.retention.summaries, and only those a snapshot covers (recovery never reads
    // them again)
    return RetentionCriteria.snapshotEvery(snapshotEvery, 2);
  }

  /** The sequence number of the latest snapshot this incarnation saw written, or 0. */
  private long lastSnapshotSeq;

  @Override
  public org.apache.pekko.persistence.typed.javadsl.SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            org.apache.pekko.persistence.typed.SnapshotCompleted.class,
            (state, completed) ->
                lastSnapshotSeq = Math.max(lastSnapshotSeq, completed.metadata().sequenceNr()))
        .build();
  }

  @Override
  public org.apache.pekko.persistence.typed.SnapshotAdapter<State> snapshotAdapter() {
    return new org.apache.pekko.persistence.typed.SnapshotAdapter<>() {
      @Override
      public Object toJournal(State state) {
        return state.copy();
      }

      @Override
      public State fromJournal(Object snapshot) {
        return (State) snapshot;
      }
    };
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(
            StatusChanged.class,
            (state, changed) -> {
              if (duplicate(state, changed)) {
                return Effect().none();
              }
              buffered.add(changed);
              lastBuffered.put(changed.sagaId(), changed);
              if (!timers.isTimerActive(Flush.INSTANCE)) {
                timers.startSingleTimer(Flush.INSTANCE, Duration.ofMillis(100));
              }
              return Effect().none();
            })
        .onCommand(
            Stop.class,
            (state, stop) -> {
              if (buffered.isEmpty()) {
                return Effect().stop();
              }
              return flush().thenStop();
            })
        .onCommand(
            Flush.class,
            (state, flush) -> {
              if (buffered.isEmpty()) {
                return Effect().none();
              }
              return flush();
            })
        .onCommand(
            ListByStatus.class,
            (state, query) -> {
              List<String> ids = new ArrayList<>();
              Map<String, SagaStatus> all = withBuffered(state);
              all.forEach(
                  (id, status) -> {
                    if (status == query.status()) {
                      ids.add(id);
                    }
                  });
              query.replyTo().tell(new Ids(ids));
              return Effect().none();
            })
        .onCommand(
            InFlightByVersion.class,
            (state, query) -> {
              Map<String, Integer> versions = new HashMap<>(state.versions());
              buffered.forEach(c -> versions.put(c.sagaId(), c.version()));
              Map<Integer, Long> counts = new TreeMap<>();
              withBuffered(state)
                  .forEach(
                      (id, status) -> {
                        if (!status.terminal()) {
                          counts.merge(versions.getOrDefault(id, 1), 1L, Long::sum);
                        }
                      });
              query.replyTo().tell(new VersionCounts(counts));
              return Effect().none();
            })
        .onCommand(
            Counts.class,
            (state, query) -> {
              Map<SagaStatus, Integer> counts = new EnumMap<>(SagaStatus.class);
              withBuffered(state).values().forEach(s -> counts.merge(s, 1, Integer::sum));
              // finished instances the index no longer lists still count
              state
                  .forgotten()
                  .forEach((s, n) -> counts.merge(s, Math.toIntExact(n), Integer::sum));
              query.replyTo().tell(new StatusCounts(counts, state.deleted()));
              return Effect().none();
            })
        .onCommand(
            Query.class,
            (state, query) -> {
              if (query.status().terminal()) {
                IndexQueries.scan(context.getSystem(), persistenceId().id(), state, query);
              } else {
                query.replyTo().tell(IndexQueries.inFlight(state, query));
              }
              return Effect().none();
            })
        .onCommand(Sweep.class, this::onSweep)
        .onCommand(SweepRead.class, this::onSweepRead)
        .onCommand(SweepDeleted.class, this::onSweepDeleted)
        .onCommand(SummariesRead.class, this::onSummariesRead)
        .build();
  }

  /**
   * Whether a change is known already (an instance repeats a change until it is acknowledged, and
   * an acknowledgement can be lost): one persisted is acknowledged at once, one buffered with the
   * buffered one. Neither is written again, so summaries and retention see each change once.
   */
  private boolean duplicate(State state, StatusChanged changed) {
    StatusChanged pending = lastBuffered.get(changed.sagaId());
    if (pending != null) {
      if (pending.status() == changed.status() && pending.version() == changed.version()) {
        if (changed.replyTo() != null) {
          alsoAck.add(changed.replyTo());
        }
        return true;
      }
      return false; // it changed since: a new change
    }
    SagaStatus known = state.statuses().get(changed.sagaId());
    boolean same =
        known == changed.status()
            && (known.terminal()
                || state.versions().getOrDefault(changed.sagaId(), 1) == changed.version());
    if (same && changed.replyTo() != null) {
      changed.replyTo().tell(Boolean.TRUE); // durable already
    }
    return same;
  }

  /** Writes the buffered changes as one event, then acknowledges them. */
  private org.apache.pekko.persistence.typed.javadsl.EffectBuilder<Event, State> flush() {
    List<String> ids = new ArrayList<>(buffered.size());
    List<SagaStatus> statuses = new ArrayList<>(buffered.size());
    List<Integer> versions = new ArrayList<>(buffered.size());
    for (StatusChanged c : buffered) {
      ids.add(c.sagaId());
      statuses.add(c.status());
      versions.add(c.version());
    }
    List<StatusChanged> flushed = List.copyOf(buffered);
    List<ActorRef<Boolean>> repeated = List.copyOf(alsoAck);
    buffered.clear();
    lastBuffered.clear();
    alsoAck.clear();
    return Effect()
        .persist(new Updated(ids, statuses, versions, System.currentTimeMillis()))
        .thenRun(
            s -> {
              flushed.forEach(
                  c -> {
                    if (c.replyTo() != null) {
                      c.replyTo().tell(Boolean.TRUE);
                    }
                  });
              repeated.forEach(r -> r.tell(Boolean.TRUE));
            });
  }

  private Map<String, SagaStatus> withBuffered(State state) {
    if (buffered.isEmpty()) {
      return state.statuses();
    }
    Map<String, SagaStatus> all = new LinkedHashMap<>(state.statuses());
    buffered.forEach(c -> all.put(c.sagaId(), c.status()));
    return all;
  }

  // ---- retention ----------------------------------------------------------------------------

  /**
   * Reads the index's events after the last round, in order, while they are older than the
   * retention, and collects the finished instances they name, up to a batch (whole events).
   */
  private Effect<Event, State> onSweep(State state, Sweep sweep) {
    if (sweeping || retention.instances() == null) {
      return Effect().none();
    }
    sweeping = true;
    long thisRound = ++round;
    long cutoff = System.currentTimeMillis() - retention.instances().toMillis();
    context.pipeToSelf(
        IndexRetention.readDue(
            context.getSystem(),
            persistenceId().id(),
            state.sweptUpTo() + 1,
            lastSequenceNumber(context),
            cutoff,
            retention.batch()),
        (read, error) ->
            error != null
                ? new SweepRead(thisRound, List.of(), 0, error)
                : new SweepRead(
                    thisRound, read.due(), Math.max(read.upTo(), state.sweptUpTo()), null));
    return Effect().none();
  }

  /** Deletes the journal and the snapshots of every due instance. */
  private Effect<Event, State> onSweepRead(State state, SweepRead read) {
    if (read.round() != round) {
      return Effect().none();
    }
    if (read.error() != null) {
      context.getLog().warn("saga index {}: retention could not read: {}", indexId, read.error());
      sweeping = false;
      return Effect().none();
    }
    if (read.upTo() <= state.sweptUpTo()) {
      sweepSummaries(state); // no instance due
      return Effect().none();
    }
    // each once, and not one in flight again since its end was written (a completed child saga
    // compensated by its parent): its later end is swept in its turn
    java.util.Set<String> due = new java.util.LinkedHashSet<>();
    for (String id : read.due()) {
      SagaStatus now = state.statuses().get(id);
      if (now == null || now.terminal()) {
        due.add(id);
      }
    }
    read = new SweepRead(read.round(), List.copyOf(due), read.upTo(), read.error());
    sweepingRead = read;
    if (read.due().isEmpty()) {
      return onSweepDeleted(state, new SweepDeleted(read.round(), null));
    }
    context.spawnAnonymous(
        InstanceDeletion.create(
            read.due().stream().map(this::instancePersistenceId).toList(),
            journal,
            snapshots,
            context.getSelf(),
            read.round()));
    return Effect().none();
  }

  private Effect<Event, State> onSweepDeleted(State state, SweepDeleted deleted) {
    if (deleted.round() != round || sweepingRead == null) {
      return Effect().none();
    }
    SweepRead read = sweepingRead;
    sweepingRead = null;
    if (deleted.error() != null) {
      sweeping = false;
      context
          .getLog()
          .warn("saga index {}: retention could not delete: {}", indexId, deleted.error());
      return Effect().none();
    }
    return Effect()
        .persist(new Swept(read.upTo(), read.due().size(), 0))
        .thenRun(
            s -> {
              context
                  .getLog()
                  .debug(
                      "saga index {}: retention deleted {} finished instances",
                      indexId,
                      read.due().size());
              if (read.due().size() >= retention.batch()) {
                sweeping = false;
                context.getSelf().tell(Sweep.INSTANCE); // more are due: no wait for the timer
              } else {
                sweepSummaries(s);
              }
            });
  }

  /**
   * The second part of a round: reads the index's own events from where the summaries were last
   * deleted, while they are past the summaries' retention, swept, and covered by a snapshot
   * (recovery never reads them again), and deletes them. Each event is read about once for this.
   */
  private void sweepSummaries(State state) {
    if (retention.summaries() == null) {
      sweeping = false;
      return;
    }
    long cutoff = System.currentTimeMillis() - retention.summaries().toMillis();
    long bound = Math.min(state.sweptUpTo(), lastSnapshotSeq);
    long from = state.summariesUpTo() + 1;
    if (bound < from) {
      sweeping = false;
      return;
    }
    long thisRound = round;
    context.pipeToSelf(
        IndexRetention.readSummaries(
            context.getSystem(), persistenceId().id(), from, bound, cutoff),
        (upTo, error) -> new SummariesRead(thisRound, error == null ? upTo : 0, error));
  }

  private Effect<Event, State> onSummariesRead(State state, SummariesRead read) {
    if (read.round() != round) {
      return Effect().none();
    }
    sweeping = false;
    if (read.error() != null) {
      context.getLog().warn("saga index {}: retention could not read: {}", indexId, read.error());
      return Effect().none();
    }
    if (read.upTo() <= state.summariesUpTo()) {
      return Effect().none();
    }
    return Effect()
        .persist(new Swept(state.sweptUpTo(), 0, read.upTo()))
        .thenRun(
            s ->
                io.skald.saga.internal.SagaJournals.deleteEvents(
                    context.getSystem(), journal, persistenceId().id(), read.upTo()));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return (state, event) -> {
      if (event instanceof Swept swept) {
        if (swept.summariesUpTo() > 0) {
          // marks into deleted events go (a query before them reads from the first event left)
          state.marks().values().removeIf(seq -> seq <= swept.summariesUpTo());
        }
        return state.swept(swept.upTo(), swept.instances(), swept.summariesUpTo());
      }
      Updated updated = (Updated) event;
      mark(state, updated.at());
      // Mutated in place (a copy per event would cost O(instances)); snapshots get a copy.
      LinkedHashMap<String, SagaStatus> statuses = state.statuses();
      Map<String, Integer> versions = state.versions();
      Map<String, Long> since = state.since();
      for (int i = 0; i < updated.ids().size(); i++) {
        String id = updated.ids().get(i);
        SagaStatus status = updated.statuses().get(i);
        statuses.remove(id);
        statuses.put(id, status);
        if (status.terminal() || updated.version(i) == 1) {
          versions.remove(id);
        } else {
          versions.put(id, updated.version(i));
        }
        if (status.terminal()) {
          since.remove(id);
        } else {
          since.put(id, updated.at());
        }
      }
      int finished = 0;
      for (SagaStatus s : statuses.values()) {
        finished += s.terminal() ? 1 : 0;
      }
      Map<SagaStatus, Long> forgotten = state.forgotten();
      Iterator<Map.Entry<String, SagaStatus>> it = statuses.entrySet().iterator();
      while (finished > maxFinished && it.hasNext()) {
        SagaStatus status = it.next().getValue();
        if (status.terminal()) {
          it.remove();
          forgotten.merge(status, 1L, Long::sum);
          finished--;
        }
      }
      return state;
    };
  }

  /** Adds a mark when the hour changed or enough events were written since the last one. */
  private void mark(State state, long at) {
    if (at == 0) {
      return;
    }
    long seq = lastSequenceNumber(context);
    Map.Entry<Long, Long> last = state.marks().lastEntry();
    if (last == null || at / HOUR != last.getKey() / HOUR || seq - last.getValue() >= MARK_EVERY) {
      if (last == null || at > last.getKey()) {
        state.marks().put(at, seq);
      }
    }
  }
}
