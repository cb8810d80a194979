package io.skald.framework.internal.consumer;

import io.skald.framework.TopicPartition;
import io.skald.framework.consumer.HandlerFailedException;
import io.skald.framework.consumer.RecordHandler;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.internal.Asks;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.deadletter.DeadLetterSink;
import io.skald.framework.internal.group.CommittedOffset;
import io.skald.framework.internal.group.GroupCoordinator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * INTERNAL API: one member of a consumer group. It joins the group, runs a {@link PartitionWorker}
 * per owned partition, commits the workers' positions in one batch per {@code commit-interval},
 * drains and releases revoked partitions, and leaves gracefully on stop.
 */
public final class ConsumerActor extends AbstractBehavior<ConsumerActor.Command> {

  /** Messages of a consumer. */
  public sealed interface Command
      permits FromCoordinator,
          WorkerProgress,
          WorkerDrained,
          WorkerFailed,
          CommitReply,
          LeaveDone,
          Tick,
          Stop,
          Seek {}

  /**
   * A message of the group coordinator, through the member's message adapter (so the coordinator's
   * protocol does not depend on the consumer's).
   *
   * @param message the coordinator's message
   */
  record FromCoordinator(GroupCoordinator.MemberMessage message) implements Command {}

  record WorkerProgress(TopicPartition tp, long offset) implements Command {}

  record WorkerDrained(TopicPartition tp, long offset) implements Command {}

  record WorkerFailed(TopicPartition tp, HandlerFailedException failure) implements Command {}

  record CommitReply(
      List<CommittedOffset> sent, GroupCoordinator.CommitResult result, Throwable error)
      implements Command {}

  record LeaveDone(Throwable error) implements Command {}

  enum Tick implements Command {
    COMMIT,
    HEARTBEAT
  }

  /**
   * Leave the group gracefully.
   *
   * @param done completed once the member has left
   */
  public record Stop(CompletableFuture<Done> done) implements Command {}

  /**
   * Move the position on an owned partition.
   *
   * @param tp the partition
   * @param offset the new position
   * @param done completed once moved, or failed if the partition is not owned
   */
  public record Seek(TopicPartition tp, long offset, CompletableFuture<Done> done)
      implements Command {}

  /** What the consumer shares with its {@link io.skald.framework.consumer.Subscription} handle. */
  public static final class Shared {
    /** Completes when the member stopped. */
    public final CompletableFuture<Done> terminated = new CompletableFuture<>();

    /** The currently owned partitions, replaced on every change. */
    public volatile Set<TopicPartition> assignment = Set.of();

    /** Records fetched and not yet started, per owned partition (kept by the workers). */
    public final java.util.concurrent.ConcurrentHashMap<TopicPartition, Integer> buffered =
        new java.util.concurrent.ConcurrentHashMap<>();
  }

