package io.skald.saga.testkit;

import io.skald.saga.SagaDefinition;

/**
 * Tests a saga definition without a node: the definition's real rules run on a virtual clock, and
 * the test plays the participants. Start a {@link SagaScenario} per case, or let a {@link
 * SagaChecker} run the definition through every failure point.
 * <!-- snippet: jd-testkit -->
 *
 * <pre>{@code
 * SagaTestKit<Order> kit = SagaTestKit.of(placeOrder);
 * kit.start(order).expectCommandTo(Inventory.RESERVE).reply(new StockReserved("r-1"));
 * }</pre>
 *
 * @param <D> the saga data type
 */
public final class SagaTestKit<D> {
  private final SagaDefinition<D> definition;

  private SagaTestKit(SagaDefinition<D> definition) {
    this.definition = definition;
  }

  /**
   * A test kit for a definition.
   *
   * @param definition the definition
   * @param <D> the data type
   * @return the kit
   */
  public static <D> SagaTestKit<D> of(SagaDefinition<D> definition) {
    return new SagaTestKit<>(definition);
  }

  /**
   * Starts an instance at virtual time zero; its first commands are sent at once.
   *
   * @param data the initial data
   * @return the scenario
   */
  public SagaScenario<D> start(D data) {
    return SagaScenario.start(definition, data);
  }

  /**
   * A checker of this definition.
   *
   * @return the checker, to configure with the participants' replies
   */
  public SagaChecker<D> checker() {
    return new SagaChecker<>(definition);
  }
}
