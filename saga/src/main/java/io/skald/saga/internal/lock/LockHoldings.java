package io.skald.saga.internal.lock;

import io.skald.saga.internal.SagaRuntimeSettings;
import io.skald.saga.internal.SagaSerializable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * INTERNAL API: the resources a saga instance holds or waits for in one lock space, so that they
 * are all released when the saga ends. Written before the lock is asked for, so a crash in between
 * leaves at worst a resource to release that was never held (a no-op).
 */
public final class LockHoldings
    extends EventSourcedBehavior<LockHoldings.Command, LockHoldings.Event, LockHoldings.State> {

  /** The entity type. */
  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "skald-saga-semantic-lock-holdings");

  /** Commands. */
  public sealed interface Command extends SagaSerializable permits Add, Remove, Get {}

  /**
   * Remembers a resource.
   *
   * @param resource the resource
   * @param replyTo acknowledged once durable
   */
  public record Add(String resource, ActorRef<Boolean> replyTo) implements Command {}

  /**
   * Forgets resources (released).
   *
   * @param resources the resources
   * @param replyTo acknowledged once durable
   */
  public record Remove(List<String> resources, ActorRef<Boolean> replyTo) implements Command {}

  /**
   * Reads the resources.
   *
   * @param replyTo gets them
   */
  public record Get(ActorRef<State> replyTo) implements Command {}

  /** Persisted events. */
  public sealed interface Event extends SagaSerializable permits Held, Freed {}

  /**
   * The saga holds or waits for a resource.
   *
   * @param resource the resource
   */
  public record Held(String resource) implements Event {}

  /**
   * The saga gave resources up.
   *
   * @param resources the resources
   */
  public record Freed(List<String> resources) implements Event {}

  /**
   * The resources, oldest first.
   *
   * @param resources held or waited for
   */
  public record State(List<String> resources) implements SagaSerializable {
    /** Copies the list. */
    public State {
      resources = resources == null ? List.of() : List.copyOf(resources);
    }
  }

  /**
   * The holdings of a saga instance.
   *
   * @param system the actor system
   * @param space the locks' name
   * @param holder the saga instance, {@code <saga>/<id>}
   * @return its entity
   */
  public static EntityRef<Command> ref(ActorSystem<?> system, String space, String holder) {
    return ClusterSharding.get(system).entityRefFor(TYPE_KEY, space + ":" + holder);
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
                    entity ->
                        org.apache.pekko.actor.typed.javadsl.Behaviors.setup(
                            ctx ->
                                new LockHoldings(
                                    ctx.getSystem(), entity.getEntityId(), journal, snapshots)))));
  }

  private final String journal;
  private final String snapshots;

  private final ActorSystem<?> system;

  private LockHoldings(ActorSystem<?> system, String id, String journal, String snapshots) {
    super(PersistenceId.of(TYPE_KEY.name(), id), SagaRuntimeSettings.ON_PERSIST_FAILURE);
    this.system = system;
    this.journal = journal;
    this.snapshots = snapshots;
  }

  /**
   * A holder that holds nothing any more (its saga ended) needs none of its events: they are
   * deleted, so that every saga that ever held a lock does not leave a journal behind. The request
   * follows the last write in the journal's mailbox, and a later write follows it.
   */
  private void forgetIfEmpty(State state) {
    if (state.resources().isEmpty()) {
      io.skald.saga.internal.SagaJournals.deleteEvents(
          system, journal, persistenceId().id(), Long.MAX_VALUE);
    }
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
    return new State(List.of());
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(
            Add.class,
            (state, add) ->
                state.resources().contains(add.resource())
                    ? Effect().none().thenRun(s -> add.replyTo().tell(Boolean.TRUE))
                    : Effect()
                        .persist(new Held(add.resource()))
                        .thenRun(s -> add.replyTo().tell(Boolean.TRUE)))
        .onCommand(
            Remove.class,
            (state, remove) -> {
              List<String> held = new ArrayList<>(remove.resources());
              held.retainAll(state.resources());
              return held.isEmpty()
                  ? Effect().none().thenRun(s -> remove.replyTo().tell(Boolean.TRUE))
                  : Effect()
                      .persist(new Freed(held))
                      .thenRun(
                          s -> {
                            forgetIfEmpty(s);
                            remove.replyTo().tell(Boolean.TRUE);
                          });
            })
        .onCommand(Get.class, (state, get) -> Effect().none().thenRun(s -> get.replyTo().tell(s)))
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            Held.class,
            (s, e) -> {
              Set<String> all = new LinkedHashSet<>(s.resources());
              all.add(e.resource());
              return new State(new ArrayList<>(all));
            })
        .onEvent(
            Freed.class,
            (s, e) -> {
              List<String> rest = new ArrayList<>(s.resources());
              rest.removeAll(e.resources());
              return new State(rest);
            })
        .build();
  }
}
