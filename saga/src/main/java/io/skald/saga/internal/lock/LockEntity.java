package io.skald.saga.internal.lock;

import io.skald.saga.internal.SagaRuntimeSettings;
import io.skald.saga.internal.SagaSerializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * INTERNAL API: one resource's semantic lock ({@link io.skald.saga.SemanticLocks}), an
 * event-sourced entity per lock space and resource: who holds it, and who waits for it, first come
 * first served. The waiters' reply addresses are not persisted: after the entity moves, a waiter's
 * acquire times out on its side and is asked again (its command is redelivered), and finds its
 * place in the queue, or the lock granted to it.
 */
public final class LockEntity
    extends EventSourcedBehavior<LockEntity.Command, LockEntity.Event, LockEntity.State> {

  /** The entity type. */
  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "skald-saga-semantic-lock");

  /** Commands. */
  public sealed interface Command extends SagaSerializable
      permits Acquire, Release, Get, WaitExpired {}

  /**
   * Takes the lock for a holder, or queues it.
   *
   * @param holder the saga instance, {@code <saga>/<id>}
   * @param queue true to wait when another holds it
   * @param maxWaitMillis how long to wait at most
   * @param replyTo gets the outcome
   */
  public record Acquire(String holder, boolean queue, long maxWaitMillis, ActorRef<Outcome> replyTo)
      implements Command {}

  /**
   * Gives the lock up, or leaves the queue.
   *
   * @param holder the saga instance
   * @param replyTo gets whether the holder held or waited
   */
  public record Release(String holder, ActorRef<Boolean> replyTo) implements Command {}

  /**
   * Reads the lock.
   *
   * @param replyTo gets the state
   */
  public record Get(ActorRef<State> replyTo) implements Command {}

  record WaitExpired(String holder) implements Command {}

  /**
   * What an acquire got.
   *
   * @param granted true if the holder holds the lock
   * @param heldBy who holds it
   */
  public record Outcome(boolean granted, String heldBy) implements SagaSerializable {}

  /** Persisted events. */
  public sealed interface Event extends SagaSerializable permits Acquired, Queued, Released, Left {}

  /**
   * A holder took the lock (first, or as the next in the queue).
   *
   * @param holder the saga instance
   * @param at when
   */
  public record Acquired(String holder, long at) implements Event {}

  /**
   * A holder queued for the lock.
   *
   * @param holder the saga instance
   * @param at when
   */
  public record Queued(String holder, long at) implements Event {}

  /**
   * The holder gave the lock up.
   *
   * @param holder the saga instance
   * @param at when
   */
  public record Released(String holder, long at) implements Event {}

  /**
   * A waiter left the queue (its wait expired, or its saga ended).
   *
   * @param holder the saga instance
   * @param at when
   */
  public record Left(String holder, long at) implements Event {}

  /**
   * The lock.
   *
   * @param holder who holds it, or null
   * @param since when the holder took it
   * @param queue who waits, first first
   */
  public record State(String holder, long since, List<String> queue) implements SagaSerializable {
    /** Copies the queue (absent in an empty state). */
    public State {
      queue = queue == null ? List.of() : List.copyOf(queue);
    }
  }

  /**
   * The lock of a resource.
   *
   * @param system the actor system
   * @param space the locks' name
   * @param resource the resource
   * @return its entity
   */
  public static EntityRef<Command> ref(ActorSystem<?> system, String space, String resource) {
    return ClusterSharding.get(system).entityRefFor(TYPE_KEY, space + ":" + resource);
  }

  /**
   * Registers the entity type.
   *
   * @param system the actor system
   * @param journal the journal plugin id
   * @param snapshots the snapshot plugin id
   */
  public static void init(ActorSystem<?> system, String journal, String snapshots) {
    ClusterSharding.get(system)
        .init(
            SagaRuntimeSettings.placed(
                system,
                Entity.of(
                    TYPE_KEY,
                    ctx ->
                        Behaviors.<Command>withTimers(
                            timers ->
                                new LockEntity(ctx.getEntityId(), journal, snapshots, timers)))));
  }

  private final String journal;
  private final String snapshots;
  private final TimerScheduler<Command> timers;
  private final Map<String, ActorRef<Outcome>> waiting = new HashMap<>();

  private LockEntity(String id, String journal, String snapshots, TimerScheduler<Command> timers) {
    super(PersistenceId.of(TYPE_KEY.name(), id), SagaRuntimeSettings.ON_PERSIST_FAILURE);
    this.journal = journal;
    this.snapshots = snapshots;
    this.timers = timers;
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
  public org.apache.pekko.persistence.typed.javadsl.RetentionCriteria retentionCriteria() {
    // a busy resource is locked and released by every saga that touches it: keep its recovery
    // short (the state is small: a holder and a queue), and its journal short: the events the
    // snapshots kept cover are deleted
    return org.apache.pekko.persistence.typed.javadsl.RetentionCriteria.snapshotEvery(100, 2)
        .withDeleteEventsOnSnapshot();
  }

  @Override
  public State emptyState() {
    return new State(null, 0, List.of());
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Acquire.class, this::onAcquire)
        .onCommand(Release.class, this::onRelease)
        .onCommand(
            WaitExpired.class,
            (state, expired) -> {
              if (!state.queue().contains(expired.holder())) {
                return Effect().none();
              }
              return Effect()
                  .persist(new Left(expired.holder(), System.currentTimeMillis()))
                  .thenRun(s -> answer(expired.holder(), new Outcome(false, s.holder())));
            })
        .onCommand(
            Get.class,
            (state, get) -> {
              get.replyTo().tell(state);
              return Effect().none();
            })
        .build();
  }

  private Effect<Event, State> onAcquire(State state, Acquire acquire) {
    String holder = acquire.holder();
    long now = System.currentTimeMillis();
    if (state.holder() == null) {
      return Effect()
          .persist(new Acquired(holder, now))
          .thenRun(s -> acquire.replyTo().tell(new Outcome(true, holder)));
    }
    if (state.holder().equals(holder)) {
      return Effect().none().thenRun(s -> acquire.replyTo().tell(new Outcome(true, holder)));
    }
    if (!acquire.queue()) {
      return Effect().none().thenRun(s -> acquire.replyTo().tell(new Outcome(false, s.holder())));
    }
    waiting.put(holder, acquire.replyTo()); // (a redelivered acquire finds its place again)
    timers.startSingleTimer(
        holder, new WaitExpired(holder), Duration.ofMillis(acquire.maxWaitMillis()));
    return state.queue().contains(holder)
        ? Effect().none()
        : Effect().persist(new Queued(holder, now));
  }

  private Effect<Event, State> onRelease(State state, Release release) {
    String holder = release.holder();
    long now = System.currentTimeMillis();
    if (holder.equals(state.holder())) {
      List<Event> events = new ArrayList<>();
      events.add(new Released(holder, now));
      if (!state.queue().isEmpty()) {
        events.add(new Acquired(state.queue().get(0), now));
      }
      return Effect()
          .persist(events)
          .thenRun(
              s -> {
                release.replyTo().tell(Boolean.TRUE);
                if (s.holder() != null) {
                  answer(s.holder(), new Outcome(true, s.holder()));
                }
              });
    }
    if (state.queue().contains(holder)) {
      return Effect()
          .persist(new Left(holder, now))
          .thenRun(
              s -> {
                release.replyTo().tell(Boolean.TRUE);
                answer(holder, new Outcome(false, s.holder()));
              });
    }
    return Effect().none().thenRun(s -> release.replyTo().tell(Boolean.FALSE));
  }

  private void answer(String holder, Outcome outcome) {
    timers.cancel(holder);
    ActorRef<Outcome> replyTo = waiting.remove(holder);
    if (replyTo != null) {
      replyTo.tell(outcome);
    }
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            Acquired.class, (s, e) -> new State(e.holder(), e.at(), without(s.queue(), e.holder())))
        .onEvent(
            Queued.class,
            (s, e) -> {
              List<String> queue = new ArrayList<>(s.queue());
              queue.add(e.holder());
              return new State(s.holder(), s.since(), queue);
            })
        .onEvent(Released.class, (s, e) -> new State(null, 0, s.queue()))
        .onEvent(
            Left.class, (s, e) -> new State(s.holder(), s.since(), without(s.queue(), e.holder())))
        .build();
  }

  private static List<String> without(List<String> queue, String holder) {
    List<String> rest = new ArrayList<>(queue);
    rest.remove(holder);
    return rest;
  }
}
