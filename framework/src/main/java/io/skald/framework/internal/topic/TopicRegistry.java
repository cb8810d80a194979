package io.skald.framework.internal.topic;

import io.skald.framework.admin.TopicSpec;
import io.skald.framework.internal.EntitySupport;
import io.skald.framework.internal.SkaldSerializable;
import io.skald.framework.internal.SkaldSettings;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;

/**
 * INTERNAL API: the durable catalogue of topics, one sharded event-sourced entity. Creating or
 * altering a topic persists its definition before the caller is answered, so a topic acknowledged
 * as created or altered is so after any restart. A change is published to every node's {@link
 * TopicCache}.
 */
public final class TopicRegistry
    extends EventSourcedBehaviorWithEnforcedReplies<
        TopicRegistry.Command, TopicRegistry.Event, TopicRegistry.State> {

  /** The sharding entity type. */
  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY =
      EntityTypeKey.create(Command.class, "skald-topics");

  /** The one entity id of the registry. */
  public static final String ENTITY_ID = "registry";

  /** Messages the registry accepts. */
  public sealed interface Command extends SkaldSerializable
      permits CreateTopic, AlterTopic, DeleteTopic, CompleteDeletion, GetTopic, ListTopics {}

  /**
   * Creates a topic, or confirms an identical one.
   *
   * @param spec the definition
   * @param replyTo receives the outcome
   */
  public record CreateTopic(TopicSpec spec, ActorRef<CreateTopicReply> replyTo)
      implements Command {}

  /**
   * Changes an existing topic's settings other than its partition count.
   *
   * @param spec the new definition, with the topic's partition count
   * @param replyTo receives the outcome
   */
  public record AlterTopic(TopicSpec spec, ActorRef<AlterTopicReply> replyTo) implements Command {}

  /**
   * Starts deleting a topic: from now on it does not exist; its partitions' data is deleted next
   * ({@link CompleteDeletion} ends it). Repeating it for a topic being deleted is answered the
   * same, so an interrupted deletion is finished by deleting again.
   *
   * @param name the topic
   * @param replyTo receives the outcome
   */
  public record DeleteTopic(String name, ActorRef<DeleteTopicReply> replyTo) implements Command {}

  /**
   * Every partition of a topic being deleted has deleted its data.
   *
   * @param name the topic
   * @param replyTo told once durable
   */
  public record CompleteDeletion(String name, ActorRef<org.apache.pekko.Done> replyTo)
      implements Command {}

  /**
   * Answer to {@link DeleteTopic}.
   *
   * @param spec the topic's definition (its partitions are to be deleted), or null if there is no
   *     such topic
   */
  public record DeleteTopicReply(TopicSpec spec) implements SkaldSerializable {}

  /**
   * Looks a topic up.
   *
   * @param name the topic name
   * @param replyTo receives the lookup
   */
  public record GetTopic(String name, ActorRef<TopicLookup> replyTo) implements Command {}

  /**
   * Lists all topics.
   *
   * @param replyTo receives the list
   */
  public record ListTopics(ActorRef<TopicList> replyTo) implements Command {}

  /** Outcome of {@link CreateTopic}. */
  public sealed interface CreateTopicReply extends SkaldSerializable
      permits TopicCreated, TopicConflict, TopicBeingDeleted {}

  /**
   * The topic exists with the requested definition.
   *
   * @param spec the definition
   * @param created true if this command created it, false if it existed
   */
  public record TopicCreated(TopicSpec spec, boolean created) implements CreateTopicReply {}

  /**
   * A topic of that name exists with another definition.
   *
   * @param existing the existing definition
   */
  public record TopicConflict(TopicSpec existing) implements CreateTopicReply {}

  /**
   * A topic of that name is being deleted: delete it again to finish, then create it.
   *
   * @param name the topic
   */
  public record TopicBeingDeleted(String name) implements CreateTopicReply {}

  /** Outcome of {@link AlterTopic}. */
  public sealed interface AlterTopicReply extends SkaldSerializable
      permits TopicAltered, AlterRejected {}

  /**
   * The new definition is stored (or was already).
   *
   * @param previous the definition before
   * @param current the definition now
   */
  public record TopicAltered(TopicSpec previous, TopicSpec current) implements AlterTopicReply {}

  /**
   * The change was refused.
   *
   * @param existing the stored definition (it has more partitions than requested), or null if there
   *     is no such topic
   */
  public record AlterRejected(TopicSpec existing) implements AlterTopicReply {}

  /**
   * Answer to {@link GetTopic}.
   *
   * @param name the requested name
   * @param spec the definition, or null if unknown
   */
  public record TopicLookup(String name, TopicSpec spec) implements SkaldSerializable {}

  /**
   * Answer to {@link ListTopics}.
   *
   * @param topics every topic, sorted by name
   */
  public record TopicList(List<TopicSpec> topics) implements SkaldSerializable {}

  /** Persisted events. */
  public sealed interface Event extends SkaldSerializable
      permits TopicAdded, TopicRedefined, TopicDeletionStarted, TopicDeleted {}

  /**
   * A topic was created.
   *
   * @param spec its definition
   */
  public record TopicAdded(TopicDefinition spec) implements Event {}

  /**
   * A topic's settings were changed (its partition count is unchanged).
   *
   * @param spec its new definition
   */
  public record TopicRedefined(TopicDefinition spec) implements Event {}

  /**
   * A topic's deletion started: it no longer exists; its partitions delete their data next.
   *
   * @param name the topic
   */
  public record TopicDeletionStarted(String name) implements Event {}

  /**
   * Every partition of a deleted topic deleted its data: the name may be used again.
   *
   * @param name the topic
   */
  public record TopicDeleted(String name) implements Event {}

  /**
   * The known topics, and those being deleted.
   *
   * @param topics by name
   * @param deleting the topics whose deletion started and has not completed, by name (absent in
   *     states written before topics could be deleted)
   */
  public record State(Map<String, TopicDefinition> topics, Map<String, TopicDefinition> deleting)
      implements SkaldSerializable {
    /** Copies the maps. */
    public State {
      topics = Map.copyOf(topics);
      deleting = deleting == null ? Map.of() : Map.copyOf(deleting);
    }

    State with(TopicDefinition spec) {
      Map<String, TopicDefinition> copy = new TreeMap<>(topics);
      copy.put(spec.name(), spec);
      return new State(copy, deleting);
    }

    State deletionStarted(String name) {
      Map<String, TopicDefinition> copy = new TreeMap<>(topics);
      TopicDefinition removed = copy.remove(name);
      Map<String, TopicDefinition> marked = new TreeMap<>(deleting);
      if (removed != null) {
        marked.put(name, removed);
      }
      return new State(copy, marked);
    }

    State deleted(String name) {
      Map<String, TopicDefinition> marked = new TreeMap<>(deleting);
      marked.remove(name);
      return new State(topics, marked);
    }
  }

  /**
   * Registers the entity type with cluster sharding.
   *
   * @param system the actor system
   * @param settings Skald's settings
   * @param cache this node's topic cache, which tells every node's cache of a change
   */
  public static void init(ActorSystem<?> system, SkaldSettings settings, TopicCache cache) {
    ClusterSharding.get(system)
        .init(
            EntitySupport.entity(
                settings,
                ENTITY_TYPE_KEY,
                (ctx, timers, id) -> new TopicRegistry(settings, cache)));
  }

  /**
   * The registry's entity reference.
   *
   * @param system the actor system
   * @return the reference
   */
  public static EntityRef<Command> ref(ActorSystem<?> system) {
    return ClusterSharding.get(system).entityRefFor(ENTITY_TYPE_KEY, ENTITY_ID);
  }

  private final SkaldSettings settings;
  private final TopicCache cache;

  private TopicRegistry(SkaldSettings settings, TopicCache cache) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), ENTITY_ID), EntitySupport.ON_PERSIST_FAILURE);
    this.settings = settings;
    this.cache = cache;
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
    return new State(Map.of(), Map.of());
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(CreateTopic.class, this::onCreate)
        .onCommand(AlterTopic.class, this::onAlter)
        .onCommand(DeleteTopic.class, this::onDelete)
        .onCommand(
            CompleteDeletion.class,
            (state, cmd) ->
                state.deleting().containsKey(cmd.name())
                    ? Effect()
                        .persist(new TopicDeleted(cmd.name()))
                        .thenReply(cmd.replyTo(), s -> org.apache.pekko.Done.getInstance())
                    : Effect().reply(cmd.replyTo(), org.apache.pekko.Done.getInstance()))
        .onCommand(
            GetTopic.class,
            (state, cmd) ->
                Effect()
                    .reply(
                        cmd.replyTo(),
                        new TopicLookup(
                            cmd.name(),
                            state.topics().containsKey(cmd.name())
                                ? state.topics().get(cmd.name()).toSpec()
                                : null)))
        .onCommand(
            ListTopics.class,
            (state, cmd) ->
                Effect()
                    .reply(
                        cmd.replyTo(),
                        new TopicList(
                            new TreeMap<>(state.topics())
                                .values().stream().map(TopicDefinition::toSpec).toList())))
        .build();
  }

  private org.apache.pekko.persistence.typed.javadsl.ReplyEffect<Event, State> onCreate(
      State state, CreateTopic cmd) {
    TopicDefinition persisted = state.topics().get(cmd.spec().name());
    if (persisted == null && state.deleting().containsKey(cmd.spec().name())) {
      return Effect().reply(cmd.replyTo(), new TopicBeingDeleted(cmd.spec().name()));
    }
    if (persisted == null) {
      // announced to every node: pattern subscriptions pick the new topic up at once
      return Effect()
          .persist(new TopicAdded(TopicDefinition.of(cmd.spec())))
          .thenRun(s -> cache.publishChange(s.topics().get(cmd.spec().name()).toSpec()))
          .thenReply(cmd.replyTo(), s -> new TopicCreated(cmd.spec(), true));
    }
    TopicSpec existing = persisted.toSpec();
    if (existing.equals(cmd.spec())) {
      return Effect().reply(cmd.replyTo(), new TopicCreated(existing, false));
    }
    return Effect().reply(cmd.replyTo(), new TopicConflict(existing));
  }

  private org.apache.pekko.persistence.typed.javadsl.ReplyEffect<Event, State> onDelete(
      State state, DeleteTopic cmd) {
    TopicDefinition being = state.deleting().get(cmd.name());
    if (being != null) {
      cache.publishDeletion(cmd.name());
      return Effect().reply(cmd.replyTo(), new DeleteTopicReply(being.toSpec()));
    }
    TopicDefinition persisted = state.topics().get(cmd.name());
    if (persisted == null) {
      return Effect().reply(cmd.replyTo(), new DeleteTopicReply(null));
    }
    return Effect()
        .persist(new TopicDeletionStarted(cmd.name()))
        .thenRun(s -> cache.publishDeletion(cmd.name()))
        .thenReply(cmd.replyTo(), s -> new DeleteTopicReply(persisted.toSpec()));
  }

  private org.apache.pekko.persistence.typed.javadsl.ReplyEffect<Event, State> onAlter(
      State state, AlterTopic cmd) {
    TopicDefinition persisted = state.topics().get(cmd.spec().name());
    if (persisted == null) {
      return Effect().reply(cmd.replyTo(), new AlterRejected(null));
    }
    TopicSpec existing = persisted.toSpec();
    if (cmd.spec().partitions() < existing.partitions()) {
      // growing is allowed (keys then map to other partitions); shrinking would lose records
      return Effect().reply(cmd.replyTo(), new AlterRejected(existing));
    }
    if (existing.equals(cmd.spec())) {
      // Published again: a node that missed the change (it was down, or the message was lost)
      // catches up when the operator repeats the call.
      cache.publishChange(existing);
      return Effect().reply(cmd.replyTo(), new TopicAltered(existing, existing));
    }
    return Effect()
        .persist(new TopicRedefined(TopicDefinition.of(cmd.spec())))
        .thenRun(s -> cache.publishChange(cmd.spec()))
        .thenReply(cmd.replyTo(), s -> new TopicAltered(existing, cmd.spec()));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(TopicAdded.class, (state, event) -> state.with(event.spec()))
        .onEvent(TopicRedefined.class, (state, event) -> state.with(event.spec()))
        .onEvent(TopicDeletionStarted.class, (state, event) -> state.deletionStarted(event.name()))
        .onEvent(TopicDeleted.class, (state, event) -> state.deleted(event.name()))
        .build();
  }
}
