package io.skald.examples.orders.payment;

import io.skald.examples.orders.common.Calls;
import io.skald.framework.Skald;
import io.skald.framework.Stages;
import io.skald.saga.Participant;
import io.skald.saga.Sagas;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The payment service: customer accounts, and its part in the place-order saga ({@link Payments}).
 */
public final class PaymentService {
  private PaymentService() {}

  /**
   * Registers the account entity and returns the service's saga participant, not yet started. Each
   * call carries the saga's idempotency key, so a redelivered charge is applied once.
   *
   * @param skald the node
   * @param sagas the node's sagas
   * @param calls how handlers call the entity
   * @return the participant
   */
  public static Participant participant(Skald skald, Sagas sagas, Calls calls) {
    ActorSystem<?> system = skald.system();
    CustomerAccount.init(system, skald.journalPluginId(), skald.snapshotPluginId());
    return sagas
        .participant("payment-service")
        .on(
            Payments.CHARGE,
            (cmd, ctx) ->
                calls.around(
                    () ->
                        Stages.inline(
                            CustomerAccount.ref(system, cmd.customerId())
                                .ask(
                                    r ->
                                        new CustomerAccount.Charge(
                                            ctx.idempotencyKey(), cmd.orderId(), cmd.amount(), r),
                                    Calls.ASK_TIMEOUT))))
        .on(
            Payments.REFUND,
            (cmd, ctx) ->
                calls.around(
                    () ->
                        Calls.acknowledged(
                            CustomerAccount.ref(system, cmd.customerId())
                                .<Done>ask(
                                    r ->
                                        new CustomerAccount.Refund(
                                            ctx.idempotencyKey(), cmd.orderId(), r),
                                    Calls.ASK_TIMEOUT))));
  }
}
