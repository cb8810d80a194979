package io.skald.framework.internal.txn;

import io.skald.framework.TopicPartition;
import io.skald.framework.internal.EntityIds;
import io.skald.framework.internal.EntitySupport;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.group.GroupCoordinator;
import io.skald.framework.internal.group.GroupProtocol;
import io.skald.framework.internal.txn.TxnProtocol.Aborted;
import io.skald.framework.internal.txn.TxnProtocol.Checked;
import io.skald.framework.internal.txn.TxnProtocol.Command;
import io.skald.framework.internal.txn.TxnProtocol.CommitDecided;
import io.skald.framework.internal.txn.TxnProtocol.Committed;
import io.skald.framework.internal.txn.TxnProtocol.DataStaged;
import io.skald.framework.internal.txn.TxnProtocol.Decided;
import io.skald.framework.internal.txn.TxnProtocol.EndTxn;
import io.skald.framework.internal.txn.TxnProtocol.EpochBumped;
import io.skald.framework.internal.txn.TxnProtocol.Event;
import io.skald.framework.internal.txn.TxnProtocol.GroupOffsets;
import io.skald.framework.internal.txn.TxnProtocol.InitProducer;
import io.skald.framework.internal.txn.TxnProtocol.Initialized;
import io.skald.framework.internal.txn.TxnProtocol.PartitionData;
import io.skald.framework.internal.txn.TxnProtocol.PlannedAppend;
import io.skald.framework.internal.txn.TxnProtocol.Refusal;
import io.skald.framework.internal.txn.TxnProtocol.Refused;
import io.skald.framework.internal.txn.TxnProtocol.StageData;
import io.skald.framework.internal.txn.TxnProtocol.Staged;
import io.skald.framework.internal.txn.TxnProtocol.State;
import io.skald.framework.internal.txn.TxnProtocol.Tick;
import io.skald.framework.internal.txn.TxnProtocol.TxnAborted;
import io.skald.framework.internal.txn.TxnProtocol.TxnCompleted;
import io.skald.framework.internal.txn.TxnProtocol.Written;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
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
 * INTERNAL API: the coordinator of one transactional id, a sharded event-sourced entity on the same
 * journal as the partitions.
 *
 * <p>States: no open transaction; <b>ongoing</b> (records staged, {@link DataStaged}, with a
 * deadline); <b>decided</b> ({@link CommitDecided}: written from here on, whatever fails); and back
 * to none when written ({@link TxnCompleted}) or aborted ({@link TxnAborted}: staged records
 * dropped, nothing was ever written). A crash while decided resumes the writing on recovery; a
 * crash while ongoing keeps the staged records until the producer ends the transaction or the
 * deadline aborts it. The epoch ({@link EpochBumped}) is bumped by each new producer instance and
 * fences the older ones; it is also the epoch of the partitions' producer id {@code
 * txn:<id>#<epoch>}, so partitions fence appends of an older coordinator epoch as well.
 *
 * <p>Commands arriving while a decided transaction is written, or while the owners of its offsets
 * are checked, wait (stashed) until it is done.
 */
public final class TransactionCoordinator extends EventSourcedBehavior<Command, Event, State> {

  /** The sharding entity type; the entity id is the transactional id. */
  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY =
      EntityTypeKey.create(Command.class, "skald-transaction");

  /** Prefix of the partitions' producer id of a transactional id. */
  public static final String PRODUCER_PREFIX = "txn:";

  /**
   * The coordinator of a transactional id.
   *
   * @param system the actor system
   * @param transactionalId the id
   * @return its reference
   */
  public static EntityRef<Command> ref(ActorSystem<?> system, String transactionalId) {
    return ClusterSharding.get(system).entityRefFor(ENTITY_TYPE_KEY, transactionalId);
  }

