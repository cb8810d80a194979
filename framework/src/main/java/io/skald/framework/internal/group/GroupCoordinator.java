package io.skald.framework.internal.group;

import io.skald.framework.TopicPartition;
import io.skald.framework.consumer.PartitionAssignor;
import io.skald.framework.internal.EntitySupport;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.group.GroupProtocol.CheckRevocations;
import io.skald.framework.internal.group.GroupProtocol.Command;
import io.skald.framework.internal.group.GroupProtocol.Commit;
import io.skald.framework.internal.group.GroupProtocol.CommitResult;
import io.skald.framework.internal.group.GroupProtocol.CommittedOffsets;
import io.skald.framework.internal.group.GroupProtocol.Event;
import io.skald.framework.internal.group.GroupProtocol.GenerationStarted;
import io.skald.framework.internal.group.GroupProtocol.GetCommitted;
import io.skald.framework.internal.group.GroupProtocol.Heartbeat;
import io.skald.framework.internal.group.GroupProtocol.Join;
import io.skald.framework.internal.group.GroupProtocol.Leave;
import io.skald.framework.internal.group.GroupProtocol.MemberTerminated;
import io.skald.framework.internal.group.GroupProtocol.OffsetsCommitted;
import io.skald.framework.internal.group.GroupProtocol.OffsetsReset;
import io.skald.framework.internal.group.GroupProtocol.RejoinRequired;
import io.skald.framework.internal.group.GroupProtocol.Released;
import io.skald.framework.internal.group.GroupProtocol.ReportPositions;
import io.skald.framework.internal.group.GroupProtocol.ResetOffsets;
import io.skald.framework.internal.group.GroupProtocol.ResetRefused;
import io.skald.framework.internal.group.GroupProtocol.Snapshot;
import io.skald.framework.internal.log.PartitionEntity;
import io.skald.framework.internal.log.PartitionProtocol;
import io.skald.framework.internal.membership.Majority;
import io.skald.framework.internal.topic.TopicCache;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * INTERNAL API: the coordinator of one consumer group, a sharded event-sourced entity.
 *
 * <p>It persists what must survive a crash: the generation number and the committed offsets.
 * Membership and ownership are live facts: members are death-watched, and after a coordinator
 * restart they learn from their next heartbeat that they must join again.
 *
 * <p><b>Cooperative rebalance.</b> On a join, a leave or a member's death the generation grows and
 * the assignor computes the target assignment. A partition that changes hands is first revoked from
 * its owner, which finishes the records in its handler, commits and releases it; only then is it
 * given to its new owner, from the committed offset. So, without failures, no record is handled
 * twice across a rebalance. A dead member cannot release: its partitions go to the new owners at
 * once its lease has run out, and everything after its last commit is redelivered. A member that
 * does not release within {@code rebalance-timeout} loses the partition the same way. Commits are
 * accepted only from a partition's current owner, so a stale member cannot move the group's
 * position.
 *
 * <p><b>Leases.</b> A member handles records only under a lease: each heartbeat this coordinator
 * answers renews it for {@code ownership-lease}, counted from when the member sent the heartbeat,
 * and lists the partitions the member owns. A partition taken from a member that did not release it
 * is granted again only {@code ownership-lease} plus a quarter of it after the member's last
 * renewal, by which time the member has stopped starting records. The coordinator renews leases
 * only while its node sees a majority of the cluster reachable, so on the minority side of a
 * network partition the leases run out before the majority side grants the partitions anew.
 *
 * <p><b>A new incarnation</b> (the coordinator moved to another node, or restarted) knows the
 * committed offsets but not who holds what: for {@code ownership-lease} after it starts (the
 * previous incarnation's leases may still run) it grants and renews nothing and collects the
 * members' claims, the partitions they held with their positions. Then each claimed partition goes
 * back to the claimant with the latest grant, whose position is committed first, so the member goes
 * on where it was instead of redelivering; the other claimants drop it. Commits of members it does
 * not know yet are answered "retry later", not rejected, so they keep their positions meanwhile.
 *
 * <p>Why this file is over 400 lines: the coordinator's handlers (join, leave, death, release,
 * commit, heartbeat, revocation and fence timers, the claim window's end) share the durable
 * generation and offsets; live membership, fences and claims are in {@link GroupMembership}, the
 * protocol in {@link GroupProtocol}.
 */
public final class GroupCoordinator
    extends EventSourcedBehavior<Command, Event, GroupCoordinator.State> {

  /** The sharding entity type. */
  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY =
      EntityTypeKey.create(Command.class, "skald-group");

  /**
   * The coordinator of a group.
   *
   * @param system the actor system
   * @param group the group
   * @return its reference
   */
  public static org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef<Command> ref(
      ActorSystem<?> system, String group) {
    return ClusterSharding.get(system).entityRefFor(ENTITY_TYPE_KEY, group);
  }

  /**
   * Durable state: generation, committed offsets, and whether the group was deleted since its last
   * join or commit (immutable).
   */
  public static final class State {
    final long generation;
    final Map<TopicPartition, Long> committed;
    final boolean deleted;

    State(long generation, Map<TopicPartition, Long> committed, boolean deleted) {
      this.generation = generation;
      this.committed = Map.copyOf(committed);
      this.deleted = deleted;
    }

    State withCommits(List<CommittedOffset> offsets) {
      Map<TopicPartition, Long> copy = new HashMap<>(committed);
      offsets.forEach(o -> copy.put(o.tp(), o.offset()));
      return new State(generation, copy, false);
    }

    State deleted(boolean value) {
      return new State(generation, committed, value);
    }

    List<CommittedOffset> offsets() {
      List<CommittedOffset> list = new ArrayList<>();
      new TreeMap<>(committed).forEach((tp, offset) -> list.add(CommittedOffset.of(tp, offset)));
      return list;
    }
  }

  /**
   * Registers the entity type with cluster sharding.
   *
   * @param system the actor system
   * @param settings Skald's settings
   * @param topics the topic cache, to know which topics have a backlog limit
   */
  public static void init(ActorSystem<?> system, SkaldSettings settings, TopicCache topics) {
    ClusterSharding.get(system)
        .init(
            EntitySupport.entity(
                settings,
                ENTITY_TYPE_KEY,
                (ctx, timers, group) ->
                    new GroupCoordinator(ctx, timers, group, settings, topics)));
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final SkaldSettings settings;
  private final String group;
  private final GroupMembership membership;
  private final TopicCache topics;
  private final String incarnation = java.util.UUID.randomUUID().toString();
  private final long leaseNanos;
  private final org.apache.pekko.cluster.typed.Cluster cluster;
  private final org.apache.pekko.actor.typed.ActorRef<TopicCache.TopicChanged> topicChanges;
  private boolean claiming = true;
  private boolean registered;

  private GroupCoordinator(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      String group,
      SkaldSettings settings,
      TopicCache topics) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), group), EntitySupport.ON_PERSIST_FAILURE);
    this.context = context;
    this.timers = timers;
    this.group = group;
    this.settings = settings;
    this.topics = topics;
    this.leaseNanos = settings.ownershipLease().toNanos();
    this.membership = new GroupMembership(leaseNanos + leaseNanos / 4, incarnation);
    this.cluster = org.apache.pekko.cluster.typed.Cluster.get(context.getSystem());
    // the registry announces altered topics to every node's cache: a topic that grows is
    // rebalanced over at once
    this.topicChanges =
        context.messageAdapter(
            TopicCache.TopicChanged.class,
            changed -> new GroupProtocol.TopicChanged(changed.spec()));
    topics.watch(topicChanges);
  }

  @Override
  public org.apache.pekko.persistence.typed.javadsl.SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            org.apache.pekko.persistence.typed.RecoveryCompleted.instance(),
            state -> {
              if (state.generation == 0) {
                claiming = false; // a new group: no earlier incarnation granted anything
              } else {
                timers.startSingleTimer(
                    GroupProtocol.ClaimWindowClosed.INSTANCE,
                    GroupProtocol.ClaimWindowClosed.INSTANCE,
                    settings.ownershipLease());
              }
            })
        .onSignal(
            org.apache.pekko.actor.typed.PostStop.class,
            (state, stop) -> topics.unwatch(topicChanges))
        .onSignal(
            // a restart (after a failed write) builds a new behaviour with a new adapter
            org.apache.pekko.actor.typed.PreRestart.class,
            (state, restart) -> topics.unwatch(topicChanges))
        .build();
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
    return new State(0, Map.of(), false);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.groupSnapshotEvery(), 2);
  }

  @Override
  public SnapshotAdapter<State> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(State state) {
        return new Snapshot(state.generation, state.offsets(), state.deleted);
      }

      @Override
      public State fromJournal(Object from) {
        Snapshot s = (Snapshot) from;
        return new State(s.generation(), Map.of(), false)
            .withCommits(s.offsets())
            .deleted(s.deleted());
      }
    };
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            GenerationStarted.class,
            (state, e) -> new State(e.generation(), state.committed, false))
        .onEvent(OffsetsCommitted.class, (state, e) -> state.withCommits(e.offsets()))
        .onEvent(
            GroupProtocol.GroupDeleted.class,
            (state, e) -> new State(state.generation, Map.of(), true))
        .build();
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Join.class, this::onJoin)
        .onCommand(Leave.class, this::onLeave)
        .onCommand(MemberTerminated.class, this::onTerminated)
        .onCommand(Released.class, this::onReleased)
        .onCommand(Commit.class, this::onCommit)
        .onCommand(GroupProtocol.CheckOwnership.class, this::onCheckOwnership)
        .onCommand(GroupProtocol.CommitTransactional.class, this::onCommitTransactional)
        .onCommand(Heartbeat.class, this::onHeartbeat)
        .onCommand(
            ResetOffsets.class,
            (state, reset) -> {
              if (membership.size() > 0) {
                reset.replyTo().tell(new ResetRefused(membership.size()));
                return Effect().none();
              }
              register();
              return Effect()
                  .persist(new OffsetsCommitted(reset.offsets()))
                  .thenRun(s -> reset.replyTo().tell(OffsetsReset.INSTANCE));
            })
        .onCommand(GroupProtocol.Describe.class, this::onDescribe)
        .onCommand(GroupProtocol.DeleteGroup.class, this::onDelete)
        .onCommand(CheckRevocations.class, this::onCheckRevocations)
        .onCommand(GroupProtocol.ClaimWindowClosed.class, this::onClaimWindowClosed)
        .onCommand(
            GroupProtocol.FencesExpired.class,
            (state, expired) -> {
              grantFree(state);
              scheduleFenceCheck();
              return Effect().none();
            })
        .onCommand(ReportPositions.class, this::onReportPositions)
        .onCommand(GroupProtocol.TopicChanged.class, this::onTopicChanged)
        .onCommand(
            GroupProtocol.Deleted.class,
            (state, deleted) -> {
              deleted.replyTo().tell(OffsetsReset.INSTANCE);
              return Effect().none();
            })
        .onCommand(
            GetCommitted.class,
            (state, cmd) -> {
              cmd.replyTo().tell(new CommittedOffsets(state.offsets()));
              return Effect().none();
            })
        .build();
  }

  /** Lists the group in the catalogue, once per incarnation (idempotent there). */
  private void register() {
    if (!registered) {
      registered = true;
      GroupCatalog.ref(context.getSystem()).tell(new GroupCatalog.Register(group));
    }
  }

  private Effect<Event, State> onDescribe(State state, GroupProtocol.Describe describe) {
    List<GroupProtocol.MemberInfo> members = new ArrayList<>();
    for (GroupMembership.Member m : membership.members()) {
      members.add(
          new GroupProtocol.MemberInfo(
              m.memberId(),
              // a member on this node has a local address, without host and port
              (m.ref().path().address().hasLocalScope()
                      ? cluster.selfMember().address()
                      : m.ref().path().address())
                  .toString(),
              new java.util.TreeSet<>(m.topics()).stream().toList(),
              membership.ownedBy(m.memberId())));
    }
    describe
        .replyTo()
        .tell(
            new GroupProtocol.Description(
                state.generation,
                claiming || membership.revoking(),
                members,
                state.offsets(),
                state.generation == 0 || state.deleted));
    return Effect().none();
  }

  private Effect<Event, State> onDelete(State state, GroupProtocol.DeleteGroup delete) {
    if (membership.size() > 0) {
      delete.replyTo().tell(new ResetRefused(membership.size()));
      return Effect().none();
    }
    registered = false; // a later join registers it again
    return Effect()
        .persist(new GroupProtocol.GroupDeleted(state.generation))
        .thenRun(
            s ->
                context.pipeToSelf(
                    GroupCatalog.ref(context.getSystem())
                        .<Done>ask(
                            replyTo -> new GroupCatalog.Unregister(group, replyTo),
                            settings.askTimeout()),
                    (done, error) -> {
                      if (error != null) {
                        context
                            .getLog()
                            .warn(
                                "group {}: deleted, but removing it from the catalogue failed: {}",
                                group,
                                error.toString());
                      }
                      return new GroupProtocol.Deleted(delete.replyTo());
                    }));
  }

  private Effect<Event, State> onJoin(State state, Join join) {
    register();
    GroupMembership.Member previous = membership.member(join.memberId());
    if (previous != null && !previous.ref().equals(join.member())) {
      context.unwatch(previous.ref());
    }
    List<TopicPartition> refused =
        membership.join(
            new GroupMembership.Member(
                join.memberId(), join.member(), Set.copyOf(join.topics()), join.assignor()),
            join.partitionsPerTopic(),
            claiming ? List.of() : join.claims(),
            System.nanoTime());
    context.watchWith(join.member(), new MemberTerminated(join.memberId(), join.member()));
    context
        .getLog()
        .debug(
            "group {}: member {} joined ({} members, {} claims)",
            group,
            join.memberId(),
            membership.size(),
            join.claims().size());
    if (claiming) {
      membership.claim(join.memberId(), join.claims());
      return Effect().none(); // the rebalance happens when the claim window closes
    }
    if (!refused.isEmpty()) {
      join.member().tell(new GroupProtocol.Fenced(refused));
    }
    List<CommittedOffset> starts = new ArrayList<>();
    for (String topic : join.createdTopics()) {
      int count = join.partitionsPerTopic().getOrDefault(topic, 0);
      for (int p = 0; p < count; p++) {
        TopicPartition tp = new TopicPartition(topic, p);
        if (!state.committed.containsKey(tp)) {
          starts.add(CommittedOffset.of(tp, 0));
        }
      }
    }
    if (!starts.isEmpty()) {
      // a topic created after the pattern subscription: read from its first record, durably
      List<Event> events = new ArrayList<>();
      events.add(new OffsetsCommitted(starts));
      if (!claiming) {
        events.add(new GenerationStarted(state.generation + 1));
      }
      return Effect().persist(events).thenRun(this::applyAssignment);
    }
    return rebalance(state);
  }

  /**
   * The previous incarnation's leases have run out: hand claimed partitions back, then rebalance.
   */
  private Effect<Event, State> onClaimWindowClosed(
      State state, GroupProtocol.ClaimWindowClosed closed) {
    claiming = false;
    GroupMembership.Resolution resolved = membership.resolveClaims(System.nanoTime());
    send(resolved.fences());
    List<CommittedOffset> positions = new ArrayList<>();
    Map<String, List<CommittedOffset>> regrants = new HashMap<>();
    for (GroupMembership.Claimed won : resolved.won()) {
      GroupProtocol.Claim claim = won.claim();
      long committed = state.committed.getOrDefault(claim.tp(), -1L);
      long position = Math.max(committed, claim.position());
      if (position > committed) {
        positions.add(CommittedOffset.of(claim.tp(), position));
      }
      regrants
          .computeIfAbsent(won.memberId(), k -> new ArrayList<>())
          .add(CommittedOffset.of(claim.tp(), position));
    }
    if (!resolved.won().isEmpty()) {
      context
          .getLog()
          .info(
              "group {}: {} claimed partitions handed back to their holders ({} positions"
                  + " committed)",
              group,
              resolved.won().size(),
              positions.size());
    }
    List<Event> events = new ArrayList<>();
    if (!positions.isEmpty()) {
      events.add(new OffsetsCommitted(positions));
    }
    if (membership.size() == 0) {
      return Effect().persist(events);
    }
    events.add(new GenerationStarted(state.generation + 1));
    return Effect()
        .persist(events)
        .thenRun(
            newState -> {
              regrants.forEach(
                  (memberId, grants) -> {
                    GroupMembership.Member member = membership.member(memberId);
                    if (member != null) {
                      member
                          .ref()
                          .tell(
                              new GroupProtocol.Assigned(
                                  newState.generation, List.copyOf(grants), incarnation));
                    }
                  });
              applyAssignment(newState);
            });
  }

  private Effect<Event, State> onLeave(State state, Leave leave) {
    List<CommittedOffset> owned =
        positive(membership.owned(leave.memberId(), leave.finalOffsets()));
    GroupMembership.Member member = membership.leave(leave.memberId(), true, System.nanoTime());
    if (member == null) {
      leave.replyTo().tell(Done.getInstance());
      return Effect().none();
    }
    context.unwatch(member.ref());
    context.getLog().debug("group {}: member {} left", group, leave.memberId());
    List<Event> events = new ArrayList<>();
    if (!owned.isEmpty()) {
      events.add(new OffsetsCommitted(owned));
    }
    events.add(new GenerationStarted(state.generation + 1));
    return Effect()
        .persist(events)
        .thenRun(
            newState -> {
              leave.replyTo().tell(Done.getInstance());
              applyAssignment(newState);
            });
  }

  private Effect<Event, State> onTerminated(State state, MemberTerminated terminated) {
    GroupMembership.Member member = membership.member(terminated.memberId());
    if (member == null || !member.ref().equals(terminated.member())) {
      return Effect().none();
    }
    membership.leave(terminated.memberId(), false, System.nanoTime());
    context
        .getLog()
        .info(
            "group {}: member {} died; its partitions are reassigned from the last commit once"
                + " its lease has run out",
            group,
            terminated.memberId());
    return claiming ? Effect().none() : rebalance(state);
  }

  private Effect<Event, State> onReleased(State state, Released released) {
    List<CommittedOffset> owned = membership.owned(released.memberId(), released.offsets());
    if (owned.isEmpty()) {
      return Effect().none();
    }
    List<TopicPartition> freed = owned.stream().map(CommittedOffset::tp).toList();
    List<CommittedOffset> positions = positive(owned);
    // The commit is persisted before the partition is granted to its next owner, which starts
    // from it: this ordering is what makes a cooperative hand-over free of duplicates.
    return Effect()
        .persist(positions.isEmpty() ? List.of() : List.of(new OffsetsCommitted(positions)))
        .thenRun(
            newState -> {
              membership.free(freed);
              grantFree(newState);
            });
  }

  private Effect<Event, State> onCommit(State state, Commit commit) {
    GroupMembership.Member committer = membership.member(commit.memberId());
    if (claiming || committer == null) {
      // A member this incarnation does not know (yet): it keeps its positions and claims them.
      commit.replyTo().tell(new CommitResult(List.of(), true));
      return Effect().none();
    }
    List<CommittedOffset> accepted = new ArrayList<>();
    List<TopicPartition> rejected = new ArrayList<>();
    for (CommittedOffset o : commit.offsets()) {
      if (membership.mayCommit(commit.memberId(), commit.generation(), o.tp())) {
        accepted.add(o);
      } else {
        rejected.add(o.tp());
      }
    }
    CommitResult result = new CommitResult(List.copyOf(rejected), false);
    if (accepted.isEmpty()) {
      commit.replyTo().tell(result);
      return Effect().none();
    }
    return Effect()
        .persist(new OffsetsCommitted(accepted))
        .thenRun(newState -> commit.replyTo().tell(result));
  }

  private Effect<Event, State> onCheckOwnership(State state, GroupProtocol.CheckOwnership check) {
    if (claiming || membership.member(check.memberId()) == null) {
      check.replyTo().tell(new CommitResult(List.of(), true));
      return Effect().none();
    }
    List<TopicPartition> rejected = new ArrayList<>();
    for (TopicPartition tp : check.partitions()) {
      if (!membership.mayCommit(check.memberId(), check.generation(), tp)) {
        rejected.add(tp);
      }
    }
    check.replyTo().tell(new CommitResult(List.copyOf(rejected), false));
    return Effect().none();
  }

  private Effect<Event, State> onCommitTransactional(
      State state, GroupProtocol.CommitTransactional commit) {
    List<CommittedOffset> forward = new ArrayList<>();
    for (CommittedOffset o : commit.offsets()) {
      Long current = state.committed.get(o.tp());
      if (o.offset() >= 0 && (current == null || current < o.offset())) {
        forward.add(o);
      }
    }
    if (forward.isEmpty()) {
      commit.replyTo().tell(Done.getInstance());
      return Effect().none();
    }
    register();
    return Effect()
        .persist(new OffsetsCommitted(forward))
        .thenRun(s -> commit.replyTo().tell(Done.getInstance()));
  }

  private Effect<Event, State> onHeartbeat(State state, Heartbeat heartbeat) {
    GroupMembership.Member member = membership.member(heartbeat.memberId());
    if (member == null || !member.ref().equals(heartbeat.member())) {
      heartbeat.member().tell(new RejoinRequired(incarnation, heartbeat.sentAtNanos()));
    } else if (!claiming && majorityReachable()) {
      membership.renewed(heartbeat.memberId(), System.nanoTime());
      heartbeat
          .member()
          .tell(
              new GroupProtocol.HeartbeatAck(
                  heartbeat.sentAtNanos(), membership.ownedBy(heartbeat.memberId()), incarnation));
    }
    return Effect().none();
  }

  /**
   * Whether this node sees more than half of the cluster's members reachable: on the minority side
   * of a network partition the coordinator stops renewing leases, so its members stop before the
   * majority side starts the partitions elsewhere.
   */
  private boolean majorityReachable() {
    return Majority.reachable(cluster.state());
  }

  private Effect<Event, State> onCheckRevocations(State state, CheckRevocations check) {
    Map<TopicPartition, String> expired = membership.expireRevocations(System.nanoTime());
    expired.forEach(
        (tp, memberId) ->
            context
                .getLog()
                .warn(
                    "group {}: member {} did not release {} within {}; reassigning it",
                    group,
                    memberId,
                    tp,
                    settings.rebalanceTimeout()));
    if (!expired.isEmpty()) {
      grantFree(state);
    }
    scheduleRevocationCheck();
    scheduleFenceCheck();
    return Effect().none();
  }

  private Effect<Event, State> rebalance(State state) {
    if (claiming) {
      return Effect().none();
    }
    return Effect()
        .persist(new GenerationStarted(state.generation + 1))
        .thenRun(this::applyAssignment);
  }

  /**
   * A topic the group reads grew: its new partitions are read from their first record (committed at
   * 0 unless already committed, durably, whatever the members' start position: they were created
   * after the group subscribed, so every record in them is new to it), then the group rebalances.
   */
  private Effect<Event, State> onTopicChanged(State state, GroupProtocol.TopicChanged changed) {
    if (changed.spec() == null) {
      return Effect().none(); // a deletion: subscriptions to the topic stop on their own
    }
    int before = membership.grow(changed.spec().name(), changed.spec().partitions());
    if (before < 0) {
      return Effect().none();
    }
    List<CommittedOffset> starts = new ArrayList<>();
    for (int p = before; p < changed.spec().partitions(); p++) {
      TopicPartition tp = new TopicPartition(changed.spec().name(), p);
      if (!state.committed.containsKey(tp)) {
        starts.add(CommittedOffset.of(tp, 0));
      }
    }
    context
        .getLog()
        .info(
            "group {}: topic {} grew from {} to {} partitions; rebalancing",
            group,
            changed.spec().name(),
            before,
            changed.spec().partitions());
    List<Event> events = new ArrayList<>();
    if (!starts.isEmpty()) {
      events.add(new OffsetsCommitted(starts));
    }
    if (!claiming) {
      events.add(new GenerationStarted(state.generation + 1));
    }
    if (events.isEmpty()) {
      return Effect().none(); // claiming: the claim window's end rebalances
    }
    return Effect().persist(events).thenRun(this::applyAssignment);
  }

  /**
   * Tells the partitions of topics with a backlog limit where this group is, while it has members:
   * the slowest active group bounds their backlog. Fire-and-forget; repeated every interval.
   */
  private Effect<Event, State> onReportPositions(State state, ReportPositions report) {
    if (membership.size() == 0) {
      timers.cancel(ReportPositions.INSTANCE);
      return Effect().none();
    }
    state.committed.forEach(
        (tp, offset) -> {
          io.skald.framework.admin.TopicSpec spec = topics.cached(tp.topic());
          if (spec == null) {
            topics.require(tp.topic()); // fills the cache for the next report
          } else if (spec.backlogLimit() != null) {
            PartitionEntity.ref(context.getSystem(), tp)
                .tell(new PartitionProtocol.GroupPosition(group, offset));
          }
        });
    return Effect().none();
  }

  /** Computes the target assignment and starts moving partitions towards it. */
  private void applyAssignment(State state) {
    if (claiming) {
      return; // the claim window's end rebalances
    }
    if (membership.size() > 0 && !timers.isTimerActive(ReportPositions.INSTANCE)) {
      timers.startTimerWithFixedDelay(
          ReportPositions.INSTANCE, ReportPositions.INSTANCE, settings.positionReportInterval());
    }
    send(
        membership.rebalance(
            state.generation,
            state.committed,
            this::assign,
            System.nanoTime() + settings.rebalanceTimeout().toNanos(),
            System.nanoTime()));
    scheduleRevocationCheck();
    scheduleFenceCheck();
  }

  private void grantFree(State state) {
    if (!claiming) {
      send(membership.grantFree(state.generation, state.committed, System.nanoTime()));
    }
  }

  /** Grants fenced partitions as soon as the first fence ends. */
  private void scheduleFenceCheck() {
    membership
        .nextFenceEnd()
        .ifPresent(
            end ->
                timers.startSingleTimer(
                    GroupProtocol.FencesExpired.INSTANCE,
                    GroupProtocol.FencesExpired.INSTANCE,
                    java.time.Duration.ofNanos(Math.max(1_000_000, end - System.nanoTime()))));
  }

  /** Runs the members' assignor; an assignor that fails or misassigns is replaced by range. */
  private Map<String, Set<TopicPartition>> assign(Map<String, Integer> partitions) {
    List<PartitionAssignor.Member> view = membership.assignorView();
    String name = membership.assignorName();
    try {
      Map<String, Set<TopicPartition>> assignment =
          Assignors.resolve(name, settings).assign(view, partitions);
      Assignors.check(assignment, view, partitions);
      return assignment;
    } catch (RuntimeException e) {
      context
          .getLog()
          .error("group {}: assignor '{}' failed, using range: {}", group, name, e.toString());
      return new RangeAssignor().assign(view, partitions);
    }
  }

  private static void send(List<GroupMembership.Send> sends) {
    sends.forEach(send -> send.to().tell(send.message()));
  }

  private void scheduleRevocationCheck() {
    if (membership.revoking() && !timers.isTimerActive(CheckRevocations.INSTANCE)) {
      timers.startSingleTimer(
          CheckRevocations.INSTANCE,
          CheckRevocations.INSTANCE,
          settings.rebalanceTimeout().dividedBy(4));
    }
  }

  private static List<CommittedOffset> positive(List<CommittedOffset> offsets) {
    return offsets.stream().filter(o -> o.offset() >= 0).toList();
  }
}
