package io.skald.saga.internal.runner;

import io.skald.framework.producer.Producer;
import io.skald.saga.SagaStatus;
import io.skald.saga.internal.SagaHeaders;
import io.skald.saga.internal.SagaJson;
import io.skald.saga.internal.SagaRuntimeSettings;
import io.skald.saga.internal.SagaSerializable;
import io.skald.saga.internal.engine.Transitions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * INTERNAL API: the fan-out of one child-saga step of one parent instance: a durable, sharded
 * entity that plays the step's participant. It starts the children (ids {@code <parent id>:<step>:
 * <index>}), records how each ended (every child tells it, until it acknowledges), and answers the
 * parent on its reply topic as a participant would: {@link
 * io.skald.saga.internal.definition.ChildMessages.ChildrenCompleted} once a quorum completed;
 * {@link io.skald.saga.internal.definition.ChildMessages.ChildrenFailed} once the quorum is out of
 * reach and every child that completed has been compensated (so the refusal leaves nothing to
 * undo); and the compensation's acknowledgement once every child that completed has been
 * compensated.
 *
 * <p>It is a remembered entity: after a crash it starts again, starts the children that were not
 * yet (a start is idempotent) and sends its verdict again (a duplicate reply changes nothing).
 */
public final class FanOut extends EventSourcedBehavior<FanOut.Command, FanOut.Event, FanOut.State> {

