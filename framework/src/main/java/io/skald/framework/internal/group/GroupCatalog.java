package io.skald.framework.internal.group;

import io.skald.framework.internal.EntitySupport;
import io.skald.framework.internal.SkaldSerializable;
import io.skald.framework.internal.SkaldSettings;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * INTERNAL API: the durable list of consumer groups, one sharded event-sourced entity. A {@link
 * GroupCoordinator} registers its group at the first join (or offset reset) of each of its
 * incarnations, which is idempotent and costs a write only the first time; deleting a group removes
 * it. Groups of journals written before the catalogue existed appear after their next join.
 */
public final class GroupCatalog
    extends EventSourcedBehavior<GroupCatalog.Command, GroupCatalog.Event, GroupCatalog.State> {

  /** The sharding entity type. */
  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY =
      EntityTypeKey.create(Command.class, "skald-groups");

  /** The one entity id of the catalogue. */
  public static final String ENTITY_ID = "catalog";

  /** Messages the catalogue accepts. */
  public sealed interface Command extends SkaldSerializable
      permits Register, Unregister, ListGroups {}

  /**
   * Adds a group if it is not listed (no reply: a coordinator registers again in its next
   * incarnation).
   *
   * @param group the group
   */
  public record Register(String group) implements Command {}

  /**
   * Removes a group.
   *
   * @param group the group
   * @param replyTo told once durable
   */
  public record Unregister(String group, ActorRef<Done> replyTo) implements Command {}

  /**
   * Lists the groups.
   *
   * @param replyTo receives them
   */
  public record ListGroups(ActorRef<GroupList> replyTo) implements Command {}

  /**
   * Answer to {@link ListGroups}.
   *
   * @param groups every group, sorted
   */
  public record GroupList(List<String> groups) implements SkaldSerializable {}

  /** Persisted events. */
  public sealed interface Event extends SkaldSerializable permits GroupAdded, GroupRemoved {}

  /**
   * A group was registered.
   *
   * @param group its name
   */
  public record GroupAdded(String group) implements Event {}

  /**
   * A group was deleted.
   *
   * @param group its name
   */
  public record GroupRemoved(String group) implements Event {}

  /**
   * The listed groups (immutable).
   *
   * @param groups the names
   */
  public record State(Set<String> groups) implements SkaldSerializable {
    /** Copies the set, sorted. */
    public State {
      groups = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(groups));
    }

    State plus(String group) {
      Set<String> copy = new TreeSet<>(groups);
      copy.add(group);
      return new State(copy);
    }

    State minus(String group) {
      Set<String> copy = new TreeSet<>(groups);
      copy.remove(group);
      return new State(copy);
    }
  }

  /**
   * Registers the entity type with cluster sharding.
   *
   * @param system the actor system
   * @param settings Skald's settings
   */
  public static void init(ActorSystem<?> system, SkaldSettings settings) {
    ClusterSharding.get(system)
        .init(
            EntitySupport.entity(
                settings, ENTITY_TYPE_KEY, (ctx, timers, id) -> new GroupCatalog(settings)));
  }

  /**
   * The catalogue's entity reference.
   *
   * @param system the actor system
   * @return the reference
   */
  public static EntityRef<Command> ref(ActorSystem<?> system) {
    return ClusterSharding.get(system).entityRefFor(ENTITY_TYPE_KEY, ENTITY_ID);
  }

  private final SkaldSettings settings;

  private GroupCatalog(SkaldSettings settings) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), ENTITY_ID), EntitySupport.ON_PERSIST_FAILURE);
    this.settings = settings;
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
  public State emptyState() {
    return new State(Set.of());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(
            Register.class,
            (state, cmd) ->
                state.groups().contains(cmd.group())
                    ? Effect().none()
                    : Effect().persist(new GroupAdded(cmd.group())))
        .onCommand(
            Unregister.class,
            (state, cmd) -> {
              if (!state.groups().contains(cmd.group())) {
                cmd.replyTo().tell(Done.getInstance());
                return Effect().none();
              }
              return Effect()
                  .persist(new GroupRemoved(cmd.group()))
                  .thenRun(s -> cmd.replyTo().tell(Done.getInstance()));
            })
        .onCommand(
            ListGroups.class,
            (state, cmd) -> {
              cmd.replyTo().tell(new GroupList(List.copyOf(state.groups())));
              return Effect().none();
            })
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(GroupAdded.class, (state, event) -> state.plus(event.group()))
        .onEvent(GroupRemoved.class, (state, event) -> state.minus(event.group()))
        .build();
  }
}
