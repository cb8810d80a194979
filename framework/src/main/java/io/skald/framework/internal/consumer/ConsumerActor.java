package io.skald.framework.internal.consumer;

import io.skald.framework.TopicPartition;
import io.skald.framework.consumer.RecordHandler;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.internal.Asks;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.deadletter.DeadLetterSink;
import io.skald.framework.internal.group.CommittedOffset;
import io.skald.framework.internal.group.GroupCoordinator;
import io.skald.framework.internal.group.GroupProtocol;
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
 *
 * <p>It starts records only under its lease ({@link MemberLease}): heartbeats the coordinator
 * answers renew it; without one its workers pause. When the coordinator moved, it keeps its
 * partitions and positions and claims them from the new incarnation.
 *
 * <p>Why this file is over 400 lines: its handlers (join, grant, revoke, heartbeat answers, commit,
 * rejoin with claims, leave, seek) share the member's per-partition bookkeeping (workers,
 * positions, grant generations); the lease's clock is in {@link MemberLease}, the workers in {@link
 * PartitionWorker}, the group's side in the group coordinator, the published view in {@link
 * MemberView}.
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
          TopicSeen,
          TopicsListed,
          Tick,
          Stop,
          Seek {}

  /**
   * A message of the group coordinator, through the member's message adapter (so the coordinator's
   * protocol does not depend on the consumer's).
   *
   * @param message the coordinator's message
   */
  record FromCoordinator(GroupProtocol.MemberMessage message) implements Command {}

  record WorkerProgress(TopicPartition tp, long offset) implements Command {}

  record WorkerDrained(TopicPartition tp, long offset) implements Command {}

  record WorkerFailed(TopicPartition tp, io.skald.framework.SkaldException failure)
      implements Command {}

  record CommitReply(List<CommittedOffset> sent, GroupProtocol.CommitResult result, Throwable error)
      implements Command {}

  record LeaveDone(Throwable error) implements Command {}

  /** A topic's definition reached this node (pattern subscriptions). */
  record TopicSeen(io.skald.framework.admin.TopicSpec spec) implements Command {}

  /** Every topic, listed for a pattern subscription's refresh. */
  record TopicsListed(List<io.skald.framework.admin.TopicSpec> topics, Throwable error)
      implements Command {}

  enum Tick implements Command {
    COMMIT,
    HEARTBEAT,
    LEASE,
    REFRESH
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
   * @param topicSource where a pattern subscription hears of topics, or null without a pattern
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
      MemberView shared,
      TopicSource topicSource) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new ConsumerActor(
                        ctx,
                        timers,
                        new Member(
                            memberId,
                            spec,
                            partitionsPerTopic,
                            (tp, offset, parent, fromFirst) ->
                                PartitionWorker.create(
                                    new PartitionWorker.Setup<>(
                                        tp,
                                        offset,
                                        fromFirst
                                            ? spec.withStartPosition(
                                                io.skald.framework.consumer.StartPosition.EARLIEST)
                                            : spec,
                                        handler,
                                        settings,
                                        deadLetters,
                                        shared,
                                        parent))),
                        settings,
                        shared,
                        topicSource)));
  }

  /** Where a pattern subscription learns of topics: their announcements, and a full list. */
  public interface TopicSource {
    /**
     * Tells an actor every topic definition that reaches this node.
     *
     * @param watcher the actor
     */
    void watch(ActorRef<io.skald.framework.internal.topic.TopicCache.TopicChanged> watcher);

    /**
     * Stops telling the actor.
     *
     * @param watcher the actor
     */
    void unwatch(ActorRef<io.skald.framework.internal.topic.TopicCache.TopicChanged> watcher);

    /**
     * Every topic.
     *
     * @return the topics
     */
    java.util.concurrent.CompletionStage<List<io.skald.framework.admin.TopicSpec>> list();
  }

  /** Starts the worker of a granted partition (captures the subscription's key and value types). */
  private interface WorkerFactory {
    Behavior<WorkerProtocol.Command> create(
        TopicPartition tp, long offset, ActorRef<Command> parent, boolean fromFirst);
  }

  private record Member(
      String memberId,
      SubscriptionSpec<?, ?> spec,
      Map<String, Integer> partitionsPerTopic,
      WorkerFactory workers) {}

  private final Member member;
  private final SkaldSettings settings;
  private final MemberView shared;
  private final EntityRef<GroupProtocol.Command> coordinator;
  private final ActorRef<GroupProtocol.MemberMessage> coordinatorInbox;
  private final Map<TopicPartition, ActorRef<WorkerProtocol.Command>> workers = new HashMap<>();
  private final Set<TopicPartition> draining = new HashSet<>();
  private final Map<TopicPartition, Long> positions = new HashMap<>();
  private final Map<TopicPartition, Long> committed = new HashMap<>();
  private final List<CommittedOffset> finalOffsets = new ArrayList<>();
  private final Map<TopicPartition, Long> grantGenerations = new HashMap<>();
  private final TimerScheduler<Command> timers;
  private final MemberLease lease;
  private long generation;
  private boolean commitInFlight;
  private boolean leaving;
  private CompletableFuture<Done> stopping;
  private io.skald.framework.SkaldException failure;

  /** The topics read now: the spec's, and a pattern's matches. */
  private final Set<String> topics = new java.util.TreeSet<>();

  private final Map<String, Integer> partitionsPerTopic = new HashMap<>();

  /** Topics a pattern matched that were created after this member subscribed. */
  private final Set<String> createdTopics = new HashSet<>();

  private final TopicSource topicSource;
  private final ActorRef<io.skald.framework.internal.topic.TopicCache.TopicChanged> topicWatcher;

  private ConsumerActor(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      Member member,
      SkaldSettings settings,
      MemberView shared,
      TopicSource topicSource) {
    super(context);
    this.member = member;
    this.settings = settings;
    this.shared = shared;
    this.timers = timers;
    this.lease = new MemberLease(settings.ownershipLease());
    this.topicSource = member.spec().topicPattern().isPresent() ? topicSource : null;
    this.topics.addAll(member.partitionsPerTopic().keySet());
    this.partitionsPerTopic.putAll(member.partitionsPerTopic());
    if (this.topicSource != null) {
      this.topicWatcher =
          context.messageAdapter(
              io.skald.framework.internal.topic.TopicCache.TopicChanged.class,
              changed -> new TopicSeen(changed.spec()));
      this.topicSource.watch(topicWatcher);
      timers.startTimerWithFixedDelay(Tick.REFRESH, settings.patternRefreshInterval());
    } else {
      this.topicWatcher = null;
    }
    this.coordinator =
        ClusterSharding.get(context.getSystem())
            .entityRefFor(GroupCoordinator.ENTITY_TYPE_KEY, member.spec().group());
    // the coordinator watches this ref: an adapter lives and dies with this actor
    this.coordinatorInbox =
        context.messageAdapter(GroupProtocol.MemberMessage.class, FromCoordinator::new);
    timers.startTimerWithFixedDelay(Tick.COMMIT, settings.commitInterval());
    timers.startTimerWithFixedDelay(Tick.HEARTBEAT, settings.heartbeatInterval());
    join(List.of());
  }

  private ActorRef<GroupProtocol.MemberMessage> self() {
    return coordinatorInbox;
  }

  private void join(List<GroupProtocol.Claim> claims) {
    lease.joining();
    coordinator.tell(
        new GroupProtocol.Join(
            member.memberId(),
            Set.copyOf(topics),
            Map.copyOf(partitionsPerTopic),
            member.spec().assignor(),
            self(),
            claims,
            Set.copyOf(createdTopics)));
    heartbeat(); // processed after the join: its answer starts the lease
  }

  private void heartbeat() {
    coordinator.tell(new GroupProtocol.Heartbeat(member.memberId(), self(), System.nanoTime()));
  }

  /** Pauses or resumes every worker as the lease allows, and arms the timer for its end. */
  private void applyLease() {
    MemberLease.Change change = lease.change();
    if (change == MemberLease.Change.PAUSE && !workers.isEmpty()) {
      getContext()
          .getLog()
          .warn(
              "group {}: member {} has no lease from the coordinator; pausing {} partition(s)",
              member.spec().group(),
              member.memberId(),
              workers.size());
    }
    if (change != MemberLease.Change.NONE) {
      WorkerProtocol.Command command =
          change == MemberLease.Change.RESUME
              ? WorkerProtocol.Resume.INSTANCE
              : WorkerProtocol.Pause.INSTANCE;
      workers.values().forEach(worker -> worker.tell(command));
    }
    if (lease.valid()) {
      timers.startSingleTimer(Tick.LEASE, Tick.LEASE, lease.remaining());
    }
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
        .onMessage(TopicSeen.class, seen -> onTopicsSeen(List.of(seen.spec()), false))
        .onMessage(
            TopicsListed.class,
            listed -> {
              if (listed.error() != null) {
                getContext()
                    .getLog()
                    .debug(
                        "group {}: listing topics failed", member.spec().group(), listed.error());
                return this;
              }
              return onTopicsSeen(listed.topics(), true);
            })
        .onMessageEquals(
            Tick.REFRESH,
            () -> {
              getContext()
                  .pipeToSelf(topicSource.list(), (list, error) -> new TopicsListed(list, error));
              return this;
            })
        .onMessageEquals(Tick.COMMIT, this::commit)
        .onMessageEquals(
            Tick.HEARTBEAT,
            () -> {
              heartbeat();
              return this;
            })
        .onMessageEquals(
            Tick.LEASE,
            () -> {
              applyLease();
              return this;
            })
        .onMessage(Stop.class, this::onStop)
        .onMessage(
            Seek.class,
            seek -> {
              ActorRef<WorkerProtocol.Command> worker = workers.get(seek.tp());
              if (worker == null || draining.contains(seek.tp())) {
                seek.done()
                    .completeExceptionally(
                        new IllegalStateException(
                            "member " + member.memberId() + " does not own " + seek.tp()));
              } else {
                worker.tell(new WorkerProtocol.SeekTo(seek.offset(), seek.done()));
              }
              return this;
            })
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  private Behavior<Command> onCoordinatorMessage(FromCoordinator message) {
    GroupProtocol.MemberMessage m = message.message();
    if (m instanceof GroupProtocol.Assigned assigned) {
      return onAssigned(assigned);
    }
    if (m instanceof GroupProtocol.Revoked revoked) {
      return onRevoked(revoked);
    }
    if (m instanceof GroupProtocol.HeartbeatAck ack) {
      return onHeartbeatAck(ack);
    }
    if (m instanceof GroupProtocol.Fenced fenced) {
      fenced.partitions().forEach(tp -> dropPartition(tp, "another member holds it"));
      publishAssignment();
      return this;
    }
    return onRejoin((GroupProtocol.RejoinRequired) m);
  }

  private Behavior<Command> onHeartbeatAck(GroupProtocol.HeartbeatAck ack) {
    if (!lease.from(ack.incarnation())) {
      return this; // an answer of an earlier coordinator; the grants of this one come first
    }
    Set<TopicPartition> owned = new HashSet<>(ack.owned());
    for (TopicPartition tp : new ArrayList<>(workers.keySet())) {
      if (!owned.contains(tp)) {
        dropPartition(tp, "the coordinator no longer grants it");
      }
    }
    publishAssignment();
    lease.renew(ack.sentAtNanos());
    applyLease();
    return this;
  }

  /** Stops a partition's worker at once and forgets it, without committing (not ours any more). */
  private void dropPartition(TopicPartition tp, String why) {
    ActorRef<WorkerProtocol.Command> worker = workers.remove(tp);
    if (worker != null) {
      getContext().getLog().warn("group {}: dropping {}: {}", member.spec().group(), tp, why);
      getContext().stop(worker);
    }
    draining.remove(tp);
    positions.remove(tp);
    committed.remove(tp);
    grantGenerations.remove(tp);
  }

  private Behavior<Command> onAssigned(GroupProtocol.Assigned assigned) {
    if (assigned.generation() > generation) {
      io.skald.framework.internal.metrics.SkaldMetrics.get(getContext().getSystem())
          .counter(
              "skald.consumer.rebalances",
              "Assignments this node's members received in a new generation of their group",
              "group",
              member.spec().group())
          .increment();
    }
    generation = Math.max(generation, assigned.generation());
    if (!lease.from(assigned.incarnation())) {
      lease.grantedBy(assigned.incarnation()); // an earlier coordinator's lease ends here
      applyLease();
    }
    for (CommittedOffset grant : assigned.partitions()) {
      TopicPartition tp = grant.tp();
      grantGenerations.put(tp, assigned.generation());
      ActorRef<WorkerProtocol.Command> old = workers.get(tp);
      if (old != null
          && !draining.contains(tp)
          && grant.offset() >= 0
          && grant.offset() == positions.getOrDefault(tp, -1L)) {
        committed.put(tp, grant.offset()); // a claim handed back: the worker goes on
        continue;
      }
      if (old != null) {
        workers.remove(tp);
        getContext().stop(old);
        draining.remove(tp);
      }
      if (grant.offset() >= 0) {
        positions.put(tp, grant.offset());
        committed.put(tp, grant.offset());
      }
      ActorRef<WorkerProtocol.Command> worker = spawnWorker(tp, grant.offset());
      if (!lease.held()) {
        worker.tell(WorkerProtocol.Pause.INSTANCE); // before any record: it waits for the lease
      }
      workers.put(tp, worker);
    }
    if (!lease.held()) {
      heartbeat();
    }
    publishAssignment();
    if (stopping != null || failure != null) {
      assigned.partitions().forEach(grant -> drain(grant.tp()));
    }
    return this;
  }

  private ActorRef<WorkerProtocol.Command> spawnWorker(TopicPartition tp, long offset) {
    return getContext()
        .spawnAnonymous(
            member
                .workers()
                .create(tp, offset, getContext().getSelf(), createdTopics.contains(tp.topic())));
  }

  private Behavior<Command> onRevoked(GroupProtocol.Revoked revoked) {
    generation = Math.max(generation, revoked.generation());
    revoked.partitions().forEach(this::drain);
    return this;
  }

  private void drain(TopicPartition tp) {
    ActorRef<WorkerProtocol.Command> worker = workers.get(tp);
    if (worker != null && draining.add(tp)) {
      worker.tell(WorkerProtocol.Drain.INSTANCE);
    }
  }

  private Behavior<Command> onDrained(WorkerDrained drained) {
    TopicPartition tp = drained.tp();
    if (!draining.remove(tp)) {
      return this;
    }
    workers.remove(tp);
    long offset =
        transactional()
            ? -1 // a transactional member releases without a position of its own
            : drained.offset() >= 0 ? drained.offset() : positions.getOrDefault(tp, -1L);
    positions.remove(tp);
    committed.remove(tp);
    grantGenerations.remove(tp);
    publishAssignment();
    if (stopping == null && failure == null) {
      coordinator.tell(
          new GroupProtocol.Released(member.memberId(), List.of(CommittedOffset.of(tp, offset))));
      return this;
    }
    finalOffsets.add(CommittedOffset.of(tp, offset));
    return maybeLeave();
  }

  private Behavior<Command> onProgress(WorkerProgress progress) {
    if (transactional()) {
      return this; // positions are committed by the transactions that include them
    }
    if (workers.containsKey(progress.tp())) {
      positions.put(progress.tp(), progress.offset());
      if (atMostOnce()) {
        return commit(); // at-most-once: the handler waits for this commit
      }
    }
    return this;
  }

  private boolean transactional() {
    return member.spec().deliveryMode() == io.skald.framework.consumer.DeliveryMode.TRANSACTIONAL;
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
        GroupProtocol.CommitResult.class,
        coordinator,
        settings.askTimeout(),
        replyTo -> new GroupProtocol.Commit(member.memberId(), gen, changed, replyTo),
        (result, error) -> new CommitReply(changed, result, error));
    return this;
  }

  private Behavior<Command> onCommitReply(CommitReply reply) {
    commitInFlight = false;
    if (reply.error() == null && reply.result().retryLater()) {
      return this; // the coordinator moved: the positions are kept and claimed when joining it
    }
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
      ActorRef<WorkerProtocol.Command> worker = workers.get(o.tp());
      if (!rejected.contains(o.tp()) && worker != null) {
        committed.put(o.tp(), o.offset());
        if (atMostOnce()) {
          worker.tell(new WorkerProtocol.CommittedUpTo(o.offset()));
        }
      }
    }
    for (TopicPartition tp : rejected) {
      ActorRef<WorkerProtocol.Command> worker = workers.remove(tp);
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

  private Behavior<Command> onRejoin(GroupProtocol.RejoinRequired rejoin) {
    if (stopping != null || failure != null || lease.beforeLastJoin(rejoin.sentAtNanos())) {
      return this; // stopping, or the answer to a heartbeat sent before our last join
    }
    if (lease.incarnation() == null || lease.from(rejoin.incarnation())) {
      // The coordinator that granted our partitions removed us: none of them is ours any more.
      getContext()
          .getLog()
          .info(
              "group {}: the coordinator removed member {}; joining again",
              member.spec().group(),
              member.memberId());
      new ArrayList<>(workers.keySet()).forEach(tp -> dropPartition(tp, "removed from the group"));
      publishAssignment();
      lease.forget();
      applyLease();
      join(List.of());
      return this;
    }
    // The coordinator moved: keep handling under the current lease and claim what we hold.
    List<GroupProtocol.Claim> claims = new ArrayList<>();
    for (TopicPartition tp : workers.keySet()) {
      if (!draining.contains(tp)) {
        claims.add(
            new GroupProtocol.Claim(
                tp,
                grantGenerations.getOrDefault(tp, 0L),
                transactional() ? -1L : positions.getOrDefault(tp, -1L)));
      }
    }
    getContext()
        .getLog()
        .info(
            "group {}: the coordinator moved; member {} joins it again claiming {} partition(s)",
            member.spec().group(),
            member.memberId(),
            claims.size());
    lease.claimingFrom(rejoin.incarnation());
    join(claims);
    return this;
  }

  /** Whether a topic is read because the pattern matched it (not named in the spec). */
  private boolean matchedByPattern(String topic) {
    return topicSource != null
        && !member.spec().topics().contains(topic)
        && !topic.equals(member.spec().deadLetterTopic())
        && member.spec().topicPattern().get().matcher(topic).matches();
  }

  /**
   * Topics seen (announced, or listed when {@code complete}): a new match joins the subscription;
   * on a complete list, a matched topic missing from it was deleted and leaves. Either change joins
   * the group again with the new topics, and the group rebalances.
   */
  private Behavior<Command> onTopicsSeen(
      List<io.skald.framework.admin.TopicSpec> seen, boolean complete) {
    if (stopping != null || failure != null || leaving) {
      return this;
    }
    boolean changed = false;
    Set<String> present = new HashSet<>();
    for (io.skald.framework.admin.TopicSpec spec : seen) {
      if (spec == null) {
        continue;
      }
      present.add(spec.name());
      if (!topics.contains(spec.name()) && matchedByPattern(spec.name())) {
        getContext()
            .getLog()
            .info(
                "group {}: topic {} matches {}; subscribing",
                member.spec().group(),
                spec.name(),
                member.spec().topicPattern().get().pattern());
        topics.add(spec.name());
        partitionsPerTopic.put(spec.name(), spec.partitions());
        createdTopics.add(spec.name());
        changed = true;
      }
    }
    if (complete) {
      for (String topic : List.copyOf(topics)) {
        if (!present.contains(topic) && matchedByPattern(topic)) {
          changed |= dropTopic(topic);
        }
      }
    }
    if (changed) {
      join(List.of());
    }
    return this;
  }

  /** A matched topic was deleted: its partitions are gone, nothing to commit for them. */
  private boolean dropTopic(String topic) {
    if (!topics.remove(topic)) {
      return false;
    }
    getContext()
        .getLog()
        .info(
            "group {}: matched topic {} was deleted; unsubscribing", member.spec().group(), topic);
    partitionsPerTopic.remove(topic);
    createdTopics.remove(topic);
    for (TopicPartition tp : List.copyOf(workers.keySet())) {
      if (tp.topic().equals(topic)) {
        dropPartition(tp, "its topic was deleted");
      }
    }
    publishAssignment();
    return true;
  }

  private Behavior<Command> onWorkerFailed(WorkerFailed failed) {
    if (failed.failure() instanceof io.skald.framework.UnknownTopicException
        && matchedByPattern(failed.tp().topic())) {
      if (dropTopic(failed.tp().topic())) {
        join(List.of());
      }
      return maybeLeave();
    }
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
        replyTo -> new GroupProtocol.Leave(member.memberId(), offsets, replyTo),
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
    shared.assigned(owned, grantGenerations);
  }

  private Behavior<Command> onPostStop() {
    if (topicWatcher != null) {
      topicSource.unwatch(topicWatcher);
    }
    shared.stopped(failure);
    if (stopping != null) {
      stopping.complete(Done.getInstance());
    }
    return this;
  }
}
