package io.skald.saga.internal.participant;

import io.skald.saga.internal.SagaRuntimeSettings;
import io.skald.saga.internal.SagaSerializable;
import io.skald.saga.internal.engine.LedgerRules;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
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
 * the reply it gave (a refusal is remembered per attempt, so a resend of that attempt gets the same
 * refusal and a retry runs again). One entity per service and bucket, bucketed by saga id so that a
 * command and its compensation meet in one entity. What is remembered of an instance lives as long
 * as the instance: when the saga ends, its orchestrator (or tracker) writes an end marker behind
 * its last command, and the instance's keys are forgotten a grace period after the marker, never
 * earlier (no capacity bound evicts a key of a saga that still runs or waits for an operator).
 */
public final class ParticipantLedger
    extends EventSourcedBehavior<
        ParticipantLedger.Command, ParticipantLedger.Event, ParticipantLedger.State> {

  /** The entity type. */
  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "skald-saga-ledger");

  /** Messages of the ledger. */
  public sealed interface Command extends SagaSerializable permits Check, Record, Forget {}

  /** Persisted events of the ledger. */
  public sealed interface Event extends SagaSerializable permits Recorded, Ended {}

  /**
   * Looks up a command and its counterpart (the compensation of a command, or the command of a
   * compensation).
   *
   * @param key the command's idempotency key
   * @param attempt the command's attempt (a refusal is remembered per attempt), or 0
   * @param counterpart the counterpart's key
   * @param replyTo receives what is known
   */
  public record Check(String key, int attempt, String counterpart, ActorRef<Checked> replyTo)
      implements Command {}

  /**
   * What the ledger knows.
   *
   * @param reply the remembered reply to the command (its success, or its refusal of this attempt),
   *     or null
   * @param counterpartDone whether the counterpart was executed
   */
  public record Checked(Entry reply, boolean counterpartDone) implements SagaSerializable {}

  /**
   * Remembers a reply.
   *
   * @param key the idempotency key, or for a refusal its {@link #refusalKey}
   * @param reply the reply
   * @param replyTo acknowledged once durable
   */
  public record Record(String key, Entry reply, ActorRef<Boolean> replyTo) implements Command {}

  /**
   * A saga instance ended: forget its keys after the grace period.
   *
   * @param instance the instance's key prefix, {@link #instance}
   * @param replyTo acknowledged once durable
   */
  public record Forget(String instance, ActorRef<Boolean> replyTo) implements Command {}

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
  public record Recorded(String key, Entry reply) implements Event {}

  /**
   * Persisted: a saga instance ended (its end marker was consumed).
   *
   * @param instance the instance's key prefix
   * @param at when, epoch millis: its keys are forgotten from {@code at + grace}
   */
  public record Ended(String instance, long at) implements Event {}

  /**
   * The remembered replies and the ended instances that are still within their grace period.
   *
   * @param replies key to reply (sorted, so an instance's keys are one range)
   * @param ended instance to when it ended, oldest first (absent in snapshots written before
   *     instances ended)
   */
  public record State(TreeMap<String, Entry> replies, LinkedHashMap<String, Long> ended)
      implements SagaSerializable {

    /** Replaces an absent map by an empty one. */
    public State {
      replies = replies == null ? new TreeMap<>() : replies;
      ended = ended == null ? new LinkedHashMap<>() : ended;
    }
  }

  /**
   * The key prefix of a saga instance's commands: every idempotency key of the instance starts with
   * it.
   *
   * @param saga the saga name
   * @param sagaId the instance id
   * @return the prefix
   */
  public static String instance(String saga, String sagaId) {
    return saga + "/" + sagaId + "/";
  }

  /**
   * The key under which a refusal of one attempt is remembered.
   *
   * @param key the idempotency key
   * @param attempt the attempt
   * @return the key
   */
  public static String refusalKey(String key, int attempt) {
    return LedgerRules.refusalKey(key, attempt);
  }

  /**
   * The ledger bucket of an instance for a service.
   *
   * @param system the actor system
   * @param service the participant service
   * @param sagaId the instance
   * @param buckets the service's number of buckets (fixed at its first start, {@link LedgerLayout})
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
   * @param grace how long an ended instance's keys are kept after it ended
   */
  public static void init(ActorSystem<?> system, String journal, String snapshots, Duration grace) {
    ClusterSharding.get(system)
        .init(
            SagaRuntimeSettings.placed(
                system,
                Entity.of(
                    TYPE_KEY,
                    ctx ->
                        new ParticipantLedger(
                            ctx.getEntityId(), journal, snapshots, grace.toMillis()))));
  }

  private final String journal;
  private final String snapshots;
  private final long graceMillis;

  private ParticipantLedger(String id, String journal, String snapshots, long graceMillis) {
    super(PersistenceId.of(TYPE_KEY.name(), id), SagaRuntimeSettings.ON_PERSIST_FAILURE);
    this.journal = journal;
    this.snapshots = snapshots;
    this.graceMillis = graceMillis;
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
    return new State(new TreeMap<>(), new LinkedHashMap<>());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    // The snapshot holds every key still remembered: the events before it are deleted (the keys of
    // instances that ended a grace period ago are gone with them).
    return RetentionCriteria.snapshotEvery(1000, 2).withDeleteEventsOnSnapshot();
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(
            Check.class,
            (state, check) ->
                Effect()
                    .none()
                    .thenRun(
                        s -> {
                          Entry reply =
                              LedgerRules.remembered(s.replies(), check.key(), check.attempt());
                          check
                              .replyTo()
                              .tell(
                                  new Checked(reply, s.replies().containsKey(check.counterpart())));
                        }))
        .onCommand(
            Record.class,
            (state, record) ->
                state.replies().containsKey(record.key())
                    ? Effect().none().thenRun(s -> record.replyTo().tell(Boolean.FALSE))
                    : Effect()
                        .persist(new Recorded(record.key(), record.reply()))
                        .thenRun(s -> record.replyTo().tell(Boolean.TRUE)))
        .onCommand(
            Forget.class,
            (state, forget) ->
                state.ended().containsKey(forget.instance())
                        || state
                            .replies()
                            .subMap(forget.instance(), forget.instance() + Character.MAX_VALUE)
                            .isEmpty()
                    // known already, or nothing of it here (it never reached this service)
                    ? Effect().none().thenRun(s -> forget.replyTo().tell(Boolean.FALSE))
                    : Effect()
                        .persist(new Ended(forget.instance(), System.currentTimeMillis()))
                        .thenRun(s -> forget.replyTo().tell(Boolean.TRUE)))
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return (state, event) -> {
      // Mutated in place (a copy per command would cost O(keys)); snapshots get a copy.
      if (event instanceof Recorded recorded) {
        state.replies().put(recorded.key(), recorded.reply());
        return state;
      }
      Ended ended = (Ended) event;
      state.ended().put(ended.instance(), ended.at());
      forgetExpired(state, ended.at());
      return state;
    };
  }

  /**
   * Forgets the keys of the instances that ended a grace period before {@code now}. Ended instances
   * are kept oldest first, so this looks at the expired ones and one more.
   */
  private void forgetExpired(State state, long now) {
    Iterator<Map.Entry<String, Long>> oldest = state.ended().entrySet().iterator();
    while (oldest.hasNext()) {
      Map.Entry<String, Long> next = oldest.next();
      if (next.getValue() + graceMillis > now) {
        return;
      }
      String prefix = next.getKey();
      state.replies().subMap(prefix, prefix + Character.MAX_VALUE).clear();
      oldest.remove();
    }
  }

  @Override
  public org.apache.pekko.persistence.typed.SnapshotAdapter<State> snapshotAdapter() {
    return new org.apache.pekko.persistence.typed.SnapshotAdapter<>() {
      @Override
      public Object toJournal(State state) {
        return new State(new TreeMap<>(state.replies()), new LinkedHashMap<>(state.ended()));
      }

      @Override
      public State fromJournal(Object snapshot) {
        return (State) snapshot;
      }
    };
  }
}
