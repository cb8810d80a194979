package io.skald.framework.internal.membership;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.ClusterEvent.CurrentClusterState;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * INTERNAL API: downs a member whose process is gone as soon as the failure detector marks it
 * unreachable, instead of after the split-brain resolver's {@code stable-after}.
 *
 * <p>When a member becomes unreachable, this actor opens a TCP connection to the member's remoting
 * address. "Connection refused" means the host answered and nothing listens on the port: the
 * member's actor system is not running (it crashed, was killed or OOM-killed; Artery binds its port
 * for the system's whole life), so no waiting makes it come back, and this node downs it. Any other
 * answer (the connection is accepted: the process is alive but paused or cut off; no answer: the
 * host is down or the network is partitioned) is left to the downing provider.
 *
 * <p>Only a node that sees a strict majority of the members reachable downs anyone, so the two
 * sides of a network partition (even one whose firewall answers with resets) cannot down each
 * other: the minority side waits for the split-brain resolver, which downs it, exactly as without
 * this actor. What it saves is {@code stable-after} plus up to the resolver's 1 s decision tick
 * after a process crash, the common failure.
 */
public final class CrashedMemberDowning {
  /** What the actor handles. */
  public sealed interface Command {}

  /** A member became unreachable. */
  private record Unreachable(Member member) implements Command {}

  /** What the probe of an unreachable member's port found. */
  private record Probed(UniqueAddress member, Answer answer) implements Command {}

  /** The answer to a TCP connection attempt. */
  enum Outcome {
    /** The host answered that nothing listens on the port: the process is gone. */
    REFUSED,
    /** Something accepts connections on the port: the process may be alive. */
    ACCEPTED,
    /** No answer in time, or another error: the host may be down or unreachable. */
    NO_ANSWER
  }

  private final ActorContext<Command> context;
  private final Cluster cluster;
  private final Duration probeTimeout;
  private final Executor blocking;

  private CrashedMemberDowning(ActorContext<Command> context, Duration probeTimeout) {
    this.context = context;
    this.cluster = Cluster.get(context.getSystem());
    this.probeTimeout = probeTimeout;
    this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
  }

  /**
   * The actor, subscribed to this node's unreachability events.
   *
   * @param probeTimeout how long a probe's TCP connect may take before it counts as no answer
   * @return its behavior
   */
  public static Behavior<Command> create(Duration probeTimeout) {
    return Behaviors.setup(
        context -> {
          ActorRef<ClusterEvent.UnreachableMember> events =
              context.messageAdapter(
                  ClusterEvent.UnreachableMember.class, event -> new Unreachable(event.member()));
          Cluster.get(context.getSystem())
              .subscriptions()
              .tell(Subscribe.create(events, ClusterEvent.UnreachableMember.class));
          return new CrashedMemberDowning(context, probeTimeout).behavior();
        });
  }

  /**
   * Whether this node's remoting can be probed over TCP (Artery's {@code tcp} or {@code tls-tcp}
   * transport; not {@code aeron-udp}).
   *
   * @param transport the value of {@code pekko.remote.artery.transport}
   * @return true for a TCP transport
   */
  public static boolean probeable(String transport) {
    return transport.equals("tcp") || transport.equals("tls-tcp");
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Unreachable.class, this::onUnreachable)
        .onMessage(Probed.class, this::onProbed)
        .build();
  }

  private Behavior<Command> onUnreachable(Unreachable event) {
    Member member = event.member();
    Address address = member.address();
    if (member.status() == MemberStatus.down()
        || address.getHost().isEmpty()
        || address.getPort().isEmpty()) {
      return Behaviors.same();
    }
    String host = address.getHost().get();
    int port = address.getPort().get();
    context.pipeToSelf(
        CompletableFuture.supplyAsync(() -> probe(host, port, probeTimeout), blocking),
        (answer, error) ->
            new Probed(
                member.uniqueAddress(),
                error != null ? new Answer(Outcome.NO_ANSWER, error.toString()) : answer));
    return Behaviors.same();
  }

  private Behavior<Command> onProbed(Probed probed) {
    if (probed.answer().outcome() != Outcome.REFUSED) {
      context
          .getLog()
          .debug(
              "unreachable member {}: its port {} ({}); leaving it to the downing provider",
              probed.member().address(),
              probed.answer().outcome() == Outcome.ACCEPTED
                  ? "accepts connections"
                  : "does not answer",
              probed.answer().detail());
      return Behaviors.same();
    }
    CurrentClusterState view = cluster.state();
    boolean stillUnreachable = false;
    for (Member member : view.getUnreachable()) {
      if (member.uniqueAddress().equals(probed.member())
          && member.status() != MemberStatus.down()) {
        stillUnreachable = true;
      }
    }
    if (!stillUnreachable) {
      return Behaviors.same();
    }
    if (!Majority.reachable(view)) {
      context
          .getLog()
          .info(
              "unreachable member {} refuses connections, but this node does not see a majority"
                  + " of the cluster; leaving it to the downing provider",
              probed.member().address());
      return Behaviors.same();
    }
    context
        .getLog()
        .warn(
            "member {} is unreachable and its port refuses connections: its process is gone;"
                + " downing it now (skald.framework.cluster.crash-downing)",
            probed.member().address());
    cluster.manager().tell(new Down(probed.member().address()));
    return Behaviors.same();
  }

  /** What one connection attempt found, with the error text when there was one. */
  record Answer(Outcome outcome, String detail) {}

  /**
   * Opens and closes one TCP connection.
   *
   * @param host the host
   * @param port the port
   * @param timeout how long the connect may take
   * @return what it found
   */
  static Answer probe(String host, int port, Duration timeout) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
      return new Answer(Outcome.ACCEPTED, "connected");
    } catch (ConnectException e) {
      String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
      return new Answer(
          message.contains("refused") ? Outcome.REFUSED : Outcome.NO_ANSWER, e.toString());
    } catch (IOException | RuntimeException e) {
      return new Answer(Outcome.NO_ANSWER, e.toString());
    }
  }
}
