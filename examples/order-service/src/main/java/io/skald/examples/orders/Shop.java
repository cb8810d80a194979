package io.skald.examples.orders;

import io.skald.examples.orders.common.Calls;
import io.skald.examples.orders.common.OrderLine;
import io.skald.examples.orders.inventory.InventoryService;
import io.skald.examples.orders.inventory.Warehouse;
import io.skald.examples.orders.order.OrderEntity;
import io.skald.examples.orders.order.OrderService;
import io.skald.examples.orders.payment.CustomerAccount;
import io.skald.examples.orders.payment.PaymentService;
import io.skald.examples.orders.saga.PlaceOrder;
import io.skald.framework.Skald;
import io.skald.framework.Stages;
import io.skald.saga.Participant;
import io.skald.saga.SagaRunner;
import io.skald.saga.Sagas;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The three services on one Skald node, wired to the place-order saga. Each service owns its
 * entities and talks to the others only through Skald topics: the order, inventory and payment
 * services are saga participants, the saga runs orchestrated or choreographed.
 */
public final class Shop {
  /** How the place-order flow runs. */
  public enum Flow {
    /** A saga orchestrator sends each service its commands. */
    ORCHESTRATION,
    /** The services react to each other's events. */
    CHOREOGRAPHY
  }

  /**
   * The shop's options.
   *
   * @param flow orchestration or choreography
   * @param failureRate the probability that a participant's handler attempt fails
   * @param delayMillis the delay of every participant's handler attempt
   * @param seed the random seed of the injected failures
   * @param slowRate the probability that a participant that acted answers late
   * @param slowMillis how late (above the steps' 10 s timeout, the reply comes after it)
   */
  public record Options(
      Flow flow,
      double failureRate,
      long delayMillis,
      long seed,
      double slowRate,
      long slowMillis) {

    /**
     * Options without slow answers.
     *
     * @param flow orchestration or choreography
     * @param failureRate the probability that a participant's handler attempt fails
     * @param delayMillis the delay of every participant's handler attempt
     * @param seed the random seed of the injected failures
     */
    public Options(Flow flow, double failureRate, long delayMillis, long seed) {
      this(flow, failureRate, delayMillis, seed, 0, 0);
    }
  }

  private static final Duration ASK = Calls.ASK_TIMEOUT;

  private final Skald skald;
  private final SagaRunner<PlaceOrder.Data> placeOrder;

  private Shop(Skald skald, SagaRunner<PlaceOrder.Data> placeOrder) {
    this.skald = skald;
    this.placeOrder = placeOrder;
  }

  /**
   * Starts the services on a node.
   *
   * @param skald the node
   * @param options the options
   * @return the shop
   */
  public static Shop start(Skald skald, Options options) {
    Faults faults =
        new Faults(
            options.failureRate(),
            options.delayMillis(),
            options.slowRate(),
            options.slowMillis(),
            options.seed());
    boolean choreography = options.flow() == Flow.CHOREOGRAPHY;
    Sagas sagas = Sagas.create(skald);
    // each service registers its entities (on Skald's journal) and takes part in the saga
    Participant orders = OrderService.participant(skald, sagas, faults);
    Participant inventory = InventoryService.participant(skald, sagas, faults);
    Participant payments = PaymentService.participant(skald, sagas, faults);
    for (Participant participant : List.of(orders, inventory, payments)) {
      if (choreography) {
        participant.follow(PlaceOrder.DEFINITION);
      }
      participant.start();
    }
    SagaRunner<PlaceOrder.Data> runner =
        choreography
            ? sagas.choreography(PlaceOrder.DEFINITION)
            : sagas.orchestrator(PlaceOrder.DEFINITION);
    return new Shop(skald, runner);
  }

  /**
   * The place-order sagas.
   *
   * @return their runner
   */
  public SagaRunner<PlaceOrder.Data> placeOrder() {
    return placeOrder;
  }

