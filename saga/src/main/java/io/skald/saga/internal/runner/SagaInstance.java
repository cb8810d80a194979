package io.skald.saga.internal.runner;

import io.skald.saga.SagaStatus;
import io.skald.saga.internal.SagaRuntimeSettings;
import io.skald.saga.internal.engine.FlowEvent;
import io.skald.saga.internal.engine.InstanceState;
import io.skald.saga.internal.engine.InstanceState.StepState;
import io.skald.saga.internal.engine.SagaEvent;
import io.skald.saga.internal.engine.Transitions;
import io.skald.saga.internal.engine.UserCodeFailed;
import io.skald.saga.internal.runner.InstanceProtocol.Command;
import io.skald.saga.internal.runner.InstanceProtocol.Deadline;
import io.skald.saga.internal.runner.InstanceProtocol.Get;
import io.skald.saga.internal.runner.InstanceProtocol.IndexAcked;
import io.skald.saga.internal.runner.InstanceProtocol.IndexRetry;
import io.skald.saga.internal.runner.InstanceProtocol.Observe;
import io.skald.saga.internal.runner.InstanceProtocol.Operate;
import io.skald.saga.internal.runner.InstanceProtocol.Operated;
import io.skald.saga.internal.runner.InstanceProtocol.Refused;
import io.skald.saga.internal.runner.InstanceProtocol.Reply;
import io.skald.saga.internal.runner.InstanceProtocol.SendDue;
import io.skald.saga.internal.runner.InstanceProtocol.SendFailed;
import io.skald.saga.internal.runner.InstanceProtocol.Start;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityContext;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
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
 * INTERNAL API: one saga instance, a sharded event-sourced entity. Every input (start, reply,
 * timer, operator action) is turned into events by {@link Transitions}; the events are persisted
 * first, and only then does the instance act: send the commands of the attempts that are due, arm
 * their timers, report its status. After a crash, recovery rebuilds the state and the instance
 * sends the commands of its running attempts again (same idempotency keys, so participants do not
 * act twice) and re-arms their timers from the persisted deadlines.
 *
 * <p>Instances are remembered entities: sharding restarts them after a restart or a rebalance, so a
 * timeout falls due even if nothing else wakes the instance. A finished instance passivates.
 *
 * @param <D> the saga data type
 *     <p>Why this file is about 400 lines: it persists what {@link
 *     io.skald.saga.internal.engine.Transitions} decides and acts on it (send, timers, status,
 *     passivation) for both an instance and a choreography tracker; its protocol is in {@link
 *     InstanceProtocol}, its shared setup in {@link InstanceRuntime}.
 */
public final class SagaInstance<D> extends EventSourcedBehavior<Command, SagaEvent, InstanceState> {

  /**
   * The sharding entity type of a saga's instances.
   *
   * @param sagaName the saga name
   * @return the type key
   */
  public static EntityTypeKey<Command> typeKey(String sagaName) {
    return EntityTypeKey.create(Command.class, "skald-saga-" + sagaName);
  }

  /**
   * The sharding entity type of a choreographed saga's trackers.
   *
   * @param sagaName the saga name
   * @return the type key
   */
  public static EntityTypeKey<Command> trackerTypeKey(String sagaName) {
    return EntityTypeKey.create(Command.class, "skald-flow-" + sagaName);
  }

  /**
   * The reference of a choreography's tracker.
   *
   * @param system the actor system
   * @param sagaName the saga name
   * @param sagaId the instance id
   * @return the entity reference
   */
  public static EntityRef<Command> trackerRef(
      ActorSystem<?> system, String sagaName, String sagaId) {
    return ClusterSharding.get(system).entityRefFor(trackerTypeKey(sagaName), sagaId);
  }

  /**
   * The reference of an instance.
   *
   * @param system the actor system
   * @param sagaName the saga name
   * @param sagaId the instance id
   * @return the entity reference
   */
  public static EntityRef<Command> ref(ActorSystem<?> system, String sagaName, String sagaId) {
    return ClusterSharding.get(system).entityRefFor(typeKey(sagaName), sagaId);
  }

