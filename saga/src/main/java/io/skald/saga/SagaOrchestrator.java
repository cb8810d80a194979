package io.skald.saga;

/**
 * Runs instances of one saga definition by orchestration: each instance is a sharded, event-sourced
 * entity that sends its steps' commands to their endpoints' topics and consumes the replies from
 * the saga's reply topic. Obtained from {@link Sagas#orchestrator}.
 *
 * <pre>{@code
 * SagaOrchestrator<Order> orders = sagas.orchestrator(placeOrder);
 * orders.start("order-42", new Order("order-42", ...)).toCompletableFuture().join();
 * }</pre>
 *
 * @param <D> the saga data type
 */
public interface SagaOrchestrator<D> extends SagaRunner<D> {}
