package io.skald.saga;

/**
 * What a participant's handler knows about the command it handles.
 *
 * @param sagaName the saga that sent it
 * @param sagaId the instance
 * @param step the step
 * @param compensation true if this is the step's compensation
 * @param idempotencyKey identical on every attempt of this command: record it atomically with the
 *     effect (for example in the participant's own event-sourced entity, see {@code
 *     io.skald.framework.consumer.Inbox}) for exactly-once effects
 * @param attempt the attempt, from 1
 */
public record CommandContext(
    String sagaName,
    String sagaId,
    String step,
    boolean compensation,
    String idempotencyKey,
    int attempt) {}