  /**
   * Registers the entity type of a saga.
   *
   * @param system the actor system
   * @param runtime what instances share: rules, producer, settings
   * @param <D> the data type
   */
  public static <D> void init(ActorSystem<?> system, InstanceRuntime<D> runtime) {
    ClusterShardingSettings sharding =
        ClusterShardingSettings.create(system)
            .withRememberEntities(true)
            .withRememberEntitiesStoreMode(
                ClusterShardingSettings.rememberEntitiesStoreModeEventSourced())
            .withJournalPluginId(runtime.journalPluginId())
            .withSnapshotPluginId(runtime.snapshotPluginId());
    // A shard of remembered instances loads their ids before it starts; Pekko's default of 2 s is
    // far too short after a restart with many instances in flight (each shard then fails, backs
    // off and tries again, and nothing recovers: seen with 100,000 instances in the benchmark).
    sharding =
        sharding.withTuningParameters(
            sharding
                .tuningParameters()
                .withWaitingForStateTimeout(
                    system.settings().config().getDuration("skald.saga.instance-load-timeout")));
    ClusterSharding.get(system)
        .init(
            SagaRuntimeSettings.placed(
                system,
                Entity.of(
                        runtime.typeKey(),
                        entity ->
                            Behaviors.<Command>setup(
                                ctx ->
                                    Behaviors.withTimers(
                                        timers ->
                                            new SagaInstance<>(ctx, timers, entity, runtime))))
                    .withSettings(sharding)));
  }

  private static final Duration INDEX_RETRY = Duration.ofSeconds(1);

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final EntityContext<Command> entity;
  private final InstanceRuntime<D> runtime;
  private final java.util.Map<Integer, Transitions<D>> versions;
  private final Transitions<D> newest;
  private final String sagaName;
  private final String sagaId;
  private final Set<AttemptKey> sent = new HashSet<>();
  private final Map<TimerKey, Long> armed = new HashMap<>();

  /**
   * The status (and version) the index has acknowledged (durably), and the one it was sent and not
   * yet.
   */
  private SagaStatus reported;

  private SagaStatus reporting;
  private int reportedVersion;
  private int reportingVersion;
  private boolean endMarked;

  /**
   * Its links to child sagas (its parent's fan-out, its own steps' fan-outs), made when it ends: an
   * instance in flight carries nothing for them.
   */
  private ChildLinks<D> links;

  private ChildLinks<D> links() {
    if (links == null) {
      links = new ChildLinks<>(context, runtime, sagaName, sagaId, this::rules);
    }
    return links;
  }

  private boolean recovering;
  private SagaStatus measuredStatus;

  /**
   * Why this instance's journal does not replay under the registered definition (a step it names is
   * not there: renamed or removed while it was in flight), or null. Such an instance is shown
   * parked with the reason and takes nothing but an abort, instead of failing its recovery forever.
   */
  private String unreplayable;

  /** When the saga's deadline timer is armed for, or -1. */
  private long armedSagaDeadline = -1;

  /** The timer key of the saga's deadline. */
  private static final Object SAGA_DEADLINE = "saga-deadline";

  private final Map<TimerKey, Long> stepStarted = new HashMap<>();

  private SagaInstance(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      EntityContext<Command> entity,
      InstanceRuntime<D> runtime) {
    super(
        PersistenceId.of(entity.getEntityTypeKey().name(), entity.getEntityId()),
        SagaRuntimeSettings.ON_PERSIST_FAILURE);
    this.context = context;
    this.timers = timers;
    this.entity = entity;
    this.runtime = runtime;
    this.versions = runtime.versions();
    this.newest = runtime.transitions();
    this.sagaName = newest.definition().name();
    this.sagaId = entity.getEntityId();
  }

  @Override
  public String journalPluginId() {
    return runtime.journalPluginId();
  }

  @Override
  public String snapshotPluginId() {
    return runtime.snapshotPluginId();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    // snapshots only: every event stays in the journal, the full history of the instance
    return RetentionCriteria.snapshotEvery(runtime.snapshotEvery(), 2);
  }

  @Override
  public InstanceState emptyState() {
    return InstanceState.EMPTY;
  }