  /**
   * Creates a member.
   *
   * @param memberId the member id
   * @param spec the subscription
   * @param handler the record handler
   * @param partitionsPerTopic partition count of each subscribed topic
   * @param settings Skald's settings
   * @param deadLetters where failed records go, or null to fail the subscription instead
   * @param shared state shared with the subscription handle
   * @param <K> key type
   * @param <V> value type
   * @return the behavior
   */
  public static <K, V> Behavior<Command> create(
      String memberId,
      SubscriptionSpec<K, V> spec,
      RecordHandler<K, V> handler,
      Map<String, Integer> partitionsPerTopic,
      SkaldSettings settings,
      DeadLetterSink deadLetters,
      Shared shared) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new ConsumerActor(
                        ctx,
                        timers,
                        new Member<>(memberId, spec, handler, partitionsPerTopic, deadLetters),
                        settings,
                        shared)));
  }

  private record Member<K, V>(
      String memberId,
      SubscriptionSpec<K, V> spec,
      RecordHandler<K, V> handler,
      Map<String, Integer> partitionsPerTopic,
      DeadLetterSink deadLetters) {}

  private final Member<?, ?> member;
  private final SkaldSettings settings;
  private final Shared shared;
  private final EntityRef<GroupCoordinator.Command> coordinator;
  private final ActorRef<GroupCoordinator.MemberMessage> coordinatorInbox;
  private final Map<TopicPartition, ActorRef<PartitionWorker.Command>> workers = new HashMap<>();
  private final Set<TopicPartition> draining = new HashSet<>();
  private final Map<TopicPartition, Long> positions = new HashMap<>();
  private final Map<TopicPartition, Long> committed = new HashMap<>();
  private final List<CommittedOffset> finalOffsets = new ArrayList<>();
  private long generation;
  private boolean commitInFlight;
  private boolean leaving;
  private CompletableFuture<Done> stopping;
  private HandlerFailedException failure;

  private ConsumerActor(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      Member<?, ?> member,
      SkaldSettings settings,
      Shared shared) {
    super(context);
    this.member = member;
    this.settings = settings;
    this.shared = shared;
    this.coordinator =
        ClusterSharding.get(context.getSystem())
            .entityRefFor(GroupCoordinator.ENTITY_TYPE_KEY, member.spec().group());
    // the coordinator watches this ref: an adapter lives and dies with this actor
    this.coordinatorInbox =
        context.messageAdapter(GroupCoordinator.MemberMessage.class, FromCoordinator::new);
    timers.startTimerWithFixedDelay(Tick.COMMIT, settings.commitInterval());
    timers.startTimerWithFixedDelay(Tick.HEARTBEAT, settings.heartbeatInterval());
    join();
  }

  private ActorRef<GroupCoordinator.MemberMessage> self() {
    return coordinatorInbox;
  }

  private void join() {
    coordinator.tell(
        new GroupCoordinator.Join(
            member.memberId(),
            member.spec().topics(),
            member.partitionsPerTopic(),
            member.spec().assignor(),
            self()));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(FromCoordinator.class, this::onCoordinatorMessage)
        .onMessage(WorkerProgress.class, this::onProgress)
        .onMessage(WorkerDrained.class, this::onDrained)
        .onMessage(WorkerFailed.class, this::onWorkerFailed)
        .onMessage(CommitReply.class, this::onCommitReply)
        .onMessage(LeaveDone.class, this::onLeaveDone)
        .onMessageEquals(Tick.COMMIT, this::commit)
        .onMessageEquals(
            Tick.HEARTBEAT,
            () -> {
              coordinator.tell(new GroupCoordinator.Heartbeat(member.memberId(), self()));
              return this;
            })
        .onMessage(Stop.class, this::onStop)
        .onMessage(
            Seek.class,
            seek -> {
              ActorRef<PartitionWorker.Command> worker = workers.get(seek.tp());
              if (worker == null || draining.contains(seek.tp())) {
                seek.done()
                    .completeExceptionally(
                        new IllegalStateException(
                            "member " + member.memberId() + " does not own " + seek.tp()));
              } else {
                worker.tell(new PartitionWorker.SeekTo(seek.offset(), seek.done()));
              }
              return this;
            })
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  private Behavior<Command> onCoordinatorMessage(FromCoordinator message) {
    GroupCoordinator.MemberMessage m = message.message();
    if (m instanceof GroupCoordinator.Assigned assigned) {
      return onAssigned(assigned);
    }
    if (m instanceof GroupCoordinator.Revoked revoked) {
      return onRevoked(revoked);
    }
    return onRejoin((GroupCoordinator.RejoinRequired) m);
  }

  private Behavior<Command> onAssigned(GroupCoordinator.Assigned assigned) {
    generation = Math.max(generation, assigned.generation());
    for (CommittedOffset grant : assigned.partitions()) {
      TopicPartition tp = grant.tp();
      ActorRef<PartitionWorker.Command> old = workers.remove(tp);
      if (old != null) {
        getContext().stop(old);
        draining.remove(tp);
      }
      if (grant.offset() >= 0) {
        positions.put(tp, grant.offset());
        committed.put(tp, grant.offset());
      }
      workers.put(tp, spawnWorker(tp, grant.offset()));
    }
    publishAssignment();
    if (stopping != null || failure != null) {
      assigned.partitions().forEach(grant -> drain(grant.tp()));
    }
    return this;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private ActorRef<PartitionWorker.Command> spawnWorker(TopicPartition tp, long offset) {
    Member m = member;
    return getContext()
        .spawnAnonymous(
            PartitionWorker.create(
                tp,
                offset,
                m.spec(),
                m.handler(),
                settings,
                m.deadLetters(),
                shared,
                getContext().getSelf()));
  }

  private Behavior<Command> onRevoked(GroupCoordinator.Revoked revoked) {
    generation = Math.max(generation, revoked.generation());
    revoked.partitions().forEach(this::drain);
    return this;
  }

  private void drain(TopicPartition tp) {
    ActorRef<PartitionWorker.Command> worker = workers.get(tp);
    if (worker != null && draining.add(tp)) {
      worker.tell(PartitionWorker.Drain.INSTANCE);
    }
  }

  private Behavior<Command> onDrained(WorkerDrained drained) {
    TopicPartition tp = drained.tp();
    if (!draining.remove(tp)) {
      return this;
    }
    workers.remove(tp);
    long offset = drained.offset() >= 0 ? drained.offset() : positions.getOrDefault(tp, -1L);
    positions.remove(tp);
    committed.remove(tp);
    publishAssignment();
    if (stopping == null && failure == null) {
      coordinator.tell(
          new GroupCoordinator.Released(
              member.memberId(), List.of(CommittedOffset.of(tp, offset))));
      return this;
    }
    finalOffsets.add(CommittedOffset.of(tp, offset));
    return maybeLeave();
  }

  private Behavior<Command> onProgress(WorkerProgress progress) {
    if (workers.containsKey(progress.tp())) {
      positions.put(progress.tp(), progress.offset());
      if (atMostOnce()) {
        return commit(); // at-most-once: the handler waits for this commit
      }
    }
    return this;
  }

  private boolean atMostOnce() {
    return member.spec().deliveryMode() == io.skald.framework.consumer.DeliveryMode.AT_MOST_ONCE;
  }

  private Behavior<Command> commit() {
    if (commitInFlight) {
      return this;
    }
    List<CommittedOffset> changed = new ArrayList<>();
    positions.forEach(
        (tp, offset) -> {
          if (!offset.equals(committed.get(tp))) {
            changed.add(CommittedOffset.of(tp, offset));
          }
        });
    if (changed.isEmpty()) {
      return this;
    }
    commitInFlight = true;
    long gen = generation;
    Asks.ask(
        getContext(),
        GroupCoordinator.CommitResult.class,
        coordinator,
        settings.askTimeout(),
        replyTo -> new GroupCoordinator.Commit(member.memberId(), gen, changed, replyTo),
        (result, error) -> new CommitReply(changed, result, error));
    return this;
  }

  private Behavior<Command> onCommitReply(CommitReply reply) {
    commitInFlight = false;
    if (reply.error() != null) {
      getContext()
          .getLog()
          .warn(
              "commit of group {} failed, will retry: {}",
              member.spec().group(),
              reply.error().toString());
      return this;
    }
    Set<TopicPartition> rejected = new HashSet<>(reply.result().rejected());
    for (CommittedOffset o : reply.sent()) {
      ActorRef<PartitionWorker.Command> worker = workers.get(o.tp());
      if (!rejected.contains(o.tp()) && worker != null) {
        committed.put(o.tp(), o.offset());
        if (atMostOnce()) {
          worker.tell(new PartitionWorker.CommittedUpTo(o.offset()));
        }
      }
    }
    for (TopicPartition tp : rejected) {
      ActorRef<PartitionWorker.Command> worker = workers.remove(tp);
      if (worker != null) {
        getContext()
            .getLog()
            .warn(
                "group {}: commit of {} rejected, the partition has another owner now; dropping it",
                member.spec().group(),
                tp);
        getContext().stop(worker);
        draining.remove(tp);
        positions.remove(tp);
        committed.remove(tp);
      }
    }
    publishAssignment();
    return atMostOnce() ? commit() : this;
  }

  private Behavior<Command> onRejoin(GroupCoordinator.RejoinRequired rejoin) {
    if (stopping != null || failure != null) {
      return this;
    }
    getContext()
        .getLog()
        .info(
            "group {}: the coordinator does not know member {}; joining again",
            member.spec().group(),
            member.memberId());
    workers.values().forEach(getContext()::stop);
    workers.clear();
    draining.clear();
    positions.clear();
    committed.clear();
    publishAssignment();
    join();
    return this;
  }

  private Behavior<Command> onWorkerFailed(WorkerFailed failed) {
    getContext()
        .getLog()
        .error("group {}: {}", member.spec().group(), failed.failure().getMessage());
    if (failure == null && stopping == null) {
      failure = failed.failure();
      workers.keySet().forEach(this::drain);
    }
    return maybeLeave();
  }

  private Behavior<Command> onStop(Stop stop) {
    if (stopping != null) {
      stopping.whenComplete((d, e) -> stop.done().complete(Done.getInstance()));
      return this;
    }
    stopping = stop.done();
    workers.keySet().forEach(this::drain);
    return maybeLeave();
  }

  /** Once every worker has drained (a failed one counts as drained), commits and leaves. */
  private Behavior<Command> maybeLeave() {
    if (leaving || (stopping == null && failure == null)) {
      return this;
    }
    if (!draining.isEmpty()) {
      return this;
    }
    leaving = true;
    List<CommittedOffset> offsets = new ArrayList<>(finalOffsets);
    Asks.ask(
        getContext(),
        Done.class,
        coordinator,
        settings.askTimeout(),
        replyTo -> new GroupCoordinator.Leave(member.memberId(), offsets, replyTo),
        (done, error) -> new LeaveDone(error));
    return this;
  }

  private Behavior<Command> onLeaveDone(LeaveDone done) {
    if (done.error() != null) {
      getContext()
          .getLog()
          .warn(
              "group {}: leave was not confirmed: {}",
              member.spec().group(),
              done.error().toString());
    }
    return Behaviors.stopped();
  }

  private void publishAssignment() {
    Set<TopicPartition> owned = new HashSet<>(workers.keySet());
    owned.removeAll(draining);
    shared.assignment = Set.copyOf(owned);
  }

  private Behavior<Command> onPostStop() {
    shared.assignment = Set.of();
    if (failure != null) {
      shared.terminated.completeExceptionally(failure);
    } else {
      shared.terminated.complete(Done.getInstance());
    }
    if (stopping != null) {
      stopping.complete(Done.getInstance());
    }
    return this;
  }
}
