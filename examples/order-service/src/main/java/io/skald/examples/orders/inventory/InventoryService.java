package io.skald.examples.orders.inventory;

import io.skald.examples.orders.common.Calls;
import io.skald.framework.Skald;
import io.skald.framework.Stages;
import io.skald.saga.Participant;
import io.skald.saga.Sagas;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The inventory service: its warehouse, and its part in the place-order saga ({@link Inventory}).
 */
public final class InventoryService {
  private InventoryService() {}

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
    return sagas
        .participant("inventory-service")
        .on(
            Inventory.RESERVE,
            (cmd, ctx) ->
                calls.around(
                    () ->
                        Stages.inline(
                            Warehouse.ref(system)
                                .ask(
                                    r ->
                                        new Warehouse.Reserve(
                                            ctx.idempotencyKey(), cmd.orderId(), cmd.lines(), r),
                                    Calls.ASK_TIMEOUT))))
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
                                    Calls.ASK_TIMEOUT))));
  }
}
