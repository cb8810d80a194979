package io.skald.examples.orders.payment;

import io.skald.examples.orders.common.CborSerializable;
import io.skald.framework.consumer.Inbox;
import java.util.HashMap;
import java.util.Map;
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
 * The payment service's entity: one customer's credit and the charges of their orders. Each effect
 * records the saga command's idempotency key in the same event, so it happens once.
 */
public final class CustomerAccount
    extends EventSourcedBehaviorWithEnforcedReplies<
        CustomerAccount.Command, CustomerAccount.Event, CustomerAccount.State> {

  /** The entity type. */
  public static final EntityTypeKey<Command> TYPE =
      EntityTypeKey.create(Command.class, "example-customer");

  /** Commands. */
  public sealed interface Command extends CborSerializable permits Open, Charge, Refund, Get {}

  /**
   * Opens the account.
   *
   * @param credit the credit, cents
   * @param replyTo true if opened now, false if it was open
   */
  public record Open(long credit, ActorRef<Boolean> replyTo) implements Command {}

  /**
   * Charges an order.
   *
   * @param key the idempotency key
   * @param orderId the order
   * @param amount cents
   * @param replyTo receives Charged, InsufficientCredit or UnknownCustomer
   */
  public record Charge(String key, String orderId, long amount, ActorRef<Object> replyTo)
      implements Command {}

  /**
   * Refunds an order's charge (nothing if there is none).
   *
   * @param key the idempotency key
   * @param orderId the order
   * @param replyTo acknowledged once durable
   */
  public record Refund(String key, String orderId, ActorRef<Done> replyTo) implements Command {}

  /**
   * Reads the account.
   *
   * @param replyTo receives it
   */
  public record Get(ActorRef<State> replyTo) implements Command {}

  /**
   * The account.
   *
   * @param open whether it exists
   * @param credit the credit granted
   * @param available what is left to charge
   * @param charges per order: the amount charged (refunded charges are removed)
   * @param refunded orders whose charge was refunded
   * @param inbox the idempotency keys applied
   */
  public record State(
      boolean open,
      long credit,
      long available,
      Map<String, Long> charges,
      Map<String, Long> refunded,
      Inbox inbox)
      implements CborSerializable {}

  /** Events. */
  public sealed interface Event extends CborSerializable permits Opened, Charged, Refunded {}

  /**
   * Opened.
   *
   * @param credit the credit
   */
  public record Opened(long credit) implements Event {}

  /**
   * An order was charged.
   *
   * @param key the idempotency key
   * @param orderId the order
   * @param amount cents
   */
  public record Charged(String key, String orderId, long amount) implements Event {}

  /**
   * An order's charge was refunded.
   *
   * @param key the idempotency key
   * @param orderId the order
   */
  public record Refunded(String key, String orderId) implements Event {}

  /**
   * Registers the entity type.
   *
   * @param system the actor system
   * @param journal the journal plugin id
   * @param snapshots the snapshot plugin id
   */
  public static void init(ActorSystem<?> system, String journal, String snapshots) {
    ClusterSharding.get(system)
        .init(Entity.of(TYPE, ctx -> new CustomerAccount(ctx.getEntityId(), journal, snapshots)));
  }

  /**
   * A customer's account.
   *
   * @param system the actor system
   * @param customerId the customer
   * @return its reference
   */
  public static EntityRef<Command> ref(ActorSystem<?> system, String customerId) {
    return ClusterSharding.get(system).entityRefFor(TYPE, customerId);
  }

  private final String customerId;
  private final String journal;
  private final String snapshots;

  private CustomerAccount(String customerId, String journal, String snapshots) {
    super(PersistenceId.of(TYPE.name(), customerId));
    this.customerId = customerId;
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
    return new State(false, 0, 0, Map.of(), Map.of(), Inbox.empty(10_000));
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(
            Open.class,
            (s, c) ->
                s.open()
                    ? Effect().reply(c.replyTo(), Boolean.FALSE)
                    : Effect()
                        .persist(new Opened(c.credit()))
                        .thenReply(c.replyTo(), x -> Boolean.TRUE))
        .onCommand(
            Charge.class,
            (s, c) -> {
              if (!s.open()) {
                return Effect().reply(c.replyTo(), new Payments.UnknownCustomer(customerId));
              }
              if (s.inbox().contains(c.key()) || s.charges().containsKey(c.orderId())) {
                return Effect().reply(c.replyTo(), new Payments.Charged(c.orderId()));
              }
              if (s.available() < c.amount()) {
                return Effect().reply(c.replyTo(), new Payments.InsufficientCredit(customerId));
              }
              return Effect()
                  .persist(new Charged(c.key(), c.orderId(), c.amount()))
                  .thenReply(c.replyTo(), x -> new Payments.Charged(c.orderId()));
            })
        .onCommand(
            Refund.class,
            (s, c) ->
                s.inbox().contains(c.key()) || !s.charges().containsKey(c.orderId())
                    ? Effect().reply(c.replyTo(), Done.getInstance())
                    : Effect()
                        .persist(new Refunded(c.key(), c.orderId()))
                        .thenReply(c.replyTo(), x -> Done.getInstance()))
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), s))
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            Opened.class,
            (s, e) -> new State(true, e.credit(), e.credit(), Map.of(), Map.of(), s.inbox()))
        .onEvent(
            Charged.class,
            (s, e) -> {
              Map<String, Long> charges = new HashMap<>(s.charges());
              charges.put(e.orderId(), e.amount());
              return new State(
                  true,
                  s.credit(),
                  s.available() - e.amount(),
                  charges,
                  s.refunded(),
                  s.inbox().record(e.key()));
            })
        .onEvent(
            Refunded.class,
            (s, e) -> {
              Map<String, Long> charges = new HashMap<>(s.charges());
              long amount = charges.remove(e.orderId());
              Map<String, Long> refunded = new HashMap<>(s.refunded());
              refunded.put(e.orderId(), amount);
              return new State(
                  true,
                  s.credit(),
                  s.available() + amount,
                  charges,
                  refunded,
                  s.inbox().record(e.key()));
            })
        .build();
  }
}
