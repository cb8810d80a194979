package io.skald.saga;

/**
 * Runs instances of one saga definition by orchestration: each instance is a sharded, event-sourced
 * entity that sends its steps' commands to their endpoints' topics and consumes the replies from
 * the saga's reply topic. Obtained from {@link Sagas#orchestrator}.
 * <!-- snippet: jd-orchestrator -->
 *
 * <pre>{@code
 * SagaOrchestrator<Order> orders = sagas.orchestrator(placeOrder);
 * orders
 *     .start("order-42", new Order("order-42", "ada", List.of("sku-1"), 1_999, null))
 *     .toCompletableFuture()
 *     .join();
 * }</pre>
 *
 * @param <D> the saga data type
 */
public interface SagaOrchestrator<D> extends SagaRunner<D> {}
