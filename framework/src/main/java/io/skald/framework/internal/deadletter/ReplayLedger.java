package io.skald.framework.internal.deadletter;

import io.skald.framework.Stages;
import io.skald.framework.TopicPartition;
import io.skald.framework.internal.EntitySupport;
import io.skald.framework.internal.SkaldSerializable;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.log.PartitionEntity;
import io.skald.framework.internal.log.PartitionProtocol;
import io.skald.framework.internal.log.RecordFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * INTERNAL API: remembers which dead letters of one dead-letter topic were replayed, so a replay is
 * idempotent. Each dead letter is appended to its original partition as an idempotent append of its
 * own producer id ({@code replay:<dlq topic>@<dlq offset>}, sequence 0), and the ledger persists
 * the completion afterwards. A crash between the two means the next replay of that dead letter
 * sends it again, and the partition, which remembers the producer id, does not write it twice. The
 * completed set keeps replays idempotent beyond the partitions' producer-state retention.
 */
public final class ReplayLedger
    extends EventSourcedBehavior<ReplayLedger.Command, ReplayLedger.Event, ReplayLedger.State> {

  /** The sharding entity type; the entity id is the dead-letter topic. */
  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY =
      EntityTypeKey.create(Command.class, "skald-replay-ledger");

  /** Messages of the ledger. */
  public sealed interface Command extends SkaldSerializable permits Replay, Produced {}

  /**
   * One dead letter to replay.
   *
   * @param dlqOffset its offset in the dead-letter topic
   * @param target the original topic partition
   * @param key the key bytes or null
   * @param value the value bytes
   * @param headers the headers to write (without the dead-letter headers)
   */
  public record Letter(
      long dlqOffset, TopicPartition target, byte[] key, byte[] value, Map<String, String> headers)
      implements SkaldSerializable {}

  /**
   * Replays the given dead letters that were not replayed before.
   *
   * @param letters the dead letters, in offset order
   * @param replyTo receives how many were newly replayed, or why the replay failed
   */
  public record Replay(List<Letter> letters, ActorRef<ReplayResult> replyTo) implements Command {}

  /** The outcome of a {@link Replay}. */
  public sealed interface ReplayResult extends SkaldSerializable {}

  /**
   * The letters were replayed (those replayed before are not written again).
   *
   * @param replayed how many dead letters were written to their original topics now
   */
  public record Replayed(int replayed) implements ReplayResult {}

  /**
   * Writing the letters to their original topics failed; none of them is marked replayed.
   *
   * @param reason the error
   */
  public record ReplayFailed(String reason) implements ReplayResult {}

  record Produced(List<Long> dlqOffsets, int fresh, ActorRef<ReplayResult> replyTo, Throwable error)
      implements Command {}

  /** Persisted events. */
  public sealed interface Event extends SkaldSerializable permits ReplayCompleted {}

  /**
   * Dead letters were written to their original topics.
   *
   * @param dlqOffsets the dead letters
   */
  public record ReplayCompleted(List<Long> dlqOffsets) implements Event {}

  /**
   * Replayed dead letters.
   *
   * @param completed offsets replayed for good
   */
  public record State(Set<Long> completed) implements SkaldSerializable {
    /** Copies the set. */
    public State {
      completed = Set.copyOf(completed);
    }
  }

  /**
   * Registers the entity type.
   *
   * @param system the actor system
   * @param settings Skald's settings
   */
  public static void init(ActorSystem<?> system, SkaldSettings settings) {
    ClusterSharding.get(system)
        .init(
            EntitySupport.entity(
                settings,
                ENTITY_TYPE_KEY,
                (ctx, timers, dlqTopic) -> new ReplayLedger(ctx, dlqTopic, settings)));
  }

  private final ActorContext<Command> context;
  private final SkaldSettings settings;
  private final String dlqTopic;
  private boolean busy;

  private ReplayLedger(ActorContext<Command> context, String dlqTopic, SkaldSettings settings) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), dlqTopic), EntitySupport.ON_PERSIST_FAILURE);
    this.context = context;
    this.settings = settings;
    this.dlqTopic = dlqTopic;
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
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Replay.class, this::onReplay)
        .onCommand(Produced.class, this::onProduced)
        .build();
  }

  private Effect<Event, State> onReplay(State state, Replay replay) {
    if (busy) {
      return Effect().stash();
    }
    List<Letter> pending = new ArrayList<>();
    for (Letter letter : replay.letters()) {
      if (!state.completed().contains(letter.dlqOffset())) {
        pending.add(letter);
      }
    }
    if (pending.isEmpty()) {
      replay.replyTo().tell(new Replayed(0));
      return Effect().none();
    }
    busy = true;
    List<Long> offsets = pending.stream().map(Letter::dlqOffset).toList();
    context.pipeToSelf(
        produce(pending),
        (ok, error) -> new Produced(offsets, pending.size(), replay.replyTo(), error));
    return Effect().none();
  }

  /** Appends the letters one after another, each as the idempotent append of its own producer. */
  private CompletionStage<Void> produce(List<Letter> letters) {
    ActorSystem<?> system = context.getSystem();
    CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
    for (Letter letter : letters) {
      RecordFormat.Writer writer =
          new RecordFormat.Writer(64 + (letter.value() == null ? 0 : letter.value().length));
      writer.writeRecord(letter.key(), letter.value(), letter.headers());
      byte[] payload = writer.toByteArray();
      String producerId = "replay:" + dlqTopic + "@" + letter.dlqOffset();
      chain =
          chain.thenCompose(
              ignored ->
                  Stages.inline(
                          PartitionEntity.ref(system, letter.target())
                              .<PartitionProtocol.AppendResult>ask(
                                  replyTo ->
                                      new PartitionProtocol.Append(
                                          1, payload, producerId, 0, replyTo),
                                  settings.deliveryTimeout()))
                      .thenAccept(
                          result -> {
                            if (result instanceof PartitionProtocol.AppendFailed failed) {
                              throw new IllegalStateException(failed.describe());
                            }
                          }));
    }
    return chain;
  }

  private Effect<Event, State> onProduced(State state, Produced produced) {
    busy = false;
    if (produced.error() != null) {
      produced.replyTo().tell(new ReplayFailed(produced.error().toString()));
      return Effect().unstashAll();
    }
    return Effect()
        .persist(new ReplayCompleted(produced.dlqOffsets()))
        .thenRun(s -> produced.replyTo().tell(new Replayed(produced.fresh())))
        .thenUnstashAll();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            ReplayCompleted.class,
            (state, e) -> {
              Set<Long> completed = new TreeSet<>(state.completed());
              completed.addAll(e.dlqOffsets());
              return new State(completed);
            })
        .build();
  }
}
