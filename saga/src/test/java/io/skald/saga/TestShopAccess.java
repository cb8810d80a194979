package io.skald.saga;

import java.time.Duration;

/** The test shop's definitions for tests outside this package. */
public final class TestShopAccess {
  private TestShopAccess() {}

  /**
   * The three-step saga of the test shop.
   *
   * @param name the saga's name
   * @return the definition
   */
  public static SagaDefinition<?> threeSteps(String name) {
    return TestShop.threeSteps(name, Duration.ofSeconds(5), 3);
  }
}
