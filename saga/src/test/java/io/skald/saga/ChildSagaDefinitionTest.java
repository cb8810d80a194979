package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.saga.ChildSagasTest.Basket;
import io.skald.saga.TestShop.Charge;
import io.skald.saga.TestShop.Order;
import org.junit.jupiter.api.Test;

/** Issue 20, child sagas: the definitions {@code build()} refuses, with the reason. */
class ChildSagaDefinitionTest {
  private static final SagaDefinition<Order> RESERVE_LINE = ChildSagasTest.RESERVE_LINE;

  @Test
  void definitionsThatCannotUndoAChildAreRefused() {
    SagaDefinition<Order> withPivot =
        SagaDefinition.named("pay-line", Order.class)
            .step("charge")
            .invoke(TestShop.CHARGE, o -> new Charge(o.id(), o.amount(), o.script()))
            .pivot()
            .build();
    InvalidSagaDefinitionException e =
        assertThrows(
            InvalidSagaDefinitionException.class,
            () ->
                SagaDefinition.named("bad-basket", Basket.class)
                    .startChildren("pay-lines", withPivot, Basket::lines)
                    .build());
    assertTrue(e.getMessage().contains("undoable"), e.getMessage());
    InvalidSagaDefinitionException after =
        assertThrows(
            InvalidSagaDefinitionException.class,
            () ->
                SagaDefinition.named("late-basket", Basket.class)
                    .step("charge")
                    .invoke(TestShop.CHARGE, b -> new Charge(b.id(), 1, b.script()))
                    .pivot()
                    .startChildren("reserve-lines", RESERVE_LINE, Basket::lines)
                    .build());
    assertTrue(after.getMessage().contains("after the pivot"), after.getMessage());
  }
}
