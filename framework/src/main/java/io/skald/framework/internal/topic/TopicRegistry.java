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
 * INTERNAL API: the durable catalogue of topics, one sharded event-sourced entity. Creating a topic
 * persists its definition before the caller is answered, so a topic acknowledged as created exists
 * after any restart.
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
      permits CreateTopic, GetTopic, ListTopics {}

  /**
   * Creates a topic, or confirms an identical one.
   *
   * @param spec the definition
   * @param replyTo receives the outcome
   */
  public record CreateTopic(TopicSpec spec, ActorRef<CreateTopicReply> replyTo)
      implements Command {}

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
      permits TopicCreated, TopicConflict {}

  /**
   * The topic exists with the requested definition.
   *
   * @param spec the definition
   */
  public record TopicCreated(TopicSpec spec) implements CreateTopicReply {}

  /**
   * A topic of that name exists with another definition.
   *
   * @param existing the existing definition
   */
  public record TopicConflict(TopicSpec existing) implements CreateTopicReply {}

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
  public sealed interface Event extends SkaldSerializable permits TopicAdded {}

  /**
   * A topic was created.
   *
   * @param spec its definition
   */
  public record TopicAdded(TopicDefinition spec) implements Event {}

  /**
   * The known topics.
   *
   * @param topics by name
   */
  public record State(Map<String, TopicDefinition> topics) implements SkaldSerializable {
    /** Copies the map. */
    public State {
      topics = Map.copyOf(topics);
    }

    State with(TopicDefinition spec) {
      Map<String, TopicDefinition> copy = new TreeMap<>(topics);
      copy.put(spec.name(), spec);
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
                settings, ENTITY_TYPE_KEY, (ctx, timers, id) -> new TopicRegistry(settings)));
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

  private TopicRegistry(SkaldSettings settings) {
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
    return new State(Map.of());
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(CreateTopic.class, this::onCreate)
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
    if (persisted == null) {
      return Effect()
          .persist(new TopicAdded(TopicDefinition.of(cmd.spec())))
          .thenReply(cmd.replyTo(), s -> new TopicCreated(cmd.spec()));
    }
    TopicSpec existing = persisted.toSpec();
    if (existing.equals(cmd.spec())) {
      return Effect().reply(cmd.replyTo(), new TopicCreated(existing));
    }
    return Effect().reply(cmd.replyTo(), new TopicConflict(existing));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(TopicAdded.class, (state, event) -> state.with(event.spec()))
        .build();
  }
}
