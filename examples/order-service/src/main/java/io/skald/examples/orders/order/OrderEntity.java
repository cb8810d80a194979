package io.skald.examples.orders.order;

import io.skald.examples.orders.common.CborSerializable;
import io.skald.examples.orders.common.OrderLine;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;

/**
 * The order service's entity: one order, PENDING once placed, then CONFIRMED or REJECTED with a
 * reason. The transitions are idempotent (a confirmed order stays confirmed), so a saga command
 * delivered twice changes nothing.
 */
public final class OrderEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        OrderEntity.Command, OrderEntity.Event, OrderEntity.State> {

  /** The entity type. */
  public static final EntityTypeKey<Command> TYPE =
      EntityTypeKey.create(Command.class, "example-order");

  /** Commands. */
  public sealed interface Command extends CborSerializable permits Place, Confirm, Reject, Get {}

  /**
   * Places the order (PENDING).
   *
   * @param customerId the customer
   * @param lines the lines
   * @param total cents
   * @param replyTo true if placed now, false if it existed
   */
  public record Place(
      String customerId, List<OrderLine> lines, long total, ActorRef<Boolean> replyTo)
      implements Command {}

  /**
   * Confirms a pending order.
   *
   * @param replyTo acknowledged once durable
   */
  public record Confirm(ActorRef<Done> replyTo) implements Command {}

  /**
   * Rejects a pending order.
   *
   * @param reason why
   * @param replyTo acknowledged once durable
   */
  public record Reject(String reason, ActorRef<Done> replyTo) implements Command {}

  /**
   * Reads the order.
   *
   * @param replyTo receives it
   */
  public record Get(ActorRef<State> replyTo) implements Command {}

  /** Where an order is; persisted by name in the order's snapshots. */
  public enum Status {
    /** Not placed. */
    NONE,
    /** Placed; the saga runs. */
    PENDING,
    /** Paid and its stock sold. */
    CONFIRMED,
    /** Refused (no stock, no credit); everything it held was released. */
    REJECTED
  }

  /**
   * The order.
   *
   * @param status where it is
   * @param customerId the customer
   * @param lines the lines
   * @param total cents
   * @param reason why it was rejected
   */
  public record State(
      Status status, String customerId, List<OrderLine> lines, long total, String reason)
      implements CborSerializable {}

  /** Events. */
  public sealed interface Event extends CborSerializable permits Placed, Confirmed, Rejected {}

  /**
   * Placed.
   *
   * @param customerId the customer
   * @param lines the lines
   * @param total cents
   */
  public record Placed(String customerId, List<OrderLine> lines, long total) implements Event {}

  /** Confirmed. */
  public record Confirmed() implements Event {}

  /**
   * Rejected.
   *
   * @param reason why
   */
  public record Rejected(String reason) implements Event {}

  /**
   * Registers the entity type.
   *
   * @param system the actor system
   * @param journal the journal plugin id
   * @param snapshots the snapshot plugin id
   */
  public static void init(ActorSystem<?> system, String journal, String snapshots) {
    ClusterSharding.get(system)
        .init(Entity.of(TYPE, ctx -> new OrderEntity(ctx.getEntityId(), journal, snapshots)));
  }

  /**
   * An order.
   *
   * @param system the actor system
   * @param orderId the order
   * @return its reference
   */
  public static EntityRef<Command> ref(ActorSystem<?> system, String orderId) {
    return ClusterSharding.get(system).entityRefFor(TYPE, orderId);
  }

  private final String journal;
  private final String snapshots;

  private OrderEntity(String orderId, String journal, String snapshots) {
    super(PersistenceId.of(TYPE.name(), orderId));
    this.journal = journal;
    this.snapshots = snapshots;
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
    return new State(Status.NONE, null, List.of(), 0, null);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(
            Place.class,
            (s, c) ->
                s.status() != Status.NONE
                    ? Effect().reply(c.replyTo(), Boolean.FALSE)
                    : Effect()
                        .persist(new Placed(c.customerId(), c.lines(), c.total()))
                        .thenReply(c.replyTo(), x -> Boolean.TRUE))
        .onCommand(
            Confirm.class,
            (s, c) ->
                s.status() != Status.PENDING
                    ? Effect().reply(c.replyTo(), Done.getInstance())
                    : Effect()
                        .persist(new Confirmed())
                        .thenReply(c.replyTo(), x -> Done.getInstance()))
        .onCommand(
            Reject.class,
            (s, c) ->
                s.status() != Status.PENDING
                    ? Effect().reply(c.replyTo(), Done.getInstance())
                    : Effect()
                        .persist(new Rejected(c.reason()))
                        .thenReply(c.replyTo(), x -> Done.getInstance()))
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), s))
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            Placed.class,
            (s, e) -> new State(Status.PENDING, e.customerId(), e.lines(), e.total(), null))
        .onEvent(
            Confirmed.class,
            (s, e) -> new State(Status.CONFIRMED, s.customerId(), s.lines(), s.total(), null))
        .onEvent(
            Rejected.class,
            (s, e) -> new State(Status.REJECTED, s.customerId(), s.lines(), s.total(), e.reason()))
        .build();
  }
}
