package io.skald.saga.internal.participant;

import io.skald.saga.internal.SagaRuntimeSettings;
import io.skald.saga.internal.SagaSerializable;
import java.util.LinkedHashMap;
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
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * INTERNAL API: a participant service's memory of the saga commands it executed: idempotency key to
 * the reply it gave. One entity per service and bucket (bucketed by saga id, so a command and its
 * compensation meet in one entity); each remembers up to a capacity, forgetting the oldest.
 */
public final class ParticipantLedger
    extends EventSourcedBehavior<
        ParticipantLedger.Command, ParticipantLedger.Recorded, ParticipantLedger.State> {

  /** The entity type. */
  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "skald-saga-ledger");

  /** Messages of the ledger. */
  public sealed interface Command extends SagaSerializable permits Check, Record {}

  /**
   * Looks up a command and its counterpart (the compensation of a command, or the command of a
   * compensation).
   *
   * @param key the command's idempotency key
   * @param counterpart the counterpart's key
   * @param replyTo receives what is known
   */
  public record Check(String key, String counterpart, ActorRef<Checked> replyTo)
      implements Command {}

  /**
   * What the ledger knows.
   *
   * @param reply the remembered reply to the command, or null
   * @param counterpartDone whether the counterpart was executed
   */
  public record Checked(Entry reply, boolean counterpartDone) implements SagaSerializable {}

  /**
   * Remembers a reply.
   *
   * @param key the idempotency key
   * @param reply the reply
   * @param replyTo acknowledged once durable
   */
  public record Record(String key, Entry reply, ActorRef<Boolean> replyTo) implements Command {}

  /**
   * A remembered reply.
   *
   * @param type the reply's class name, or {@code ack}
   * @param json the reply
   */
  public record Entry(String type, String json) implements SagaSerializable {}

  /**
   * Persisted: a reply was remembered.
   *
   * @param key the key
   * @param reply the reply
   */
  public record Recorded(String key, Entry reply) implements SagaSerializable {}

  /**
   * The remembered replies, oldest first.
   *
   * @param replies key to reply
   */
  public record State(LinkedHashMap<String, Entry> replies) implements SagaSerializable {}

  /**
   * The ledger bucket of an instance for a service.
   *
   * @param system the actor system
   * @param service the participant service
   * @param sagaId the instance
   * @param buckets the number of buckets
   * @return the entity reference
   */
  public static EntityRef<Command> ref(
      ActorSystem<?> system, String service, String sagaId, int buckets) {
    return ClusterSharding.get(system)
        .entityRefFor(TYPE_KEY, service + "~" + Math.floorMod(sagaId.hashCode(), buckets));
  }

  /**
   * Registers the entity type.
   *
   * @param system the actor system
   * @param journal the journal plugin id
   * @param snapshots the snapshot plugin id
   * @param capacity how many keys an entity remembers
   */
  public static void init(ActorSystem<?> system, String journal, String snapshots, int capacity) {
    ClusterSharding.get(system)
        .init(
            SagaRuntimeSettings.placed(
                system,
                Entity.of(
                    TYPE_KEY,
                    ctx ->
                        new ParticipantLedger(ctx.getEntityId(), journal, snapshots, capacity))));
  }

  private final String journal;
  private final String snapshots;
  private final int capacity;

  private ParticipantLedger(String id, String journal, String snapshots, int capacity) {
    super(PersistenceId.of(TYPE_KEY.name(), id), SagaRuntimeSettings.ON_PERSIST_FAILURE);
    this.journal = journal;
    this.snapshots = snapshots;
    this.capacity = capacity;
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
    return new State(new LinkedHashMap<>());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(1000, 2);
  }

  @Override
  public CommandHandler<Command, Recorded, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(
            Check.class,
            (state, check) ->
                Effect()
                    .none()
                    .thenRun(
                        s ->
                            check
                                .replyTo()
                                .tell(
                                    new Checked(
                                        s.replies().get(check.key()),
                                        s.replies().containsKey(check.counterpart())))))
        .onCommand(
            Record.class,
            (state, record) ->
                state.replies().containsKey(record.key())
                    ? Effect().none().thenRun(s -> record.replyTo().tell(Boolean.FALSE))
                    : Effect()
                        .persist(new Recorded(record.key(), record.reply()))
                        .thenRun(s -> record.replyTo().tell(Boolean.TRUE)))
        .build();
  }

  @Override
  public EventHandler<State, Recorded> eventHandler() {
    return (state, recorded) -> {
      // Mutated in place (a copy per command would cost O(capacity)); snapshots get a copy.
      LinkedHashMap<String, Entry> replies = state.replies();
      replies.put(recorded.key(), recorded.reply());
      while (replies.size() > capacity) {
        replies.remove(replies.keySet().iterator().next());
      }
      return state;
    };
  }

  @Override
  public org.apache.pekko.persistence.typed.SnapshotAdapter<State> snapshotAdapter() {
    return new org.apache.pekko.persistence.typed.SnapshotAdapter<>() {
      @Override
      public Object toJournal(State state) {
        return new State(new LinkedHashMap<>(state.replies()));
      }

      @Override
      public State fromJournal(Object snapshot) {
        return (State) snapshot;
      }
    };
  }
}