  @Override
  public SignalHandler<InstanceState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              // The attempts that were running when the instance stopped (a crash, a restart, a
              // rebalance) are sent again now and get their full timeout again: their deadlines
              // passed while nothing could receive their replies, which may be waiting in the
              // reply topic.
              if (unreplayable != null) {
                report(state); // parked: listed for an operator
                return;
              }
              recovering = true;
              act(state, Sender.Cause.RECOVERY, null);
              recovering = false;
            })
        .build();
  }

  /**
   * The rules of the version an instance runs (the newest for one that has not started).
   *
   * @throws IllegalArgumentException if that version is not registered on this node
   */
  private Transitions<D> rules(InstanceState state) {
    return version(state.status() == null ? newest.definition().version() : state.version());
  }

  private Transitions<D> version(int version) {
    Transitions<D> rules = versions.get(version);
    if (rules == null) {
      throw new IllegalArgumentException(
          "version "
              + version
              + " is not registered on this node (it runs "
              + new java.util.TreeSet<>(versions.keySet())
              + "); the instance waits for a node that runs it");
    }
    return rules;
  }

  /** The rules that apply an event: a start's or a migration's version, else the instance's. */
  private Transitions<D> rulesFor(InstanceState state, SagaEvent event) {
    if (event instanceof SagaEvent.Started started) {
      return version(started.runsVersion());
    }
    if (event instanceof SagaEvent.Migrated migrated) {
      return version(migrated.toVersion());
    }
    return rules(state);
  }

  @Override
  public EventHandler<InstanceState, SagaEvent> eventHandler() {
    return (state, event) -> {
      if (unreplayable != null) {
        try {
          InstanceState next = rulesFor(state, event).apply(state, event);
          // an abort ends it; anything else keeps it parked with the reason
          return event instanceof SagaEvent.Finished ? next : next.unreplayable(unreplayable);
        } catch (IllegalArgumentException e) {
          return state;
        }
      }
      try {
        return rulesFor(state, event).apply(state, event);
      } catch (IllegalArgumentException e) {
        if (unreplayable == null) {
          unreplayable =
              "the registered definition of saga '"
                  + sagaName
                  + "' does not replay this instance's journal ("
                  + e.getMessage()
                  + ": renamed or removed while it was in flight); restore the step, or abort the"
                  + " instance and settle its effects by hand";
          context.getLog().error("saga {} {}: {}", sagaName, sagaId, unreplayable);
        }
        return state.unreplayable(unreplayable);
      }
    };
  }

  @Override
  public CommandHandler<Command, SagaEvent, InstanceState> commandHandler() {
    CommandHandler<Command, SagaEvent, InstanceState> normal = normalCommands();
    return (state, command) -> {
      if (unreplayable == null
          || command instanceof Get
          || command instanceof IndexAcked
          || command instanceof InstanceProtocol.ParentAcked
          || command instanceof InstanceProtocol.FanOutReleased
          || command instanceof InstanceProtocol.ParentFinished
          || command instanceof InstanceProtocol.IndexRetry) {
        return normal.apply(state, command);
      }
      if (command instanceof Operate op) {
        if (op.action() != io.skald.saga.OperatorAction.ABORT || state.status().terminal()) {
          op.replyTo().tell(new Refused(unreplayable));
          return Effect().none();
        }
        return Effect()
            .persist(new SagaEvent.Finished(SagaStatus.ABORTED, System.currentTimeMillis()))
            .thenRun(
                s -> {
                  report(s);
                  op.replyTo().tell(new Operated(s));
                });
      }
      if (command instanceof Reply reply) {
        context
            .getLog()
            .warn(
                "saga {} {}: a reply to step {} is not applied: {}",
                sagaName,
                sagaId,
                reply.step(),
                unreplayable);
        reply.replyTo().tell(Boolean.FALSE);
      } else if (command instanceof Start start) {
        start.replyTo().tell(Boolean.FALSE);
      } else if (command instanceof Observe observe) {
        observe.replyTo().tell(Boolean.FALSE);
      } else if (command instanceof InstanceProtocol.Migrate migrate) {
        migrate.replyTo().tell(new Refused(unreplayable));
      } else if (command instanceof InstanceProtocol.Signal signal) {
        signal.replyTo().tell(new InstanceProtocol.SignalResult(false, unreplayable));
      } else if (command instanceof InstanceProtocol.CompensateCompleted request) {
        request.replyTo().tell(Boolean.FALSE);
      }
      return Effect().none(); // timers, sends: nothing runs under a definition that does not fit
    };
  }

  private CommandHandler<Command, SagaEvent, InstanceState> normalCommands() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Start.class, this::onStart)
        .onCommand(
            Reply.class,
            (state, reply) -> {
              List<SagaEvent> events;
              try {
                events =
                    rules(state)
                        .onReply(
                            state,
                            reply.step(),
                            reply.compensation(),
                            reply.attempt(),
                            reply.type(),
                            reply.json(),
                            System.currentTimeMillis());
              } catch (RuntimeException e) {
                context
                    .getLog()
                    .warn(
                        "saga {} {}: ignoring an unreadable reply: {}",
                        sagaName,
                        sagaId,
                        e.toString());
                events = List.of();
              }
              if (events.isEmpty()) {
                context
                    .getLog()
                    .debug(
                        "saga {} {}: reply to {} ignored (duplicate, late or unexpected)",
                        sagaName,
                        sagaId,
                        reply.step());
                reply.replyTo().tell(Boolean.FALSE);
                passivateIfUnknown(state); // a stray reply must not leave a remembered instance
                return Effect().none();
              }
              return persistAndAct(events, Sender.Cause.REPLY, null)
                  .thenRun(s -> reply.replyTo().tell(Boolean.TRUE));
            })
        .onCommand(
            Deadline.class,
            (state, deadline) -> {
              armed.remove(
                  new TimerKey(deadline.step(), deadline.compensation(), false),
                  deadline.deadline());
              List<SagaEvent> events =
                  rules(state)
                      .onDeadline(
                          state,
                          deadline.step(),
                          deadline.compensation(),
                          deadline.attempt(),
                          System.currentTimeMillis());
              if (events.isEmpty()) {
                // Early (the wall clock stepped back) or stale: the attempt may still run, and its
                // timer has fired; act arms it again for what is left (it sends nothing twice).
                act(state, Sender.Cause.TIMER, null);
                return Effect().none();
              }
              return persistAndAct(events, Sender.Cause.TIMER, null);
            })
        .onCommand(
            InstanceProtocol.SagaDeadlineDue.class,
            (state, due) -> {
              armedSagaDeadline = -1;
              List<SagaEvent> events =
                  rules(state).onSagaDeadline(state, System.currentTimeMillis());
              if (events.isEmpty()) {
                act(state, Sender.Cause.TIMER, null); // early (the clock stepped back): re-armed
                return Effect().none();
              }
              return persistAndAct(events, Sender.Cause.TIMER, null);
            })
        .onCommand(
            SendDue.class,
            (state, due) -> {
              StepState st = state.step(due.step());
              if (st.running()
                  && st.compensating() == due.compensation()
                  && st.attempt() == due.attempt()) {
                send(state, st, Sender.Cause.TIMER, null);
              }
              return Effect().none();
            })
        .onCommand(
            SendFailed.class,
            (state, failed) -> {
              List<SagaEvent> events =
                  rules(state)
                      .commandFailed(
                          state,
                          failed.step(),
                          failed.compensation(),
                          failed.attempt(),
                          failed.reason(),
                          System.currentTimeMillis());
              return events.isEmpty()
                  ? Effect().none()
                  : persistAndAct(events, Sender.Cause.TIMER, null);
            })
        .onCommand(IndexAcked.class, this::onIndexAcked)
        .onCommand(
            IndexRetry.class,
            (state, retry) -> {
              if (state.status() != null) {
                report(state);
                if (state.status().terminal()) {
                  links().notifyParent(state);
                  links().releaseFanOuts(state);
                }
              }
              return Effect().none();
            })
        .onCommand(
            Get.class,
            (state, get) -> {
              get.replyTo().tell(state);
              passivateIfUnknown(state);
              return Effect().none();
            })
        .onCommand(
            Operate.class,
            (state, op) -> {
              List<SagaEvent> events;
              try {
                events = rules(state).operate(state, op.action(), System.currentTimeMillis());
              } catch (IllegalStateException e) {
                op.replyTo().tell(new Refused(e.getMessage()));
                passivateIfUnknown(state);
                return Effect().none();
              }
              return persistAndAct(events, Sender.Cause.OPERATOR, null)
                  .thenRun(s -> op.replyTo().tell(new Operated(s)));
            })
        .onCommand(Observe.class, this::onObserve)
        .onCommand(InstanceProtocol.Signal.class, this::onSignal)
        .onCommand(InstanceProtocol.Migrate.class, this::onMigrate)
        .onCommand(InstanceProtocol.CompensateCompleted.class, this::onCompensateCompleted)
        .onCommand(InstanceProtocol.ParentAcked.class, this::onParentAcked)
        .onCommand(InstanceProtocol.FanOutReleased.class, this::onFanOutReleased)
        .onCommand(
            InstanceProtocol.ParentFinished.class,
            (state, finished) -> {
              links().parentFinished();
              if (state.status() == SagaStatus.COMPLETED) {
                links().releaseFanOuts(state);
                passivateIfReported(state);
              } else {
                passivateIfUnknown(state);
              }
              return Effect().none();
            })
        .build();
  }

  private Effect<SagaEvent, InstanceState> onCompensateCompleted(
      InstanceState state, InstanceProtocol.CompensateCompleted request) {
    if (state.status() == null) {
      request.replyTo().tell(Boolean.FALSE);
      passivateIfUnknown(state);
      return Effect().none();
    }
    List<SagaEvent> events = rules(state).compensateCompleted(state, System.currentTimeMillis());
    if (events.isEmpty()) {
      // compensating or compensated already (true), or not ended yet (false: asked again later)
      request
          .replyTo()
          .tell(
              state.status() == SagaStatus.COMPENSATING
                  || state.status() == SagaStatus.COMPENSATED
                  || state.status() == SagaStatus.ABORTED);
      return Effect().none();
    }
    endMarked = false; // its compensation's commands get an end marker of their own
    return persistAndAct(events, Sender.Cause.OPERATOR, null)
        .thenRun(s -> request.replyTo().tell(Boolean.TRUE));
  }

  private Effect<SagaEvent, InstanceState> onFanOutReleased(
      InstanceState state, InstanceProtocol.FanOutReleased released) {
    if (!links().fanOutReleased(released)) {
      timers.startSingleTimer(IndexRetry.INSTANCE, INDEX_RETRY); // tells them again
    }
    if (state.status() != null && state.status().terminal()) {
      passivateIfReported(state);
    }
    return Effect().none();
  }

  private Effect<SagaEvent, InstanceState> onParentAcked(
      InstanceState state, InstanceProtocol.ParentAcked acked) {
    if (!links().parentAcked(acked)) {
      timers.startSingleTimer(IndexRetry.INSTANCE, INDEX_RETRY); // tells both again
    }
    if (state.status() != null && state.status().terminal()) {
      links().notifyParent(state);
      passivateIfReported(state);
    }
    return Effect().none();
  }

  private Effect<SagaEvent, InstanceState> onMigrate(
      InstanceState state, InstanceProtocol.Migrate migrate) {
    List<SagaEvent> events;
    try {
      Transitions<D> target = version(migrate.toVersion());
      events = target.migrate(state, rules(state), System.currentTimeMillis());
    } catch (IllegalArgumentException | IllegalStateException e) {
      migrate.replyTo().tell(new Refused(e.getMessage()));
      passivateIfUnknown(state);
      return Effect().none();
    }
    return persistAndAct(events, Sender.Cause.OPERATOR, null)
        .thenRun(
            s -> {
              report(s);
              migrate.replyTo().tell(new Operated(s));
            });
  }

  private Effect<SagaEvent, InstanceState> onSignal(
      InstanceState state, InstanceProtocol.Signal signal) {
    List<SagaEvent> events;
    try {
      events =
          rules(state).onSignal(state, signal.type(), signal.json(), System.currentTimeMillis());
    } catch (IllegalArgumentException | IllegalStateException e) {
      signal.replyTo().tell(new InstanceProtocol.SignalResult(false, e.getMessage()));
      passivateIfUnknown(state);
      return Effect().none();
    }
    if (events.isEmpty()) {
      signal.replyTo().tell(new InstanceProtocol.SignalResult(false, null));
      return Effect().none();
    }
    return persistAndAct(events, Sender.Cause.REPLY, null)
        .thenRun(s -> signal.replyTo().tell(new InstanceProtocol.SignalResult(true, null)));
  }

  private Effect<SagaEvent, InstanceState> onObserve(InstanceState state, Observe observe) {
    List<SagaEvent> events =
        rules(state).observe(state, observe.event(), System.currentTimeMillis());
    if (events.isEmpty()) {
      observe.replyTo().tell(awaits(state, observe));
      passivateIfUnknown(state);
      return Effect().none();
    }
    return persistAndAct(events, Sender.Cause.OBSERVED, observe.event())
        .thenRun(s -> observe.replyTo().tell(awaits(s, observe)));
  }

  private boolean awaits(InstanceState state, Observe observe) {
    return observe.target() == null
        || rules(state).awaitsStep(state, observe.target(), observe.compensation());
  }

  private Effect<SagaEvent, InstanceState> onStart(InstanceState state, Start start) {
    if (state.status() != null) {
      start.replyTo().tell(Boolean.FALSE);
      return Effect().none();
    }
    List<SagaEvent> events =
        rules(state)
            .start(
                state, start.dataJson(), start.trace(), start.parent(), System.currentTimeMillis());
    return persistAndAct(events, Sender.Cause.START, null)
        .thenRun(s -> start.replyTo().tell(Boolean.TRUE));
  }

  private org.apache.pekko.persistence.typed.javadsl.EffectBuilder<SagaEvent, InstanceState>
      persistAndAct(List<SagaEvent> events, Sender.Cause cause, FlowEvent observed) {
    return Effect().persist(events).thenRun(s -> act(s, cause, observed));
  }

  /**
   * A timer of a step's direction: its deadline, or (with {@code send}) the end of its retry
   * backoff.
   */
  private record TimerKey(String step, boolean compensation, boolean send) {
    TimerKey sendKey() {
      return new TimerKey(step, compensation, true);
    }
  }

  /** One attempt, once per incarnation; an operator's retry restarts at 1 with a new deadline. */
  private record AttemptKey(String step, boolean compensation, int attempt, long deadline) {}

  /** Acts on a persisted state: sends due commands, arms timers, reports the status. */
  private void act(InstanceState state, Sender.Cause cause, FlowEvent observed) {
    if (state.status() == null) {
      return;
    }
    long now = System.currentTimeMillis();
    for (StepState st : state.steps()) {
      TimerKey key = new TimerKey(st.name(), st.compensating(), false);
      boolean active =
          st.running()
              && (state.status() == SagaStatus.RUNNING
                  || state.status() == SagaStatus.COMPENSATING);
      if (!active) {
        disarm(new TimerKey(st.name(), false, false));
        disarm(new TimerKey(st.name(), true, false));
        continue;
      }
      if (st.sendAt() > now) {
        timers.startSingleTimer(
            key.sendKey(),
            new SendDue(st.name(), st.compensating(), st.attempt()),
            Duration.ofMillis(st.sendAt() - now));
      } else {
        send(state, st, cause, observed);
      }
      Long armedDeadline = armed.get(key);
      if (armedDeadline == null || armedDeadline != st.deadline()) {
        armed.put(key, st.deadline());
        long due = recovering ? rules(state).recoveredDeadline(st, now) : st.deadline();
        timers.startSingleTimer(
            key,
            new Deadline(st.name(), st.compensating(), st.attempt(), st.deadline()),
            Duration.ofMillis(Math.max(0, due - now)));
      }
    }
    armSagaDeadline(state, now);
    measure(state, now);
    report(state);
    if (state.status().terminal()) {
      if (!endMarked) {
        endMarked = true;
        try (io.opentelemetry.context.Scope scope =
            SagaTrace.context(state.trace()).makeCurrent()) {
          runtime.sender().ended(sagaId); // the end markers belong to the saga's trace too
        }
      }
      timers.cancelAll();
      links().notifyParent(state);
      links().releaseFanOuts(state);
      passivateIfReported(state);
    }
  }

  /** Arms (or moves, or cancels) the timer of the saga's deadline. */
  private void armSagaDeadline(InstanceState state, long now) {
    long due = rules(state).sagaDeadline(state);
    if (due == armedSagaDeadline) {
      return;
    }
    armedSagaDeadline = due;
    if (due < 0) {
      timers.cancel(SAGA_DEADLINE);
    } else {
      timers.startSingleTimer(
          SAGA_DEADLINE,
          new InstanceProtocol.SagaDeadlineDue(due),
          Duration.ofMillis(Math.max(0, due - now)));
    }
  }

  /**
   * Counts status transitions and times step directions, from what this incarnation saw start (a
   * recovery counts nothing again, and times only what starts after it).
   */
  private void measure(InstanceState state, long nowMillis) {
    SagaMeters meters = runtime.meters();
    if (state.status() != measuredStatus) {
      if (!recovering) {
        meters.entered(state.status());
      }
      measuredStatus = state.status();
    }
    long now = System.nanoTime();
    // only the directions this incarnation timed (one or two at a time), not every step
    java.util.Iterator<Map.Entry<TimerKey, Long>> timed = stepStarted.entrySet().iterator();
    while (timed.hasNext()) {
      Map.Entry<TimerKey, Long> entry = timed.next();
      TimerKey key = entry.getKey();
      StepState st = state.step(key.step());
      InstanceState.Phase phase = key.compensation() ? st.compensation() : st.forward();
      if (phase != InstanceState.Phase.RUNNING && phase != InstanceState.Phase.PENDING) {
        meters.stepEnded(key.step(), key.compensation(), phase.name(), now - entry.getValue());
        timed.remove();
      }
    }
    if (!recovering) {
      for (StepState st : state.steps()) {
        if (st.running() && st.sendAt() <= nowMillis) {
          stepStarted.putIfAbsent(new TimerKey(st.name(), st.compensating(), false), now);
        }
      }
    }
  }

  /**
   * Tells the index a status until it acknowledges it durably (a change told once could be lost
   * with the index's node, and then a parked saga would never be listed).
   */
  private void report(InstanceState state) {
    SagaStatus status = state.status();
    int version = state.version();
    if ((status == reported && version == reportedVersion)
        || (status == reporting && version == reportingVersion)) {
      return;
    }
    reporting = status;
    reportingVersion = version;
    context.ask(
        Boolean.class,
        runtime.index(),
        runtime.indexTimeout(),
        replyTo -> new SagaIndex.StatusChanged(sagaName, sagaId, status, version, replyTo),
        (ok, error) -> new IndexAcked(status, version, error == null && Boolean.TRUE.equals(ok)));
  }

  private Effect<SagaEvent, InstanceState> onIndexAcked(InstanceState state, IndexAcked acked) {
    if (acked.status() == reporting && acked.version() == reportingVersion) {
      reporting = null;
    }
    if (acked.ok()) {
      reported = acked.status();
      reportedVersion = acked.version();
    } else {
      timers.startSingleTimer(IndexRetry.INSTANCE, INDEX_RETRY);
    }
    if (state.status() != null
        && (state.status() != reported || state.version() != reportedVersion)) {
      report(state); // it changed since, or must be told again
    }
    if (state.status() != null && state.status().terminal()) {
      passivateIfReported(state);
    }
    return Effect().none();
  }

  /** A finished instance stays until the index has its final status, then passivates. */
  private void passivateIfReported(InstanceState state) {
    if (reported == state.status() && links().done(state)) {
      entity.getShard().tell(new ClusterSharding.Passivate<>(context.getSelf()));
    }
  }

  /** A query for an id that never started must not leave a remembered entity behind. */
  private void passivateIfUnknown(InstanceState state) {
    if (state.status() == null) {
      entity.getShard().tell(new ClusterSharding.Passivate<>(context.getSelf()));
    }
  }

  private void disarm(TimerKey key) {
    if (armed.remove(key) != null) {
      timers.cancel(key);
      timers.cancel(key.sendKey());
    }
  }

  /** Acts on a running attempt, once per attempt in this incarnation. */
  private void send(InstanceState state, StepState st, Sender.Cause cause, FlowEvent observed) {
    // An operator's retry starts again at attempt 1: the deadline tells the arming apart.
    AttemptKey attemptKey =
        new AttemptKey(st.name(), st.compensating(), st.attempt(), st.deadline());
    if (rules(state).spec(st.name()).waits() && !st.compensating()) {
      return; // a wait sends nothing: its signal comes from outside
    }
    if (sent.add(attemptKey)) {
      try {
        // in the starter's trace: the command's PRODUCER span (and all that follows from it,
        // the participant's handling and its reply) joins the trace that started the saga
        try (io.opentelemetry.context.Scope scope =
            SagaTrace.context(state.trace()).makeCurrent()) {
          runtime.sender().send(new Sender.Attempt(sagaId, state, st, cause, observed));
        }
      } catch (UserCodeFailed e) {
        context.getLog().warn("saga {} {}: {}; parking", sagaName, sagaId, e.getMessage());
        context
            .getSelf()
            .tell(new SendFailed(st.name(), st.compensating(), st.attempt(), e.getMessage()));
      }
    }
  }
}