  /**
   * Registers the entity type.
   *
   * @param system the actor system
   * @param settings Skald's settings
   * @param txnSettings the transactions' settings
   * @param refused where records a partition refuses for good after the decision go
   */
  public static void init(
      ActorSystem<?> system,
      SkaldSettings settings,
      TransactionSettings txnSettings,
      RefusedRecords refused) {
    ClusterSharding.get(system)
        .init(
            EntitySupport.entity(
                settings,
                ENTITY_TYPE_KEY,
                (ctx, timers, id) ->
                    new TransactionCoordinator(ctx, timers, id, settings, txnSettings, refused)));
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final SkaldSettings settings;
  private final TransactionSettings txnSettings;
  private final RefusedRecords refused;
  private final String transactionalId;
  private final List<ActorRef<TxnProtocol.Reply>> waiting = new ArrayList<>();
  private boolean checking;
  private boolean writing;

  private TransactionCoordinator(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      String transactionalId,
      SkaldSettings settings,
      TransactionSettings txnSettings,
      RefusedRecords refused) {
    super(
        PersistenceId.of(ENTITY_TYPE_KEY.name(), transactionalId),
        EntitySupport.ON_PERSIST_FAILURE);
    this.context = context;
    this.timers = timers;
    this.transactionalId = transactionalId;
    this.settings = settings;
    this.txnSettings = txnSettings;
    this.refused = refused;
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
    return State.empty();
  }

  /** Snapshots keep the recovery short; events behind the older snapshot are deleted. */
  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2).withDeleteEventsOnSnapshot();
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              if (state.decided() != null) {
                write(state.decided());
              }
              if (state.openTxn() >= 0) {
                startTicks();
              }
            })
        .build();
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(InitProducer.class, this::onInit)
        .onCommand(StageData.class, this::onStage)
        .onCommand(EndTxn.class, this::onEnd)
        .onCommand(Checked.class, this::onChecked)
        .onCommand(Written.class, this::onWritten)
        .onCommand(Tick.class, this::onTick)
        .build();
  }

  private boolean busy(State state) {
    return checking || state.decided() != null;
  }

  private Effect<Event, State> onInit(State state, InitProducer init) {
    if (busy(state)) {
      return Effect().stash();
    }
    List<Event> events = new ArrayList<>();
    if (state.openTxn() >= 0) {
      events.add(
          new TxnAborted(
              state.openTxn(),
              Refusal.TRANSACTION_ABORTED,
              "a newer producer instance with transactional id '"
                  + transactionalId
                  + "' started before it ended"));
    }
    events.add(new EpochBumped(state.epoch() + 1));
    return Effect()
        .persist(events)
        .thenRun(s -> init.replyTo().tell(new Initialized(s.epoch(), s.lastTxn() + 1)));
  }

  /** A refusal for a request of an older epoch or of a transaction that ended, or null. */
  private Refused checkTxn(State state, int epoch, long txn) {
    if (txn == state.lastTxn() && state.lastAborted()) {
      return new Refused(
          state.lastRefusal() == null ? Refusal.TRANSACTION_ABORTED : state.lastRefusal(),
          "transaction " + txn + " was aborted: " + state.lastDetail());
    }
    if (epoch < state.epoch()) {
      return new Refused(
          Refusal.PRODUCER_FENCED,
          "producer epoch "
              + epoch
              + " of transactional id '"
              + transactionalId
              + "' was fenced by epoch "
              + state.epoch()
              + " (a newer instance started)");
    }
    if (epoch > state.epoch() || txn <= state.lastTxn() || txn < state.openTxn()) {
      return new Refused(
          Refusal.INVALID_STATE,
          "transaction "
              + txn
              + " of epoch "
              + epoch
              + " does not follow the coordinator's state (epoch "
              + state.epoch()
              + ", last ended "
              + state.lastTxn()
              + ")");
    }
    return null;
  }

  private Effect<Event, State> onStage(State state, StageData stage) {
    if (busy(state)) {
      return Effect().stash();
    }
    Refused refusal = checkTxn(state, stage.epoch(), stage.txn());
    if (refusal != null) {
      stage.replyTo().tell(refusal);
      return Effect().none();
    }
    boolean same = state.openTxn() == stage.txn();
    int expected = same ? state.stagedChunks() : 0;
    if (same && stage.chunk() < expected) {
      stage.replyTo().tell(new Staged(stage.txn(), expected)); // sent again after a timeout
      return Effect().none();
    }
    if (stage.chunk() != expected) {
      stage
          .replyTo()
          .tell(
              new Refused(
                  Refusal.INVALID_STATE,
                  "chunk "
                      + stage.chunk()
                      + " of transaction "
                      + stage.txn()
                      + " does not follow the "
                      + expected
                      + " chunk(s) staged"));
      return Effect().none();
    }
    List<Event> events = new ArrayList<>();
    long bytes = 0;
    if (state.openTxn() >= 0 && !same) {
      events.add(
          new TxnAborted(
              state.openTxn(),
              Refusal.TRANSACTION_ABORTED,
              "the producer began transaction " + stage.txn() + " without ending it"));
    } else {
      bytes = state.stagedBytes();
    }
    String tooLarge = tooLarge(bytes, stage.data());
    if (tooLarge != null) {
      events.add(new TxnAborted(stage.txn(), Refusal.TOO_LARGE, tooLarge));
      return Effect()
          .persist(events)
          .thenRun(s -> stage.replyTo().tell(new Refused(Refusal.TOO_LARGE, tooLarge)));
    }
    long deadline =
        state.openTxn() == stage.txn()
            ? state.deadline()
            : System.currentTimeMillis() + txnSettings.timeout().toMillis();
    events.add(new DataStaged(stage.epoch(), stage.txn(), stage.data(), deadline));
    startTicks();
    return Effect()
        .persist(events)
        .thenRun(s -> stage.replyTo().tell(new Staged(stage.txn(), s.stagedChunks())));
  }

  /** Why records would make a transaction too large, or null. */
  private String tooLarge(long stagedBytes, List<PartitionData> data) {
    long bytes = stagedBytes;
    for (PartitionData d : data) {
      if (d.records().length > settings.maxBatchBytes() || d.count() < 1) {
        return "a chunk of "
            + d.records().length
            + " bytes for "
            + d.tp()
            + " exceeds skald.framework.partition.max-batch-bytes ("
            + settings.maxBatchBytes()
            + ")";
      }
      bytes += d.records().length;
    }
    if (bytes > txnSettings.maxBytes()) {
      return "the transaction's records take "
          + bytes
          + " bytes, more than skald.framework.transactions.max-bytes ("
          + txnSettings.maxBytes()
          + ")";
    }
    return null;
  }

  private Effect<Event, State> onEnd(State state, EndTxn end) {
    Decided decided = state.decided();
    if (decided != null && decided.txn() == end.txn()) {
      waiting.add(end.replyTo()); // a repeated commit of the transaction being written
      return Effect().none();
    }
    if (busy(state)) {
      return Effect().stash();
    }
    if (end.txn() == state.lastTxn() && !state.lastAborted()) {
      end.replyTo().tell(new Committed(end.txn(), state.lastOutcome())); // asked again
      return Effect().none();
    }
    Refused refusal = checkTxn(state, end.epoch(), end.txn());
    if (refusal != null) {
      end.replyTo().tell(refusal);
      return Effect().none();
    }
    boolean open = state.openTxn() == end.txn();
    if (!end.commit()) {
      if (!open) {
        end.replyTo().tell(new Aborted(end.txn()));
        return Effect().none();
      }
      return Effect()
          .persist(new TxnAborted(end.txn(), null, "aborted by the producer"))
          .thenRun(s -> end.replyTo().tell(new Aborted(end.txn())))
          .thenUnstashAll();
    }
    int staged = open ? state.stagedChunks() : 0;
    if (staged != end.chunks()) {
      return abort(
          end,
          Refusal.INVALID_STATE,
          "the coordinator holds "
              + staged
              + " staged chunk(s), the producer sent "
              + end.chunks());
    }
    String tooLarge = tooLarge(open ? state.stagedBytes() : 0, end.data());
    if (tooLarge != null) {
      return abort(end, Refusal.TOO_LARGE, tooLarge);
    }
    if (!open && end.data().isEmpty() && end.offsets().isEmpty()) {
      end.replyTo().tell(new Committed(end.txn(), List.of())); // nothing to write
      return Effect().none();
    }
    if (end.offsets().isEmpty()) {
      return decide(end);
    }
    checking = true;
    context.pipeToSelf(
        checkOwners(end.offsets()), (refused, error) -> new Checked(end, refused, error));
    return Effect().none();
  }

  /** Asks each group whether the named member owns the partitions of its offsets. */
  private CompletionStage<Refused> checkOwners(List<GroupOffsets> offsets) {
    List<CompletableFuture<Refused>> checks = new ArrayList<>();
    for (GroupOffsets g : offsets) {
      List<TopicPartition> tps =
          g.offsets().stream().map(io.skald.framework.internal.group.CommittedOffset::tp).toList();
      CompletionStage<GroupProtocol.CommitResult> answer =
          AskPattern.ask(
              GroupCoordinator.ref(context.getSystem(), g.group()),
              (ActorRef<GroupProtocol.CommitResult> replyTo) ->
                  new GroupProtocol.CheckOwnership(g.memberId(), g.generation(), tps, replyTo),
              settings.askTimeout(),
              context.getSystem().scheduler());
      checks.add(
          answer
              .thenApply(
                  result -> {
                    if (result.retryLater()) {
                      return new Refused(
                          Refusal.GROUP_UNAVAILABLE,
                          "group '" + g.group() + "' is recovering its members; retry");
                    }
                    if (!result.rejected().isEmpty()) {
                      return new Refused(
                          Refusal.NOT_PARTITION_OWNER,
                          "member "
                              + g.memberId()
                              + " of group '"
                              + g.group()
                              + "' does not own "
                              + result.rejected());
                    }
                    return (Refused) null;
                  })
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new))
        .thenApply(
            ignored ->
                checks.stream()
                    .map(CompletableFuture::join)
                    .filter(r -> r != null)
                    .findFirst()
                    .orElse(null));
  }

  private Effect<Event, State> onChecked(State state, Checked checked) {
    checking = false;
    if (checked.error() != null) {
      return abort(
          checked.end(),
          Refusal.GROUP_UNAVAILABLE,
          "the owners of the offsets could not be checked: " + checked.error());
    }
    if (checked.refusal() != null) {
      return abort(checked.end(), checked.refusal().refusal(), checked.refusal().detail());
    }
    return decide(checked.end());
  }

  private Effect<Event, State> abort(EndTxn end, Refusal refusal, String detail) {
    return Effect()
        .persist(new TxnAborted(end.txn(), refusal, detail))
        .thenRun(s -> end.replyTo().tell(new Refused(refusal, detail)))
        .thenUnstashAll();
  }

  private Effect<Event, State> decide(EndTxn end) {
    return Effect()
        .persist(new CommitDecided(end.epoch(), end.txn(), end.data(), end.offsets()))
        .thenRun(
            s -> {
              waiting.add(end.replyTo());
              write(s.decided());
            });
  }

  private void write(Decided decided) {
    if (writing) {
      return;
    }
    writing = true;
    String producerId =
        io.skald.framework.internal.log.ProducerIds.withEpoch(
            PRODUCER_PREFIX + transactionalId, decided.epoch());
    context.pipeToSelf(
        new TxnWriter(context.getSystem(), settings, refused, transactionalId)
            .write(producerId, decided),
        (appends, error) ->
            // the writer retries until done; an error here is a bug, surfaced and retried
            error == null ? new Written(decided.txn(), appends) : new Written(decided.txn(), null));
  }

  private Effect<Event, State> onWritten(State state, Written written) {
    writing = false;
    if (state.decided() == null || state.decided().txn() != written.txn()) {
      return Effect().none();
    }
    if (written.appends() == null) {
      context.getLog().error("transaction {}: writing failed, writing again", transactionalId);
      write(state.decided());
      return Effect().none();
    }
    List<ActorRef<TxnProtocol.Reply>> replyTo = List.copyOf(waiting);
    waiting.clear();
    return Effect()
        .persist(new TxnCompleted(written.txn(), written.appends()))
        .thenRun(s -> replyTo.forEach(r -> r.tell(new Committed(written.txn(), written.appends()))))
        .thenUnstashAll();
  }

  private void startTicks() {
    if (!timers.isTimerActive(Tick.INSTANCE)) {
      Duration every = txnSettings.timeout().dividedBy(10);
      timers.startTimerWithFixedDelay(
          Tick.INSTANCE,
          Tick.INSTANCE,
          every.compareTo(Duration.ofSeconds(1)) < 0 ? every : Duration.ofSeconds(1));
    }
  }

  private Effect<Event, State> onTick(State state, Tick tick) {
    if (state.openTxn() < 0) {
      timers.cancel(Tick.INSTANCE);
      return Effect().none();
    }
    if (busy(state) || System.currentTimeMillis() < state.deadline()) {
      return Effect().none();
    }
    context
        .getLog()
        .info(
            "transaction {} of '{}' timed out after {}: aborted",
            state.openTxn(),
            transactionalId,
            txnSettings.timeout());
    return Effect()
        .persist(
            new TxnAborted(
                state.openTxn(),
                Refusal.TRANSACTION_ABORTED,
                "it did not end within skald.framework.transactions.timeout ("
                    + txnSettings.timeout()
                    + ")"))
        .thenUnstashAll();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            EpochBumped.class,
            (s, e) ->
                new State(
                    e.epoch(),
                    s.lastTxn(),
                    s.lastOutcome(),
                    s.lastRefusal(),
                    s.lastDetail(),
                    s.lastAborted(),
                    -1,
                    List.of(),
                    0,
                    0,
                    null,
                    Map.of()))
        .onEvent(DataStaged.class, TransactionCoordinator::staged)
        .onEvent(CommitDecided.class, TransactionCoordinator::decided)
        .onEvent(
            TxnCompleted.class,
            (s, e) ->
                new State(
                    s.epoch(),
                    e.txn(),
                    e.appends(),
                    null,
                    null,
                    false,
                    s.openTxn(),
                    s.staged(),
                    s.stagedChunks(),
                    s.deadline(),
                    null,
                    s.sequences()))
        .onEvent(
            TxnAborted.class,
            (s, e) -> {
              boolean open = s.openTxn() == e.txn();
              return new State(
                  s.epoch(),
                  Math.max(s.lastTxn(), e.txn()),
                  List.of(),
                  e.refusal(),
                  e.detail(),
                  true,
                  open ? -1 : s.openTxn(),
                  open ? List.of() : s.staged(),
                  open ? 0 : s.stagedChunks(),
                  open ? 0 : s.deadline(),
                  s.decided(),
                  s.sequences());
            })
        .build();
  }

  private static State staged(State s, DataStaged e) {
    boolean same = s.openTxn() == e.txn();
    List<PartitionData> staged = new ArrayList<>(same ? s.staged() : List.of());
    staged.addAll(e.data());
    return new State(
        s.epoch(),
        s.lastTxn(),
        s.lastOutcome(),
        s.lastRefusal(),
        s.lastDetail(),
        s.lastAborted(),
        e.txn(),
        staged,
        (same ? s.stagedChunks() : 0) + 1,
        same ? s.deadline() : e.deadline(),
        s.decided(),
        s.sequences());
  }

  /** Fixes the appends and their sequence numbers: part of the decision, replayed identically. */
  private static State decided(State s, CommitDecided e) {
    List<PartitionData> all = new ArrayList<>(s.openTxn() == e.txn() ? s.staged() : List.of());
    all.addAll(e.data());
    Map<String, Long> sequences = new HashMap<>(s.sequences());
    List<PlannedAppend> plan = new ArrayList<>(all.size());
    for (PartitionData d : all) {
      String key = EntityIds.of(d.tp());
      long first = sequences.getOrDefault(key, 0L);
      sequences.put(key, first + d.count());
      plan.add(new PlannedAppend(d, first));
    }
    return new State(
        s.epoch(),
        s.lastTxn(),
        s.lastOutcome(),
        s.lastRefusal(),
        s.lastDetail(),
        s.lastAborted(),
        -1,
        List.of(),
        0,
        0,
        new Decided(e.epoch(), e.txn(), plan, e.offsets()),
        sequences);
  }
}
