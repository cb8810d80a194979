package io.skald.examples.orders.common;

import io.skald.framework.Stages;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * How a service runs the calls its saga handlers make to its own entities: directly, or through the
 * demo's fault injection ({@code Faults}), which delays and fails some of them.
 */
public interface Calls {
  /** How long a handler waits for its entity. */
  Duration ASK_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Runs a call.
   *
   * @param call the call
   * @param <T> its result
   * @return its outcome
   */
  <T> CompletionStage<T> around(Supplier<CompletionStage<T>> call);

  /**
   * Calls run as they are.
   *
   * @return the calls
   */
  static Calls direct() {
    return new Calls() {
      @Override
      public <T> CompletionStage<T> around(Supplier<CompletionStage<T>> call) {
        return call.get();
      }
    };
  }

  /**
   * A call whose answer is only an acknowledgement, for a step or compensation that declares no
   * reply: completes with {@code null} once the entity answered.
   *
   * @param ask the entity's answer (a Pekko ask)
   * @return completes with null
   */
  static CompletionStage<Object> acknowledged(CompletionStage<?> ask) {
    return Stages.inline(ask).thenApply(ignored -> null);
  }
}