  /**
   * Adds stock (creating the SKU).
   *
   * @param sku the SKU
   * @param quantity at least 0
   * @return completes once durable
   */
  public CompletionStage<Void> addStock(String sku, long quantity) {
    if (sku == null || sku.isBlank() || quantity < 0) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("a SKU needs a name and a quantity of at least 0"));
    }
    return Stages.inline(
            Warehouse.ref(skald.system())
                .<org.apache.pekko.Done>ask(r -> new Warehouse.AddStock(sku, quantity, r), ASK))
        .thenApply(done -> null);
  }

  /**
   * Opens a customer account.
   *
   * @param customerId the customer
   * @param credit cents, at least 0
   * @return true if opened now, false if it existed
   */
  public CompletionStage<Boolean> openCustomer(String customerId, long credit) {
    if (customerId == null || customerId.isBlank() || credit < 0) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("a customer needs an id and a credit of at least 0"));
    }
    return Stages.inline(
        CustomerAccount.ref(skald.system(), customerId)
            .ask(r -> new CustomerAccount.Open(credit, r), ASK));
  }

  /**
   * Places an order: its saga's start is durable first (so the order cannot be lost), then the
   * order is recorded as PENDING; the saga's first step records it too, should a crash come between
   * the two.
   *
   * @param orderId the order's id, also its saga's
   * @param customerId the customer
   * @param lines at least one line, quantities of at least 1, prices of at least 0
   * @return completes when the order is durably accepted
   */
  public CompletionStage<Void> placeOrder(
      String orderId, String customerId, List<OrderLine> lines) {
    if (lines == null || lines.isEmpty()) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("an order needs lines"));
    }
    long total = 0;
    for (OrderLine line : lines) {
      if (line.sku() == null || line.quantity() < 1 || line.unitPrice() < 0) {
        return CompletableFuture.failedFuture(
            new IllegalArgumentException(
                "every line needs a SKU, a quantity of at least 1 and a price of at least 0"));
      }
      total += line.quantity() * line.unitPrice();
    }
    PlaceOrder.Data data =
        new PlaceOrder.Data(orderId, customerId, List.copyOf(lines), total, null);
    long amount = total;
    return placeOrder
        .start(orderId, data)
        .thenCompose(
            started ->
                Stages.inline(
                    OrderEntity.ref(skald.system(), orderId)
                        .<Boolean>ask(
                            r -> new OrderEntity.Place(customerId, lines, amount, r), ASK)))
        .thenApply(placed -> null);
  }

  /**
   * A SKU's stock.
   *
   * @param sku the SKU
   * @return it, or empty if unknown
   */
  public CompletionStage<Optional<Warehouse.Stock>> stock(String sku) {
    return Stages.inline(
            Warehouse.ref(skald.system())
                .<Warehouse.StockReply>ask(r -> new Warehouse.GetStock(sku, r), ASK))
        .thenApply(reply -> Optional.ofNullable(reply.stock()));
  }

  /**
   * The whole warehouse.
   *
   * @return its state
   */
  public CompletionStage<Warehouse.State> warehouse() {
    return Stages.inline(Warehouse.ref(skald.system()).ask(Warehouse.GetAll::new, ASK));
  }

  /**
   * A customer's account.
   *
   * @param customerId the customer
   * @return it (not open if unknown)
   */
  public CompletionStage<CustomerAccount.State> account(String customerId) {
    return Stages.inline(
        CustomerAccount.ref(skald.system(), customerId).ask(CustomerAccount.Get::new, ASK));
  }

  /**
   * An order.
   *
   * @param orderId the order
   * @return it (status NONE if unknown)
   */
  public CompletionStage<OrderEntity.State> order(String orderId) {
    return Stages.inline(OrderEntity.ref(skald.system(), orderId).ask(OrderEntity.Get::new, ASK));
  }

  /**
   * The node.
   *
   * @return the Skald node
   */
  public Skald skald() {
    return skald;
  }
}
