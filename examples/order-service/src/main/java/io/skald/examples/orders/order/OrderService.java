package io.skald.examples.orders.order;

import io.skald.examples.orders.common.Calls;
import io.skald.framework.Skald;
import io.skald.saga.Participant;
import io.skald.saga.Sagas;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;

/** The order service: its entity, and its part in the place-order saga ({@link Orders}). */
public final class OrderService {
  private OrderService() {}

  /**
   * Registers the order entity and returns the service's saga participant, not yet started.
   *
   * @param skald the node
   * @param sagas the node's sagas
   * @param calls how handlers call the entity
   * @return the participant
   */
  public static Participant participant(Skald skald, Sagas sagas, Calls calls) {
    ActorSystem<?> system = skald.system();
    OrderEntity.init(system, skald.journalPluginId(), skald.snapshotPluginId());
    return sagas
        .participant("order-service")
        .on(
            Orders.OPEN,
            (cmd, ctx) ->
                calls.around(
                    () ->
                        Calls.acknowledged(
                            OrderEntity.ref(system, cmd.orderId())
                                .<Boolean>ask(
                                    r ->
                                        new OrderEntity.Place(
                                            cmd.customerId(), cmd.lines(), cmd.total(), r),
                                    Calls.ASK_TIMEOUT))))
        .on(
            Orders.REJECT,
            (cmd, ctx) ->
                calls.around(
                    () ->
                        Calls.acknowledged(
                            OrderEntity.ref(system, cmd.orderId())
                                .<Done>ask(
                                    r -> new OrderEntity.Reject(cmd.reason(), r),
                                    Calls.ASK_TIMEOUT))))
        .on(
            Orders.CONFIRM,
            (cmd, ctx) ->
                calls.around(
                    () ->
                        Calls.acknowledged(
                            OrderEntity.ref(system, cmd.orderId())
                                .<Done>ask(OrderEntity.Confirm::new, Calls.ASK_TIMEOUT))));
  }
}
