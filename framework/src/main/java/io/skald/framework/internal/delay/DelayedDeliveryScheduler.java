package io.skald.framework.internal.delay;

import io.skald.framework.Stages;
import io.skald.framework.TopicPartition;
import io.skald.framework.deadletter.DeadLetterReason;
import io.skald.framework.internal.EntityIds;
import io.skald.framework.internal.EntitySupport;
import io.skald.framework.internal.SkaldSerializable;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.deadletter.DeadLetterHeaders;
import io.skald.framework.internal.deadletter.DeadLetterSink;
import io.skald.framework.internal.log.PartitionEntity;
import io.skald.framework.internal.log.PartitionProtocol;
import io.skald.framework.internal.log.RecordFormat;
import io.skald.framework.producer.RecordTooLargeException;
import io.skald.framework.producer.ScheduledDelivery;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * INTERNAL API: durable delayed delivery for one target partition, a sharded event-sourced entity
 * (entity id = the partition's entity id).
 *
 * <p>A scheduled record is persisted before the sender is answered, so it survives a crash. When
 * records fall due, the scheduler persists {@link DeliveryStarted} with consecutive sequence
 * numbers, appends them to the partition as one idempotent append of producer {@code delay:<tp>},
 * and then persists {@link Delivered}. After a crash between the two, recovery sends the identical
 * append again and the partition does not write it twice. Records are never delivered before their
 * time; they are delivered within about {@code tick} after it while the node runs.
 */
public final class DelayedDeliveryScheduler
    extends EventSourcedBehavior<
        DelayedDeliveryScheduler.Command,
        DelayedDeliveryScheduler.Event,
        DelayedDeliveryScheduler.State> {

  /** The sharding entity type. */
  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY =
      EntityTypeKey.create(Command.class, "skald-delayed-delivery");

  private static final int MAX_PER_DELIVERY = 500;
  private static final Duration MAX_TIMER = Duration.ofMinutes(1);
  private static final Duration FIRST_RETRY = Duration.ofMillis(500);
  private static final Duration MAX_RETRY = Duration.ofSeconds(30);

  /** Room left in an append for the batch's own framing. */
  private static final int BATCH_OVERHEAD_BYTES = 64;

  /** Messages of the scheduler. */
  public sealed interface Command extends SkaldSerializable
      permits Schedule, Tick, DeliveryDone, DeadLetterDone {}

  /**
   * Schedules a record.
   *
   * @param dueAtMillis when to deliver it, epoch milliseconds
   * @param key the key bytes or null
   * @param value the value bytes
   * @param headers the headers
   * @param replyTo receives the acknowledgement once the schedule is durable
   */
  public record Schedule(
      long dueAtMillis,
      byte[] key,
      byte[] value,
      Map<String, String> headers,
      ActorRef<ScheduledAck> replyTo)
      implements Command {}

  /**
   * The schedule is durable.
   *
   * @param id the scheduled record's id within this scheduler
   * @param dueAtMillis when it will be delivered
   */
  public record ScheduledAck(long id, long dueAtMillis) implements SkaldSerializable {}

  enum Tick implements Command {
    INSTANCE
  }

  /**
   * The partition's answer to a delivery: written ({@code error} and {@code refusal} null), refused
   * ({@code refusal}), or no answer ({@code error}).
   */
  record DeliveryDone(
      List<Long> ids,
      Throwable error,
      PartitionProtocol.AppendFailed.Refusal refusal,
      String refusalDetail)
      implements Command {}

  /** A refused record was dead-lettered ({@code error} null) or not. */
  record DeadLetterDone(long id, Throwable error) implements Command {}

  /**
   * A record waiting for its time.
   *
   * @param id its id
   * @param dueAtMillis when it is due
   * @param key key bytes or null
   * @param value value bytes
   * @param headers headers
   */
  public record Pending(
      long id, long dueAtMillis, byte[] key, byte[] value, Map<String, String> headers)
      implements SkaldSerializable {}

  /** Persisted events. */
  public sealed interface Event extends SkaldSerializable
      permits RecordScheduled, DeliveryStarted, Delivered {}

  /**
   * A record was scheduled.
   *
   * @param record the record
   */
  public record RecordScheduled(Pending record) implements Event {}

  /**
   * Due records are about to be appended with these sequence numbers.
   *
   * @param ids the records, in delivery order
   * @param firstSequence the sequence of the first; the others follow
   */
  public record DeliveryStarted(List<Long> ids, long firstSequence) implements Event {}

  /**
   * The records were appended.
   *
   * @param ids the records
   */
  public record Delivered(List<Long> ids) implements Event {}

  /**
   * The scheduler's state.
   *
   * @param pending records by id
   * @param delivering ids whose append started, in order
   * @param deliveringFirstSequence the sequence of the first of them
   * @param nextId the next id
   * @param nextSequence the next append sequence
   */
  public record State(
      Map<Long, Pending> pending,
      List<Long> delivering,
      long deliveringFirstSequence,
      long nextId,
      long nextSequence)
      implements SkaldSerializable {
    /** Copies the collections. */
    public State {
      pending = Map.copyOf(pending);
      delivering = List.copyOf(delivering);
    }
  }

  /**
   * Registers the entity type.
   *
   * @param system the actor system
   * @param settings Skald's settings
   */
  public static void init(
      ActorSystem<?> system, SkaldSettings settings, DeadLetterSink deadLetters) {
    // Remembered entities: after a restart every scheduler is started again by sharding, so a
    // record
    // falls due even when nobody sends to its scheduler. The entity ids live in Skald's journal.
    ClusterShardingSettings sharding =
        ClusterShardingSettings.create(system)
            .withRememberEntities(true)
            .withRememberEntitiesStoreMode(
                ClusterShardingSettings.rememberEntitiesStoreModeEventSourced())
            .withJournalPluginId(settings.journalPluginId())
            .withSnapshotPluginId(settings.snapshotPluginId());
    ClusterSharding.get(system)
        .init(
            EntitySupport.entity(
                    settings,
                    ENTITY_TYPE_KEY,
                    (ctx, timers, id) ->
                        new DelayedDeliveryScheduler(ctx, timers, id, settings, deadLetters))
                .withSettings(sharding));
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final SkaldSettings settings;
  private final TopicPartition target;
  private final String producerId;
  private final DeadLetterSink deadLetters;
  private boolean busy;

  /** Failed attempts in a row (no answer, a transient refusal): the retry backs off. */
  private int failures;

  private DelayedDeliveryScheduler(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      String entityId,
      SkaldSettings settings,
      DeadLetterSink deadLetters) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), entityId), EntitySupport.ON_PERSIST_FAILURE);
    this.context = context;
    this.timers = timers;
    this.settings = settings;
    this.target = EntityIds.topicPartition(entityId);
    this.producerId = "delay:" + entityId;
    this.deadLetters = deadLetters;
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
    return new State(Map.of(), List.of(), 0, 0, 0);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(500, 2);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> context.getSelf().tell(Tick.INSTANCE))
        .build();
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Schedule.class, this::onSchedule)
        .onCommand(Tick.class, this::onTick)
        .onCommand(DeliveryDone.class, this::onDeliveryDone)
        .onCommand(DeadLetterDone.class, this::onDeadLetterDone)
        .build();
  }

  private Effect<Event, State> onSchedule(State state, Schedule schedule) {
    Pending record =
        new Pending(
            state.nextId(),
            schedule.dueAtMillis(),
            schedule.key(),
            schedule.value(),
            schedule.headers());
    return Effect()
        .persist(new RecordScheduled(record))
        .thenRun(
            s -> {
              schedule.replyTo().tell(new ScheduledAck(record.id(), record.dueAtMillis()));
              arm(s);
            });
  }

  private Effect<Event, State> onTick(State state, Tick tick) {
    if (busy) {
      return Effect().none();
    }
    if (!state.delivering().isEmpty()) {
      deliver(state, state.delivering(), state.deliveringFirstSequence());
      return Effect().none();
    }
    List<Long> due = dueBatch(state, System.currentTimeMillis());
    if (due.isEmpty()) {
      arm(state);
      return Effect().none();
    }
    busy = true;
    return Effect()
        .persist(new DeliveryStarted(due, state.nextSequence()))
        .thenRun(s -> deliver(s, s.delivering(), s.deliveringFirstSequence()));
  }

  /**
   * The due records of the next delivery, in due order: at most {@link #MAX_PER_DELIVERY} and at
   * most one batch's bytes (at least one record), so that the partition can take them in one
   * append.
   */
  private List<Long> dueBatch(State state, long now) {
    List<Pending> due =
        state.pending().values().stream()
            .filter(p -> p.dueAtMillis() <= now)
            .sorted(Comparator.comparingLong(Pending::dueAtMillis).thenComparingLong(Pending::id))
            .limit(MAX_PER_DELIVERY)
            .toList();
    long budget = settings.maxBatchBytes() - BATCH_OVERHEAD_BYTES;
    List<Long> ids = new java.util.ArrayList<>(due.size());
    long bytes = 0;
    for (Pending p : due) {
      bytes += RecordFormat.encodedSize(p.key(), p.value(), p.headers());
      if (!ids.isEmpty() && bytes > budget) {
        break;
      }
      ids.add(p.id());
    }
    return ids;
  }

  /** Appends the records as one idempotent append; the same ids and sequence on every resend. */
  private void deliver(State state, List<Long> ids, long firstSequence) {
    busy = true;
    RecordFormat.Writer writer = new RecordFormat.Writer(1024);
    for (Long id : ids) {
      Pending p = state.pending().get(id);
      writer.writeRecord(p.key(), p.value(), p.headers());
    }
    byte[] payload = writer.toByteArray();
    context.pipeToSelf(
        Stages.inline(
            PartitionEntity.ref(context.getSystem(), target)
                .<PartitionProtocol.AppendResult>ask(
                    replyTo ->
                        new PartitionProtocol.Append(
                            ids.size(), payload, producerId, firstSequence, replyTo),
                    settings.requestTimeout())),
        (result, error) -> {
          if (result instanceof PartitionProtocol.AppendFailed failed) {
            return new DeliveryDone(ids, null, failed.refusal(), failed.describe());
          }
          return new DeliveryDone(ids, error, null, null);
        });
  }

  private Effect<Event, State> onDeliveryDone(State state, DeliveryDone done) {
    busy = false;
    if (done.error() != null) {
      return retryLater("delayed delivery to " + target + " got no answer: " + done.error());
    }
    if (done.refusal() == null) {
      failures = 0;
      return Effect()
          .persist(new Delivered(done.ids()))
          .thenRun(s -> context.getSelf().tell(Tick.INSTANCE));
    }
    switch (done.refusal()) {
      case TOPIC_DELETED:
        // the topic and its data are gone: so are the records scheduled for it
        context
            .getLog()
            .warn(
                "{} delayed record(s) for {} dropped: the topic was deleted",
                done.ids().size(),
                target);
        return Effect()
            .persist(new Delivered(done.ids()))
            .thenRun(s -> context.getSelf().tell(Tick.INSTANCE));
      case RECORD_TOO_LARGE:
      case OUTSIDE_BATCH_LIMITS:
        // refused for good, and nothing of the append was written
        failures = 0;
        busy = true;
        if (done.ids().size() > 1) {
          // find the record(s) at fault by halving; the halves use new sequence numbers, above
          // the refused append's, so a late copy of it is taken as a duplicate
          List<Long> half = done.ids().subList(0, done.ids().size() / 2);
          return Effect()
              .persist(new DeliveryStarted(List.copyOf(half), state.nextSequence()))
              .thenRun(s -> deliver(s, s.delivering(), s.deliveringFirstSequence()));
        }
        deadLetter(state.pending().get(done.ids().get(0)), done.refusalDetail());
        return Effect().none();
      default:
        // BACKLOG_FULL, DISK_FULL: the partition cannot take anything now
        return retryLater("delayed delivery to " + target + " refused: " + done.refusalDetail());
    }
  }

  /** Writes a refused record to the delayed deliveries' dead-letter topic, with the cause. */
  private void deadLetter(Pending record, String detail) {
    Instant now = Instant.now();
    Map<String, String> headers =
        DeadLetterHeaders.of(
            record.headers(),
            target,
            -1,
            ScheduledDelivery.DEAD_LETTER_GROUP,
            1,
            now,
            now,
            new RecordTooLargeException(detail),
            DeadLetterReason.REFUSED);
    context.pipeToSelf(
        Stages.inline(deadLetters.send(record.key(), record.value(), headers)),
        (written, error) -> new DeadLetterDone(record.id(), error));
  }

  private Effect<Event, State> onDeadLetterDone(State state, DeadLetterDone done) {
    busy = false;
    if (done.error() != null) {
      return retryLater(
          "a delayed record refused by "
              + target
              + " could not be dead-lettered, retrying: "
              + done.error());
    }
    failures = 0;
    io.skald.framework.internal.metrics.SkaldMetrics.get(context.getSystem())
        .counter(
            "skald.delayed.dead.letters",
            "Delayed records their partition refused for good when due, dead-lettered to "
                + ScheduledDelivery.DEAD_LETTER_GROUP
                + ".dlq",
            "topic",
            target.topic())
        .increment();
    context
        .getLog()
        .error(
            "delayed record {} for {} was refused when it fell due and is dead-lettered to {}",
            done.id(),
            target,
            ScheduledDelivery.DEAD_LETTER_GROUP + ".dlq");
    return Effect()
        .persist(new Delivered(List.of(done.id())))
        .thenRun(s -> context.getSelf().tell(Tick.INSTANCE));
  }

  /** Tries the current delivery again later, backing off to {@link #MAX_RETRY}. */
  private Effect<Event, State> retryLater(String why) {
    Duration wait = FIRST_RETRY.multipliedBy(1L << Math.min(failures, 6));
    if (wait.compareTo(MAX_RETRY) > 0) {
      wait = MAX_RETRY;
    }
    failures++;
    context.getLog().warn("{}; retrying in {} ms", why, wait.toMillis());
    timers.startSingleTimer(Tick.INSTANCE, wait);
    return Effect().none();
  }

  /**
   * Sets the timer to the earliest due record (at most a minute ahead, to follow clock changes).
   */
  private void arm(State state) {
    if (busy) {
      return;
    }
    long earliest = Long.MAX_VALUE;
    for (Pending p : state.pending().values()) {
      earliest = Math.min(earliest, p.dueAtMillis());
    }
    if (earliest == Long.MAX_VALUE) {
      timers.cancel(Tick.INSTANCE);
      return;
    }
    long wait = Math.max(0, earliest - System.currentTimeMillis());
    Duration delay =
        Duration.ofMillis(wait).compareTo(MAX_TIMER) > 0 ? MAX_TIMER : Duration.ofMillis(wait);
    timers.startSingleTimer(Tick.INSTANCE, delay);
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            RecordScheduled.class,
            (state, e) -> {
              Map<Long, Pending> pending = new TreeMap<>(state.pending());
              pending.put(e.record().id(), e.record());
              return new State(
                  pending,
                  state.delivering(),
                  state.deliveringFirstSequence(),
                  e.record().id() + 1,
                  state.nextSequence());
            })
        .onEvent(
            DeliveryStarted.class,
            (state, e) ->
                new State(
                    state.pending(),
                    e.ids(),
                    e.firstSequence(),
                    state.nextId(),
                    e.firstSequence() + e.ids().size()))
        .onEvent(
            Delivered.class,
            (state, e) -> {
              Map<Long, Pending> pending = new TreeMap<>(state.pending());
              e.ids().forEach(pending::remove);
              return new State(pending, List.of(), 0, state.nextId(), state.nextSequence());
            })
        .build();
  }

  /**
   * The scheduler's entity id for a partition.
   *
   * @param tp the target partition
   * @return the entity id
   */
  public static String entityId(TopicPartition tp) {
    return EntityIds.of(tp);
  }
}
