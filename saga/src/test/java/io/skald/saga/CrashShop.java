package io.skald.saga;

import io.skald.framework.Skald;
import io.skald.saga.TestShop.Order;
import io.skald.testkit.AccountEntity;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The shop of the crash test: the three participants apply every effect to a durable {@link
 * AccountEntity} (one account per order, step and direction) with the command's idempotency key as
 * message id, so an effect counts once however often its command is delivered, and the count
 * survives the crash. Each handler takes a little time, so a kill lands in the middle of sagas.
 */
final class CrashShop {
  private CrashShop() {}

  /** Orders the child starts. */
  static final int ORDERS = 40;

  /** The saga both JVMs run. */
  static final SagaDefinition<Order> DEFINITION =
      TestShop.threeSteps("crash-orders", Duration.ofSeconds(3), 20);

  /** Whether order {@code i} is refused by shipping (and so compensated). */
  static boolean refused(int i) {
    return i % 3 == 0;
  }

  static Order order(int i) {
    return refused(i) ? new Order("c" + i, 10, "shipping:refuse") : new Order("c" + i, 10);
  }

  /** The account counting one effect. */
  static String account(String orderId, String step, boolean undo) {
    return orderId + ":" + step + ":" + (undo ? "undo" : "do");
  }

  /** Starts the participants and the orchestrator on a node. */
  static SagaOrchestrator<Order> start(Skald skald) {
    AccountEntity.init(skald);
    Sagas sagas = Sagas.create(skald);
    sagas
        .participant("inventory")
        .on(
            TestShop.RESERVE,
            effect(
                skald,
                "reserve-stock",
                false,
                TestShop.Reserve::orderId,
                c -> new TestShop.Reserved("r-" + c.orderId())))
        .on(
            TestShop.RELEASE,
            effect(skald, "reserve-stock", true, TestShop.Release::orderId, c -> null))
        .start();
    sagas
        .participant("payments")
        .on(
            TestShop.CHARGE,
            effect(
                skald,
                "charge-payment",
                false,
                TestShop.Charge::orderId,
                c -> new TestShop.Charged("p-" + c.orderId())))
        .on(
            TestShop.REFUND,
            effect(skald, "charge-payment", true, TestShop.Refund::orderId, c -> null))
        .start();
    sagas
        .participant("shipping")
        .on(
            TestShop.SHIP,
            (cmd, ctx) ->
                cmd.script().contains("shipping:refuse")
                    ? CompletableFuture.completedFuture(new TestShop.Refused("no carrier"))
                    : apply(skald, ctx, account(cmd.orderId(), "ship", false)).thenApply(d -> null))
        .on(
            TestShop.CANCEL_SHIPMENT,
            effect(skald, "ship", true, TestShop.CancelShipment::orderId, c -> null))
        .start();
    return sagas.orchestrator(DEFINITION);
  }

  private static <C> CommandHandler<C> effect(
      Skald skald,
      String step,
      boolean undo,
      Function<C, String> order,
      Function<C, Object> reply) {
    return (cmd, ctx) ->
        apply(skald, ctx, account(order.apply(cmd), step, undo)).thenApply(d -> reply.apply(cmd));
  }

  private static CompletionStage<org.apache.pekko.Done> apply(
      Skald skald, CommandContext ctx, String account) {
    return CompletableFuture.runAsync(
            () -> {}, CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS))
        .thenCompose(
            ignored ->
                AccountEntity.ref(skald.system(), account)
                    .ask(
                        replyTo -> new AccountEntity.Credit(ctx.idempotencyKey(), 1, replyTo),
                        Duration.ofSeconds(10)));
  }
}
