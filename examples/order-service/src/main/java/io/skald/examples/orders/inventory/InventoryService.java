package io.skald.examples.orders.inventory;

import io.skald.examples.orders.common.Calls;
import io.skald.examples.orders.common.OrderLine;
import io.skald.framework.Skald;
import io.skald.framework.Stages;
import io.skald.saga.CommandContext;
import io.skald.saga.Participant;
import io.skald.saga.Sagas;
import io.skald.saga.SemanticLocks;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The inventory service: its warehouse, and its part in the place-order saga ({@link Inventory}).
 *
 * <p>The last units of a SKU are guarded by a semantic lock ({@link SemanticLocks}): an order whose
 * reservation takes a SKU's last units marks the SKU as held by its saga until that saga ends. An
 * order that then finds the SKU out of stock while units of it are only reserved (not sold) does
 * not give up at once: it queues for the SKU (up to {@link #LAST_UNIT_WAIT}) and reserves again
 * when the holder's saga has ended — so if the holder's payment is declined and its units come
 * back, the waiting order gets them instead of being rejected for stock that was there after all.
 */
public final class InventoryService {
  private InventoryService() {}

  /** The semantic locks' name. */
  public static final String LAST_UNITS = "inventory.last-units";

  /** How long an order waits for a SKU whose last units another order holds. */
  public static final Duration LAST_UNIT_WAIT = Duration.ofSeconds(5);

  /**
   * Registers the warehouse entity and returns the service's saga participant, not yet started.
   * Each call carries the saga's idempotency key, so a redelivered command is applied once.
   *
   * @param skald the node
   * @param sagas the node's sagas
   * @param calls how handlers call the entity
   * @return the participant
   */
  public static Participant participant(Skald skald, Sagas sagas, Calls calls) {
    ActorSystem<?> system = skald.system();
    Warehouse.init(system, skald.journalPluginId(), skald.snapshotPluginId());
    // one space, two ways in: the order that takes the last units marks them (never waits); one
    // that finds them reserved queues for them
    SemanticLocks marks =
        sagas.semanticLocks(LAST_UNITS, SemanticLocks.Conflict.REFUSE, LAST_UNIT_WAIT);
    SemanticLocks waits =
        sagas.semanticLocks(LAST_UNITS, SemanticLocks.Conflict.QUEUE, LAST_UNIT_WAIT);
    return sagas
        .participant("inventory-service")
        .on(
            Inventory.RESERVE,
            (cmd, ctx) ->
                calls.around(
                    () ->
                        reserve(system, cmd, ctx)
                            .thenCompose(
                                reply ->
                                    reply instanceof Inventory.OutOfStock out
                                        ? waitForReserved(system, waits, out, cmd, ctx)
                                        : reply instanceof Inventory.StockReserved
                                            ? markLastUnits(system, marks, cmd.lines(), ctx)
                                                .thenApply(marked -> reply)
                                            : CompletableFuture.completedFuture(reply))))
        .on(
            Inventory.RELEASE,
            (cmd, ctx) ->
                calls.around(
                    () ->
                        Calls.acknowledged(
                            Warehouse.ref(system)
                                .<Done>ask(
                                    r ->
                                        new Warehouse.Release(
                                            ctx.idempotencyKey(), cmd.orderId(), r),
                                    Calls.ASK_TIMEOUT))))
        .on(
            Inventory.COMMIT,
            (cmd, ctx) ->
                calls.around(
                    () ->
                        Calls.acknowledged(
                            Warehouse.ref(system)
                                .<Done>ask(
                                    r ->
                                        new Warehouse.Commit(
                                            ctx.idempotencyKey(), cmd.orderId(), r),
                                    Calls.ASK_TIMEOUT))))
        .releasingAtEnd(marks);
  }

  private static CompletionStage<Object> reserve(
      ActorSystem<?> system, Inventory.ReserveStock cmd, CommandContext ctx) {
    return Stages.inline(
        Warehouse.ref(system)
            .ask(
                r -> new Warehouse.Reserve(ctx.idempotencyKey(), cmd.orderId(), cmd.lines(), r),
                Calls.ASK_TIMEOUT));
  }

  private static CompletionStage<Warehouse.Stock> stock(ActorSystem<?> system, String sku) {
    return Stages.inline(
        Warehouse.ref(system)
            .<Warehouse.StockReply>ask(r -> new Warehouse.GetStock(sku, r), Calls.ASK_TIMEOUT)
            .thenApply(Warehouse.StockReply::stock));
  }

  /** After a reservation: the SKUs it left sold out are held by this order's saga until it ends. */
  private static CompletionStage<Void> markLastUnits(
      ActorSystem<?> system, SemanticLocks marks, List<OrderLine> lines, CommandContext ctx) {
    CompletionStage<Void> done = CompletableFuture.completedFuture(null);
    for (String sku : lines.stream().map(OrderLine::sku).distinct().sorted().toList()) {
      done =
          done.thenCompose(
              ignored ->
                  stock(system, sku)
                      .thenCompose(
                          stock ->
                              stock != null && stock.available() == 0
                                  ? marks.acquire(sku, ctx).thenApply(lock -> null)
                                  : CompletableFuture.completedFuture(null)));
    }
    return done;
  }

  /**
   * Out of stock: if units of the SKU are only reserved by running orders, waits for the SKU's
   * semantic lock (its holder's saga to end) and tries again; else the refusal stands.
   */
  private static CompletionStage<Object> waitForReserved(
      ActorSystem<?> system,
      SemanticLocks waits,
      Inventory.OutOfStock out,
      Inventory.ReserveStock cmd,
      CommandContext ctx) {
    return stock(system, out.sku())
        .thenCompose(
            stock -> {
              if (stock == null || stock.reserved() == 0) {
                return CompletableFuture.completedFuture(out); // sold: nothing may come back
              }
              return waits
                  .acquire(out.sku(), ctx)
                  .thenCompose(
                      lock ->
                          lock.granted()
                              ? reserve(system, cmd, ctx) // the holder ended: as it stands now
                              : CompletableFuture.completedFuture(out));
            });
  }
}
