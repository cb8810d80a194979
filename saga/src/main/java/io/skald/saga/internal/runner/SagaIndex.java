package io.skald.saga.internal.runner;

import io.skald.saga.SagaStatus;
import io.skald.saga.internal.SagaRuntimeSettings;
import io.skald.saga.internal.SagaSerializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
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
    extends EventSourcedBehavior<SagaIndex.Command, SagaIndex.Updated, SagaIndex.State> {

  /** The entity type. */
  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "skald-saga-index");

  /** Messages of the index. */
  public sealed interface Command extends SagaSerializable
      permits StatusChanged, Flush, Stop, ListByStatus, Counts, InFlightByVersion {}

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
   */
  public record StatusCounts(Map<SagaStatus, Integer> counts) implements SagaSerializable {}

  /**
   * Persisted: status changes.
   *
   * @param ids instance ids
   * @param statuses their new statuses, by position
   * @param versions the versions they run, by position (absent, so all 1, in events written before
   *     versions)
   */
  public record Updated(List<String> ids, List<SagaStatus> statuses, List<Integer> versions)
      implements SagaSerializable {
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
   * The index.
   *
   * @param statuses instance id to status, in order of the last change
   * @param forgotten finished instances dropped from {@code statuses} beyond {@code
   *     index-max-finished}, per status, so that the counts stay exact; absent in snapshots written
   *     before it existed (read as none)
   * @param versions the version of each instance in flight that does not run version 1 (absent in
   *     snapshots written before versions: all 1)
   */
  public record State(
      LinkedHashMap<String, SagaStatus> statuses,
      Map<SagaStatus, Long> forgotten,
      Map<String, Integer> versions)
      implements SagaSerializable {
    /** Reads an old snapshot's missing counts as none. */
    public State {
      forgotten = forgotten == null ? Map.of() : Map.copyOf(forgotten);
      versions = versions == null ? Map.of() : Map.copyOf(versions);
    }
  }

  /**
   * The index of a saga.
   *
   * @param system the actor system
   * @param sagaName the saga
   * @return its reference
   */
  public static EntityRef<Command> ref(ActorSystem<?> system, String sagaName) {
    return ClusterSharding.get(system).entityRefFor(TYPE_KEY, sagaName);
  }

  /**
   * Registers the entity type (once per actor system; later calls are no-ops in sharding).
   *
   * @param system the actor system
   * @param journal the journal plugin id
   * @param snapshots the snapshot plugin id
   * @param maxFinished how many finished instances the index keeps
   */
  public static void init(
      ActorSystem<?> system, String journal, String snapshots, int maxFinished) {
    ClusterSharding.get(system)
        .init(
            SagaRuntimeSettings.placed(
                system,
                Entity.of(
                        TYPE_KEY,
                        ctx ->
                            Behaviors.<Command>withTimers(
                                timers ->
                                    new SagaIndex(
                                        ctx.getEntityId(),
                                        timers,
                                        journal,
                                        snapshots,
                                        maxFinished)))
                    .withStopMessage(Stop.INSTANCE)));
  }

  private final TimerScheduler<Command> timers;
  private final String journal;
  private final String snapshots;
  private final int maxFinished;
  private final List<StatusChanged> buffered = new ArrayList<>();

  private SagaIndex(
      String sagaName,
      TimerScheduler<Command> timers,
      String journal,
      String snapshots,
      int maxFinished) {
    super(PersistenceId.of(TYPE_KEY.name(), sagaName), SagaRuntimeSettings.ON_PERSIST_FAILURE);
    this.timers = timers;
    this.journal = journal;
    this.snapshots = snapshots;
    this.maxFinished = maxFinished;
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
    return new State(new LinkedHashMap<>(), Map.of(), Map.of());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(200, 2);
  }

  @Override
  public CommandHandler<Command, Updated, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(
            StatusChanged.class,
            (state, changed) -> {
              buffered.add(changed);
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
              Map<String, Integer> versions = new java.util.HashMap<>(state.versions());
              buffered.forEach(c -> versions.put(c.sagaId(), c.version()));
              Map<Integer, Long> counts = new java.util.TreeMap<>();
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
              query.replyTo().tell(new StatusCounts(counts));
              return Effect().none();
            })
        .build();
  }

  /** Writes the buffered changes as one event, then acknowledges them. */
  private org.apache.pekko.persistence.typed.javadsl.EffectBuilder<Updated, State> flush() {
    List<String> ids = new ArrayList<>(buffered.size());
    List<SagaStatus> statuses = new ArrayList<>(buffered.size());
    List<Integer> versions = new ArrayList<>(buffered.size());
    for (StatusChanged c : buffered) {
      ids.add(c.sagaId());
      statuses.add(c.status());
      versions.add(c.version());
    }
    List<StatusChanged> flushed = List.copyOf(buffered);
    buffered.clear();
    return Effect()
        .persist(new Updated(ids, statuses, versions))
        .thenRun(
            s ->
                flushed.forEach(
                    c -> {
                      if (c.replyTo() != null) {
                        c.replyTo().tell(Boolean.TRUE);
                      }
                    }));
  }

  private Map<String, SagaStatus> withBuffered(State state) {
    if (buffered.isEmpty()) {
      return state.statuses();
    }
    Map<String, SagaStatus> all = new LinkedHashMap<>(state.statuses());
    buffered.forEach(c -> all.put(c.sagaId(), c.status()));
    return all;
  }

  @Override
  public EventHandler<State, Updated> eventHandler() {
    return (state, updated) -> {
      // A copy per event (one event holds the changes of a whole interval): a snapshot may be
      // serialized while later events apply.
      LinkedHashMap<String, SagaStatus> statuses = new LinkedHashMap<>(state.statuses());
      int finished = 0;
      Map<String, Integer> versions = new java.util.HashMap<>(state.versions());
      for (int i = 0; i < updated.ids().size(); i++) {
        String id = updated.ids().get(i);
        statuses.remove(id);
        statuses.put(id, updated.statuses().get(i));
        if (updated.statuses().get(i).terminal() || updated.version(i) == 1) {
          versions.remove(id);
        } else {
          versions.put(id, updated.version(i));
        }
      }
      for (SagaStatus s : statuses.values()) {
        finished += s.terminal() ? 1 : 0;
      }
      Map<SagaStatus, Long> forgotten = new EnumMap<>(SagaStatus.class);
      forgotten.putAll(state.forgotten());
      Iterator<Map.Entry<String, SagaStatus>> it = statuses.entrySet().iterator();
      while (finished > maxFinished && it.hasNext()) {
        SagaStatus status = it.next().getValue();
        if (status.terminal()) {
          it.remove();
          forgotten.merge(status, 1L, Long::sum);
          finished--;
        }
      }
      return new State(statuses, forgotten, versions);
    };
  }
}