  /** The entity type. */
  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "skald-saga-fan-out");

  /** Messages of a fan-out. */
  public sealed interface Command extends SagaSerializable
      permits Begin, Compensate, ChildEnded, Tick, Asked, Sent, ParentEnded {}

  /**
   * The parent ended for good (completed on its own, compensated or aborted): nothing will ask this
   * fan-out again, so it deletes its journal and snapshots, and stops.
   *
   * @param replyTo told once the deletion is asked
   */
  public record ParentEnded(ActorRef<Boolean> replyTo) implements Command {}

  /**
   * The step's command arrived (a first attempt, or again).
   *
   * @param parentSaga the parent saga
   * @param parentId the parent instance
   * @param step the step
   * @param attempt the command's attempt
   * @param replyTopic the parent's reply topic
   * @param childSaga the child saga
   * @param children each child's initial data, JSON
   * @param quorum how many must complete
   * @param nested whether the children start children of their own
   * @param trace the parent's trace context
   * @param replyTo told once the command is durable here
   */
  public record Begin(
      String parentSaga,
      String parentId,
      String step,
      int attempt,
      String replyTopic,
      String childSaga,
      List<String> children,
      int quorum,
      boolean nested,
      Map<String, String> trace,
      ActorRef<Boolean> replyTo)
      implements Command {}

  /**
   * The step's compensation arrived.
   *
   * @param parentSaga the parent saga
   * @param parentId the parent instance
   * @param step the step
   * @param attempt its attempt
   * @param replyTopic the parent's reply topic
   * @param replyTo told once durable here
   */
  public record Compensate(
      String parentSaga,
      String parentId,
      String step,
      int attempt,
      String replyTopic,
      ActorRef<Boolean> replyTo)
      implements Command {}

  /**
   * A child ended (or ended again: compensated after it completed).
   *
   * @param childId the child
   * @param status how
   * @param dataJson its final data
   * @param replyTo told once durable here
   */
  public record ChildEnded(
      String childId, SagaStatus status, String dataJson, ActorRef<Boolean> replyTo)
      implements Command {}

  /** Retries what is not acknowledged yet: starts, compensation requests, the verdict. */
  enum Tick implements Command {
    INSTANCE
  }

  /**
   * A child answered a start or a compensation request.
   *
   * @param childId the child
   * @param compensation whether it was a compensation request
   * @param ok acknowledged
   */
  record Asked(String childId, boolean compensation, boolean ok) implements Command {}

  /**
   * The producer answered the sending of a verdict.
   *
   * @param verdict the verdict
   * @param ok durable in the parent's reply topic
   */
  record Sent(String verdict, boolean ok) implements Command {}

  /** Persisted events of a fan-out. */
  public sealed interface Event extends SagaSerializable
      permits Begun, AttemptSeen, ChildFinished, CompensationAsked {}

  /**
   * The fan-out began.
   *
   * @param parentSaga the parent saga
   * @param parentId the parent instance
   * @param step the step
   * @param replyTopic the parent's reply topic
   * @param childSaga the child saga
   * @param children each child's initial data, JSON
   * @param quorum how many must complete
   * @param trace the parent's trace context
   * @param attempt the command's attempt
   * @param nested whether the children start children of their own (absent in events written
   *     before: false)
   */
  public record Begun(
      String parentSaga,
      String parentId,
      String step,
      String replyTopic,
      String childSaga,
      List<String> children,
      int quorum,
      Map<String, String> trace,
      int attempt,
      boolean nested)
      implements Event {}

  /**
   * A later attempt of the step's command, or of its compensation: the verdict answers it.
   *
   * @param attempt the attempt
   * @param compensation of the compensation
   */
  public record AttemptSeen(int attempt, boolean compensation) implements Event {}

  /**
   * A child ended.
   *
   * @param index the child's index
   * @param status how
   * @param dataJson its final data
   */
  public record ChildFinished(int index, SagaStatus status, String dataJson) implements Event {}

  /**
   * The parent asked for the step's compensation.
   *
   * @param attempt the compensation's attempt
   */
  public record CompensationAsked(int attempt) implements Event {}

  /**
   * The fan-out's state.
   *
   * @param begun how it began, or null before
   * @param ended each ended child by index: its latest status and data
   * @param attempt the latest attempt of the step's command
   * @param compensationAttempt the latest attempt of its compensation, or 0 if not asked
   */
  public record State(
      Begun begun,
      Map<Integer, io.skald.saga.internal.definition.ChildMessages.ChildResult> ended,
      int attempt,
      int compensationAttempt)
      implements SagaSerializable {
    /** Copies the map. */
    public State {
      ended = ended == null ? Map.of() : Map.copyOf(ended);
    }

    int size() {
      return begun == null ? 0 : begun.children().size();
    }

    String childId(int index) {
      return begun.parentId() + ":" + begun.step() + ":" + index;
    }

    long count(SagaStatus status) {
      return ended.values().stream().filter(r -> r.status() == status).count();
    }

    int quorum() {
      return Math.min(begun.quorum(), size());
    }

    /** Whether every child has ended and none is completed any more: nothing to undo. */
    boolean settled() {
      return ended.size() == size() && count(SagaStatus.COMPLETED) == 0;
    }

    boolean quorumReached() {
      return count(SagaStatus.COMPLETED) >= quorum();
    }

    boolean quorumLost() {
      long failed = ended.values().stream().filter(r -> r.status() != SagaStatus.COMPLETED).count();
      return failed > size() - quorum();
    }

    /** Whether completed children must be compensated now. */
    boolean undoing() {
      return compensationAttempt > 0 || (!quorumReached() && quorumLost());
    }

    List<io.skald.saga.internal.definition.ChildMessages.ChildResult> results() {
      List<io.skald.saga.internal.definition.ChildMessages.ChildResult> all = new ArrayList<>();
      for (int i = 0; i < size(); i++) {
        io.skald.saga.internal.definition.ChildMessages.ChildResult r = ended.get(i);
        if (r != null) {
          all.add(r);
        }
      }
      return all;
    }
  }

  /**
   * The fan-out of a step of a parent instance.
   *
   * @param system the actor system
   * @param parentSaga the parent saga
   * @param parentId the parent instance
   * @param step the step
   * @return its reference
   */
  public static EntityRef<Command> ref(
      ActorSystem<?> system, String parentSaga, String parentId, String step) {
    return ClusterSharding.get(system).entityRefFor(TYPE_KEY, id(parentSaga, parentId, step));
  }

  /**
   * The reference of a fan-out by id (as a child knows its parent).
   *
   * @param system the actor system
   * @param id the fan-out's id
   * @return its reference
   */
  public static EntityRef<Command> ref(ActorSystem<?> system, String id) {
    return ClusterSharding.get(system).entityRefFor(TYPE_KEY, id);
  }

  /**
   * A fan-out's entity id.
   *
   * @param parentSaga the parent saga
   * @param parentId the parent instance
   * @param step the step
   * @return the id
   */
  public static String id(String parentSaga, String parentId, String step) {
    return parentSaga + ":" + step + ":" + parentId;
  }

  /**
   * Registers the entity type.
   *
   * @param system the actor system
   * @param journal the journal plugin id
   * @param snapshots the snapshot plugin id
   * @param producer sends the verdicts to the parents' reply topics
   * @param askTimeout how long a child's start or compensation request is waited for
   */
  public static void init(
      ActorSystem<?> system,
      String journal,
      String snapshots,
      Producer<String, byte[]> producer,
      Duration askTimeout) {
    ClusterShardingSettings sharding =
        ClusterShardingSettings.create(system)
            .withRememberEntities(true)
            .withRememberEntitiesStoreMode(
                ClusterShardingSettings.rememberEntitiesStoreModeEventSourced())
            .withJournalPluginId(journal)
            .withSnapshotPluginId(snapshots);
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
                                            new FanOut(
                                                ctx,
                                                timers,
                                                entity.getShard(),
                                                entity.getEntityId(),
                                                journal,
                                                snapshots,
                                                producer,
                                                askTimeout))))
                    .withSettings(sharding)));
  }

  private static final Duration RETRY = Duration.ofSeconds(2);
  private static final SagaJson JSON = new SagaJson();

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final String journal;
  private final String snapshots;
  private final Producer<String, byte[]> producer;
  private final Duration askTimeout;
  private final String entityId;

  /** Children whose start (or compensation request) this incarnation had acknowledged. */
  private final Set<Integer> started = new HashSet<>();

  private final Set<Integer> compensationAcked = new HashSet<>();

  /** The verdict this incarnation sent last (forward or compensation, with its attempt). */
  private String verdictSent;

  /** The verdict the producer confirmed durable in the parent's reply topic. */
  private String verdictConfirmed;

  private final ActorRef<ClusterSharding.ShardCommand> shard;

  private FanOut(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      ActorRef<ClusterSharding.ShardCommand> shard,
      String entityId,
      String journal,
      String snapshots,
      Producer<String, byte[]> producer,
      Duration askTimeout) {
    super(PersistenceId.of(TYPE_KEY.name(), entityId), SagaRuntimeSettings.ON_PERSIST_FAILURE);
    this.context = context;
    this.timers = timers;
    this.shard = shard;
    this.entityId = entityId;
    this.journal = journal;
    this.snapshots = snapshots;
    this.producer = producer;
    this.askTimeout = askTimeout;
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
    return new State(null, Map.of(), 0, 0);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              if (state.begun() != null) {
                act(state);
              }
            })
        .build();
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(
            ParentEnded.class,
            (state, ended) -> {
              timers.cancelAll();
              if (state.begun() != null && state.begun().nested()) {
                // the completed children will not be compensated by this parent any more: they
                // release their own fan-outs (told once; one lost keeps a small entity)
                for (io.skald.saga.internal.definition.ChildMessages.ChildResult r :
                    state.ended().values()) {
                  if (r.status() == SagaStatus.COMPLETED) {
                    SagaInstance.ref(context.getSystem(), state.begun().childSaga(), r.sagaId())
                        .tell(new InstanceProtocol.ParentFinished());
                  }
                }
              }
              io.skald.saga.internal.SagaJournals.deleteEvents(
                  context.getSystem(), journal, persistenceId().id(), Long.MAX_VALUE);
              io.skald.saga.internal.SagaJournals.deleteSnapshots(
                  context.getSystem(), snapshots, persistenceId().id());
              ended.replyTo().tell(Boolean.TRUE);
              shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
              return Effect().none();
            })
        .onCommand(Begin.class, this::onBegin)
        .onCommand(Compensate.class, this::onCompensate)
        .onCommand(ChildEnded.class, this::onChildEnded)
        .onCommand(
            Tick.class,
            (state, tick) -> {
              if (state.begun() != null) {
                act(state);
              }
              return Effect().none();
            })
        .onCommand(
            Sent.class,
            (state, sent) -> {
              if (state.begun() == null) {
                // the acknowledgement of a compensation that found nothing begun: done
                if (!sent.ok()) {
                  context.getLog().warn("fan-out {}: its acknowledgement was not sent", entityId);
                }
                shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
                return Effect().none();
              }
              if (sent.verdict().equals(verdictSent)) {
                if (sent.ok()) {
                  verdictConfirmed = sent.verdict();
                } else {
                  verdictSent = null; // sent again by the next tick
                }
              }
              act(state);
              return Effect().none();
            })
        .onCommand(
            Asked.class,
            (state, asked) -> {
              if (asked.ok()) {
                int index =
                    Integer.parseInt(
                        asked.childId().substring(asked.childId().lastIndexOf(':') + 1));
                (asked.compensation() ? compensationAcked : started).add(index);
              }
              return Effect().none();
            })
        .build();
  }

  private Effect<Event, State> onBegin(State state, Begin begin) {
    if (state.begun() == null && state.compensationAttempt() > 0) {
      begin.replyTo().tell(Boolean.TRUE); // compensated before it began: dropped
      shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
      return Effect().none();
    }
    if (state.begun() == null) {
      return Effect()
          .persist(
              new Begun(
                  begin.parentSaga(),
                  begin.parentId(),
                  begin.step(),
                  begin.replyTopic(),
                  begin.childSaga(),
                  List.copyOf(begin.children()),
                  begin.quorum(),
                  begin.trace() == null ? Map.of() : Map.copyOf(begin.trace()),
                  begin.attempt(),
                  begin.nested()))
          .thenRun(
              s -> {
                begin.replyTo().tell(Boolean.TRUE);
                act(s);
              });
    }
    if (state.compensationAttempt() > 0 || begin.attempt() <= state.attempt()) {
      // a duplicate (or the command after its compensation was asked: dropped, as a
      // participant drops it); the verdict, if any, is sent again
      verdictSent = null; // the parent asks again: it may not have had the verdict
      verdictConfirmed = null;
      act(state);
      return Effect().none().thenRun(s -> begin.replyTo().tell(Boolean.TRUE));
    }
    return Effect()
        .persist(new AttemptSeen(begin.attempt(), false))
        .thenRun(
            s -> {
              begin.replyTo().tell(Boolean.TRUE);
              verdictSent = null;
              act(s);
            });
  }

  private Effect<Event, State> onCompensate(State state, Compensate compensate) {
    if (state.begun() == null) {
      // its command never arrived here: nothing was started, nothing to undo; kept, so that the
      // command arriving late (a replayed dead letter) starts nothing
      return Effect()
          .persist(new CompensationAsked(compensate.attempt()))
          .thenRun(
              s -> {
                compensate.replyTo().tell(Boolean.TRUE);
                Begun none =
                    new Begun(
                        compensate.parentSaga(),
                        compensate.parentId(),
                        compensate.step(),
                        compensate.replyTopic(),
                        "",
                        List.of(),
                        0,
                        Map.of(),
                        0,
                        false);
                send(
                    new State(none, Map.of(), 0, compensate.attempt()),
                    "undo:" + compensate.attempt());
              });
    }
    if (compensate.attempt() <= state.compensationAttempt()) {
      verdictSent = null;
      verdictConfirmed = null;
      act(state);
      return Effect().none().thenRun(s -> compensate.replyTo().tell(Boolean.TRUE));
    }
    return Effect()
        .persist(new CompensationAsked(compensate.attempt()))
        .thenRun(
            s -> {
              compensate.replyTo().tell(Boolean.TRUE);
              verdictSent = null;
              act(s);
            });
  }

  private Effect<Event, State> onChildEnded(State state, ChildEnded ended) {
    int index = indexOf(state, ended.childId());
    if (index < 0) {
      ended.replyTo().tell(Boolean.TRUE); // not one of ours (or this fan-out is gone): no retry
      if (state.begun() == null) {
        shard.tell(new ClusterSharding.Passivate<>(context.getSelf())); // not remembered for it
      }
      return Effect().none();
    }
    io.skald.saga.internal.definition.ChildMessages.ChildResult known = state.ended().get(index);
    // a child ends once, and once more only from completed (compensated): anything else is a
    // duplicate or a stale message
    if (known != null
        && (known.status() == ended.status() || known.status() != SagaStatus.COMPLETED)) {
      ended.replyTo().tell(Boolean.TRUE);
      return Effect().none();
    }
    return Effect()
        .persist(new ChildFinished(index, ended.status(), ended.dataJson()))
        .thenRun(
            s -> {
              ended.replyTo().tell(Boolean.TRUE);
              act(s);
            });
  }

  private static int indexOf(State state, String childId) {
    if (state.begun() == null) {
      return -1;
    }
    String prefix = state.begun().parentId() + ":" + state.begun().step() + ":";
    if (!childId.startsWith(prefix)) {
      return -1;
    }
    try {
      int index = Integer.parseInt(childId.substring(prefix.length()));
      return index >= 0 && index < state.size() ? index : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Starts, compensates, answers: whatever the state calls for, and a retry timer if pending. */
  private void act(State state) {
    if (state.begun() == null) {
      return;
    }
    boolean pending = false;
    for (int i = 0; i < state.size(); i++) {
      io.skald.saga.internal.definition.ChildMessages.ChildResult r = state.ended().get(i);
      if (r == null && !started.contains(i)) {
        start(state, i);
        pending = true;
      } else if (r != null
          && r.status() == SagaStatus.COMPLETED
          && state.undoing()
          && !compensationAcked.contains(i)) {
        askToCompensate(state, i);
        pending = true;
      }
    }
    String verdict = verdict(state);
    if (verdict != null && !verdict.equals(verdictSent)) {
      send(state, verdict);
    }
    if (pending || (verdict != null && !verdict.equals(verdictConfirmed))) {
      // a start or request not acknowledged, or a verdict not durable yet: again
      timers.startSingleTimer(Tick.INSTANCE, RETRY);
    } else {
      timers.cancel(Tick.INSTANCE);
      if (verdict != null) {
        // answered and nothing pending: a child's end or the parent's next command wakes it
        shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
      }
    }
  }

  /** What to tell the parent now, named with its attempt, or null (nothing decided). */
  private static String verdict(State state) {
    if (state.compensationAttempt() > 0) {
      return state.settled() ? "undo:" + state.compensationAttempt() : null;
    }
    if (state.quorumReached()) {
      return "do-completed:" + state.attempt();
    }
    if (state.quorumLost() && state.settled()) {
      return "do-failed:" + state.attempt();
    }
    return null;
  }

  private void start(State state, int index) {
    String childId = state.childId(index);
    String data = state.begun().children().get(index);
    Map<String, String> trace = state.begun().trace();
    context.ask(
        Boolean.class,
        SagaInstance.ref(context.getSystem(), state.begun().childSaga(), childId),
        askTimeout,
        replyTo -> new InstanceProtocol.Start(data, trace, entityId, replyTo),
        (ok, error) -> new Asked(childId, false, error == null));
  }

  private void askToCompensate(State state, int index) {
    String childId = state.childId(index);
    context.ask(
        Boolean.class,
        SagaInstance.ref(context.getSystem(), state.begun().childSaga(), childId),
        askTimeout,
        InstanceProtocol.CompensateCompleted::new,
        (ok, error) -> {
          if (error == null && !Boolean.TRUE.equals(ok)) {
            context
                .getLog()
                .warn(
                    "fan-out {}: child {} cannot be compensated (it is unknown: deleted by"
                        + " retention?); the parent's compensation waits for it",
                    entityId,
                    childId);
          }
          return new Asked(childId, true, error == null && Boolean.TRUE.equals(ok));
        });
  }

  /** Sends a verdict to the parent's reply topic, as a participant's reply. */
  private void send(State state, String verdict) {
    Begun b = state.begun();
    boolean compensation = verdict.startsWith("undo:");
    String type;
    String body;
    int attempt;
    if (compensation) {
      type = Transitions.ACK;
      body = "{}";
      attempt = state.compensationAttempt();
    } else if (verdict.startsWith("do-completed:")) {
      type =
          SagaJson.typeName(
              io.skald.saga.internal.definition.ChildMessages.ChildrenCompleted.class);
      body =
          JSON.write(
              new io.skald.saga.internal.definition.ChildMessages.ChildrenCompleted(
                  state.results()));
      attempt = state.attempt();
    } else {
      type =
          SagaJson.typeName(io.skald.saga.internal.definition.ChildMessages.ChildrenFailed.class);
      body =
          JSON.write(
              new io.skald.saga.internal.definition.ChildMessages.ChildrenFailed(
                  failedReason(state), state.results()));
      attempt = state.attempt();
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(SagaHeaders.SAGA, b.parentSaga());
    headers.put(SagaHeaders.ID, b.parentId());
    headers.put(SagaHeaders.STEP, b.step());
    headers.put(SagaHeaders.DIRECTION, compensation ? SagaHeaders.UNDO : SagaHeaders.DO);
    headers.put(
        SagaHeaders.KEY, SagaHeaders.key(b.parentSaga(), b.parentId(), b.step(), compensation));
    headers.put(SagaHeaders.ATTEMPT, Integer.toString(attempt));
    headers.put(SagaHeaders.TYPE, type);
    verdictSent = verdict;
    context.pipeToSelf(
        producer.send(b.replyTopic(), b.parentId(), body.getBytes(StandardCharsets.UTF_8), headers),
        (ok, error) -> {
          if (error != null) {
            context
                .getLog()
                .warn("fan-out {}: sending its verdict failed: {}", entityId, error.toString());
          }
          return new Sent(verdict, error == null);
        });
  }

  private static String failedReason(State state) {
    List<String> ends = new ArrayList<>();
    for (io.skald.saga.internal.definition.ChildMessages.ChildResult r : state.results()) {
      ends.add(r.sagaId() + " " + r.status());
    }
    return "too few of "
        + state.size()
        + " children completed to reach the quorum of "
        + state.quorum()
        + "; every child has ended, none is left completed: "
        + ends;
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return (state, event) -> {
      if (event instanceof Begun begun) {
        return new State(begun, Map.of(), begun.attempt(), 0);
      }
      if (event instanceof AttemptSeen seen) {
        return seen.compensation()
            ? new State(state.begun(), state.ended(), state.attempt(), seen.attempt())
            : new State(state.begun(), state.ended(), seen.attempt(), state.compensationAttempt());
      }
      if (event instanceof CompensationAsked asked) {
        return new State(
            state.begun(),
            state.ended(),
            state.attempt(),
            Math.max(asked.attempt(), state.compensationAttempt()));
      }
      ChildFinished finished = (ChildFinished) event;
      Map<Integer, io.skald.saga.internal.definition.ChildMessages.ChildResult> ended =
          new java.util.HashMap<>(state.ended());
      ended.put(
          finished.index(),
          new io.skald.saga.internal.definition.ChildMessages.ChildResult(
              state.childId(finished.index()), finished.status(), finished.dataJson()));
      return new State(state.begun(), ended, state.attempt(), state.compensationAttempt());
    };
  }
}
