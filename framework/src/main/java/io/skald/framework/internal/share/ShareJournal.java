package io.skald.framework.internal.share;

import io.skald.framework.internal.SkaldSerializable;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.share.ShareProtocol.Event;
import io.skald.framework.internal.share.ShareProtocol.ShareSnapshot;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * INTERNAL API: the journal of one {@link SharePartition}, a child that writes behind it. The
 * share-partition changes its state at once and sends the events here, one write at a time (what
 * happens during a write is the next one); the journal writes them in order and reports each
 * written write, so the share-partition keeps serving while a write is in flight and answers what
 * must be durable (acknowledgements, releases, extensions) once it is.
 *
 * <p>It keeps its own copy of the state (applying the events it wrote), from which it snapshots and
 * which it hands to the share-partition after recovery. Its persistence id is the share-partition's
 * ({@code skald-share-partition|<group>~<topic>~<partition>}). A failed write or recovery stops it,
 * and the share-partition with it: the next request starts both again from what is durable.
 */
final class ShareJournal extends EventSourcedBehavior<ShareJournal.Command, Event, ShareState> {

  /** Messages of the journal. */
  sealed interface Command permits Write, FlushAndStop {}

  /**
   * Events to write, in order after every earlier write.
   *
   * @param events the events
   * @param token increasing per write; the journal reports the last one written
   */
  record Write(List<Event> events, long token) implements Command {}

  /** Stops after the writes sent before (the share-partition hands off or passivates). */
  enum FlushAndStop implements Command {
    INSTANCE
  }

  /**
   * To the share-partition: recovery is done.
   *
   * @param state the recovered state
   */
  record Recovered(ShareSnapshot state) implements SharePartition.Internal, SkaldSerializable {}

  /**
   * To the share-partition: every write up to this token is durable.
   *
   * @param token the last written token
   */
  record Written(long token) implements SharePartition.Internal, SkaldSerializable {}

  static Behavior<Command> create(
      String entityId, SkaldSettings settings, ActorRef<ShareProtocol.Command> parent) {
    return Behaviors.setup(context -> new ShareJournal(context, entityId, settings, parent));
  }

  private final ActorContext<Command> context;
  private final SkaldSettings settings;
  private final ActorRef<ShareProtocol.Command> parent;

  private ShareJournal(
      ActorContext<Command> context,
      String entityId,
      SkaldSettings settings,
      ActorRef<ShareProtocol.Command> parent) {
    super(PersistenceId.of(SharePartition.ENTITY_TYPE_KEY.name(), entityId));
    this.context = context;
    this.settings = settings;
    this.parent = parent;
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
  public ShareState emptyState() {
    return new ShareState();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.sharedSnapshotEvery(), 2)
        .withDeleteEventsOnSnapshot();
  }

  @Override
  public SnapshotAdapter<ShareState> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(ShareState state) {
        return state.snapshot();
      }

      @Override
      public ShareState fromJournal(Object from) {
        return ShareState.of((ShareSnapshot) from);
      }
    };
  }

  @Override
  public EventHandler<ShareState, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onAnyEvent(
            (state, event) -> {
              state.apply(event);
              return state;
            });
  }

  @Override
  public SignalHandler<ShareState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(), state -> parent.tell(new Recovered(state.snapshot())))
        .build();
  }

  @Override
  public CommandHandler<Command, Event, ShareState> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(
            Write.class,
            (state, write) ->
                Effect()
                    .persist(write.events())
                    .thenRun(written -> parent.tell(new Written(write.token()))))
        // the share-partition sends every write before this: they are written (or stashed while
        // one is in flight, and then written) before it is handled
        .onCommand(FlushAndStop.class, (state, stop) -> Effect().stop())
        .build();
  }
}
