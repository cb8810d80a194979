package io.skald.examples.orders.inventory;

import io.skald.examples.orders.common.CborSerializable;
import io.skald.examples.orders.common.OrderLine;
import io.skald.framework.consumer.Inbox;
import java.util.HashMap;
import java.util.List;
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
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The inventory service's entity: the stock of every SKU and the reservation of every order, in one
 * event-sourced entity so that an order's lines are reserved all or nothing. Each effect records
 * the saga command's idempotency key in the same event (an {@link Inbox}), so a command delivered
 * twice takes effect once, also across a crash.
 */
public final class Warehouse
    extends EventSourcedBehaviorWithEnforcedReplies<
        Warehouse.Command, Warehouse.Event, Warehouse.State> {

  /** The entity type. */
  public static final EntityTypeKey<Command> TYPE =
      EntityTypeKey.create(Command.class, "example-warehouse");

  /** Commands. */
  public sealed interface Command extends CborSerializable
      permits AddStock, Reserve, Release, Commit, GetStock, GetAll {}

  /**
   * Adds stock of a SKU (creating it).
   *
   * @param sku the SKU
   * @param quantity at least 0
   * @param replyTo acknowledged once durable
   */
  public record AddStock(String sku, long quantity, ActorRef<Done> replyTo) implements Command {}

  /**
   * Reserves an order's lines, all or nothing.
   *
   * @param key the idempotency key
   * @param orderId the order
   * @param lines the lines
   * @param replyTo receives StockReserved, OutOfStock or UnknownSku
   */
  public record Reserve(String key, String orderId, List<OrderLine> lines, ActorRef<Object> replyTo)
      implements Command {}

  /**
   * Releases an order's reservation (nothing if there is none).
   *
   * @param key the idempotency key
   * @param orderId the order
   * @param replyTo acknowledged once durable
   */
  public record Release(String key, String orderId, ActorRef<Done> replyTo) implements Command {}

  /**
   * Turns an order's reservation into a sale.
   *
   * @param key the idempotency key
   * @param orderId the order
   * @param replyTo acknowledged once durable
   */
  public record Commit(String key, String orderId, ActorRef<Done> replyTo) implements Command {}

  /**
   * Reads a SKU's stock.
   *
   * @param sku the SKU
   * @param replyTo receives it
   */
  public record GetStock(String sku, ActorRef<StockReply> replyTo) implements Command {}

  /**
   * The answer to {@link GetStock}.
   *
   * @param stock the stock, or null if the SKU is unknown
   */
  public record StockReply(Stock stock) implements CborSerializable {}

  /**
   * Reads everything.
   *
   * @param replyTo receives the state
   */
  public record GetAll(ActorRef<State> replyTo) implements Command {}

  /**
   * The stock of a SKU.
   *
   * @param available free to reserve
   * @param reserved held for pending orders
   * @param sold shipped to confirmed orders
   */
  public record Stock(long available, long reserved, long sold) implements CborSerializable {}

  /**
   * An order's reservation.
   *
   * @param lines what is held
   * @param status where the reserved stock is
   */
  public record Reservation(List<OrderLine> lines, ReservationStatus status)
      implements CborSerializable {}

  /** Where reserved stock is; persisted by name in the warehouse's snapshots. */
  public enum ReservationStatus {
    /** Held for a running order. */
    RESERVED,
    /** Given back (the order was rejected). */
    RELEASED,
    /** Sold (the order was confirmed). */
    SOLD
  }

  /**
   * The state.
   *
   * @param stock per SKU
   * @param reservations per order
   * @param inbox the idempotency keys applied
   */
  public record State(Map<String, Stock> stock, Map<String, Reservation> reservations, Inbox inbox)
      implements CborSerializable {}

  /** Events. */
  public sealed interface Event extends CborSerializable
      permits StockAdded, Reserved, Released, Sold {}

  /**
   * Stock was added.
   *
   * @param sku the SKU
   * @param quantity how many
   */
  public record StockAdded(String sku, long quantity) implements Event {}

  /**
   * An order's lines were reserved.
   *
   * @param key the idempotency key
   * @param orderId the order
   * @param lines the lines
   */
  public record Reserved(String key, String orderId, List<OrderLine> lines) implements Event {}

  /**
   * A reservation was released.
   *
   * @param key the idempotency key
   * @param orderId the order
   */
  public record Released(String key, String orderId) implements Event {}

  /**
   * A reservation was sold.
   *
   * @param key the idempotency key
   * @param orderId the order
   */
  public record Sold(String key, String orderId) implements Event {}

  /** The single warehouse's id. */
  public static final String ID = "warehouse";

  /**
   * Registers the entity type.
   *
   * @param system the actor system
   * @param journal the journal plugin id
   * @param snapshots the snapshot plugin id
   */
  public static void init(ActorSystem<?> system, String journal, String snapshots) {
    ClusterSharding.get(system)
        .init(Entity.of(TYPE, ctx -> new Warehouse(ctx.getEntityId(), journal, snapshots)));
  }

  /**
   * The warehouse.
   *
   * @param system the actor system
   * @return its reference
   */
  public static EntityRef<Command> ref(ActorSystem<?> system) {
    return ClusterSharding.get(system).entityRefFor(TYPE, ID);
  }

  private final String journal;
  private final String snapshots;

  private Warehouse(String id, String journal, String snapshots) {
    super(PersistenceId.of(TYPE.name(), id));
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
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(500, 2);
  }

  @Override
  public State emptyState() {
    return new State(Map.of(), Map.of(), Inbox.empty(100_000));
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(
            AddStock.class,
            (s, c) ->
                Effect()
                    .persist(new StockAdded(c.sku(), c.quantity()))
                    .thenReply(c.replyTo(), x -> Done.getInstance()))
        .onCommand(Reserve.class, this::onReserve)
        .onCommand(
            Release.class,
            (s, c) -> {
              Reservation r = s.reservations().get(c.orderId());
              if (s.inbox().contains(c.key())
                  || r == null
                  || r.status() != ReservationStatus.RESERVED) {
                return Effect().reply(c.replyTo(), Done.getInstance());
              }
              return Effect()
                  .persist(new Released(c.key(), c.orderId()))
                  .thenReply(c.replyTo(), x -> Done.getInstance());
            })
        .onCommand(
            Commit.class,
            (s, c) -> {
              Reservation r = s.reservations().get(c.orderId());
              if (s.inbox().contains(c.key())
                  || r == null
                  || r.status() != ReservationStatus.RESERVED) {
                return Effect().reply(c.replyTo(), Done.getInstance());
              }
              return Effect()
                  .persist(new Sold(c.key(), c.orderId()))
                  .thenReply(c.replyTo(), x -> Done.getInstance());
            })
        .onCommand(
            GetStock.class,
            (s, c) -> Effect().reply(c.replyTo(), new StockReply(s.stock().get(c.sku()))))
        .onCommand(GetAll.class, (s, c) -> Effect().reply(c.replyTo(), s))
        .build();
  }

  private ReplyEffect<Event, State> onReserve(State s, Reserve c) {
    if (s.inbox().contains(c.key()) || s.reservations().containsKey(c.orderId())) {
      return Effect().reply(c.replyTo(), new Inventory.StockReserved(c.orderId()));
    }
    Map<String, Long> wanted = new HashMap<>();
    for (OrderLine line : c.lines()) {
      if (!s.stock().containsKey(line.sku())) {
        return Effect().reply(c.replyTo(), new Inventory.UnknownSku(line.sku()));
      }
      wanted.merge(line.sku(), (long) line.quantity(), Long::sum);
    }
    for (Map.Entry<String, Long> w : wanted.entrySet()) {
      if (s.stock().get(w.getKey()).available() < w.getValue()) {
        return Effect().reply(c.replyTo(), new Inventory.OutOfStock(w.getKey()));
      }
    }
    return Effect()
        .persist(new Reserved(c.key(), c.orderId(), c.lines()))
        .thenReply(c.replyTo(), x -> new Inventory.StockReserved(c.orderId()));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            StockAdded.class,
            (s, e) -> {
              Map<String, Stock> stock = new HashMap<>(s.stock());
              Stock old = stock.getOrDefault(e.sku(), new Stock(0, 0, 0));
              stock.put(
                  e.sku(), new Stock(old.available() + e.quantity(), old.reserved(), old.sold()));
              return new State(stock, s.reservations(), s.inbox());
            })
        .onEvent(
            Reserved.class,
            (s, e) -> {
              Map<String, Stock> stock = new HashMap<>(s.stock());
              for (OrderLine line : e.lines()) {
                Stock old = stock.get(line.sku());
                stock.put(
                    line.sku(),
                    new Stock(
                        old.available() - line.quantity(),
                        old.reserved() + line.quantity(),
                        old.sold()));
              }
              Map<String, Reservation> reservations = new HashMap<>(s.reservations());
              reservations.put(e.orderId(), new Reservation(e.lines(), ReservationStatus.RESERVED));
              return new State(stock, reservations, s.inbox().record(e.key()));
            })
        .onEvent(
            Released.class, (s, e) -> move(s, e.key(), e.orderId(), ReservationStatus.RELEASED))
        .onEvent(Sold.class, (s, e) -> move(s, e.key(), e.orderId(), ReservationStatus.SOLD))
        .build();
  }

  private static State move(State s, String key, String orderId, ReservationStatus status) {
    Reservation r = s.reservations().get(orderId);
    Map<String, Stock> stock = new HashMap<>(s.stock());
    for (OrderLine line : r.lines()) {
      Stock old = stock.get(line.sku());
      stock.put(
          line.sku(),
          status == ReservationStatus.RELEASED
              ? new Stock(
                  old.available() + line.quantity(), old.reserved() - line.quantity(), old.sold())
              : new Stock(
                  old.available(), old.reserved() - line.quantity(), old.sold() + line.quantity()));
    }
    Map<String, Reservation> reservations = new HashMap<>(s.reservations());
    reservations.put(orderId, new Reservation(r.lines(), status));
    return new State(stock, reservations, s.inbox().record(key));
  }
}
