package io.skald.saga.internal;

/**
 * INTERNAL API: marker of the saga module's persisted events and cluster messages, bound to Skald's
 * named Jackson serializer (stable names in {@code skald.serialization.names}) in {@code
 * reference.conf}.
 */
public interface SagaSerializable {}
