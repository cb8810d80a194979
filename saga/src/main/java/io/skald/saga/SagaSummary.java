package io.skald.saga;

import java.time.Instant;

/**
 * What a saga's index keeps of an instance: enough to list and count it after retention deleted its
 * journal (its data and history are gone then; {@link SagaRunner#get} answers empty).
 *
 * @param sagaId the instance
 * @param status its status
 * @param version the definition version it ran
 * @param at when it entered the status (within about 100 ms), or null when written by a version of
 *     Skald that did not record it
 * @param deleted whether retention deleted the instance's journal
 */
public record SagaSummary(
    String sagaId, SagaStatus status, int version, Instant at, boolean deleted) {}
