package io.skald.saga;

/**
 * Runs instances of one saga definition as a choreography: no command is sent to a participant.
 * Each participant that {@link Participant#follow follows} the saga reacts to the events on the
 * saga's flow topic ({@code <name>.flow}): the first step's participant to {@code started}, each
 * next one to the {@code succeeded} (or {@code skipped}) event of the step before, and on a {@code
 * failed} event the participants that completed earlier steps emit their {@code compensated} events
 * in reverse order. A tracker per instance (a sharded, event-sourced entity) follows each flow by
 * its saga id, reports its state like an orchestrated instance, and on a step timeout emits the
 * events that retry the step or compensate. Obtained from {@link Sagas#choreography}.
 *
 * <p>The same definition runs either way and reaches the same outcome; a definition with parallel
 * steps needs an orchestrator.
 *
 * @param <D> the saga data type
 */
public interface SagaChoreography<D> extends SagaRunner<D> {}
