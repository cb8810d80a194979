package io.skald.examples.orders;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.examples.orders.common.OrderLine;
import io.skald.examples.orders.inventory.Inventory;
import io.skald.examples.orders.payment.Payments;
import io.skald.examples.orders.saga.PlaceOrder;
import io.skald.saga.testkit.SagaChecker;
import io.skald.saga.testkit.SagaTestKit;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The sample's saga definition through the checker's every fault: refusals for stock and credit,
 * lost and late replies, refusals followed by a redelivery, failing compensations and each operator
 * action, a crash after every transition. It must always end with every step done or every applied
 * effect undone.
 */
class PlaceOrderCheckTest {

  @Test
  void thePlaceOrderSagaHoldsTheInvariantUnderEveryFault() {
    SagaChecker.Report report =
        SagaTestKit.of(PlaceOrder.DEFINITION)
            .checker()
            .succeedsWith(Inventory.RESERVE, c -> new Inventory.StockReserved(c.orderId()))
            .failsWith(Inventory.RESERVE, c -> new Inventory.OutOfStock(c.lines().get(0).sku()))
            .succeedsWith(Payments.CHARGE, c -> new Payments.Charged(c.orderId()))
            .failsWith(Payments.CHARGE, c -> new Payments.InsufficientCredit(c.customerId()))
            .check(
                new PlaceOrder.Data(
                    "order-1", "customer-1", List.of(new OrderLine("sku-1", 2, 500)), 1000, null));
    assertTrue(
        report.scenarios() > 500 && report.completed() > 0 && report.compensated() > 0,
        report.toString());
  }
}
