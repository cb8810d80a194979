package io.skald.saga.internal;

/**
 * INTERNAL API: marker of the saga module's persisted events and cluster messages, bound to Pekko's
 * Jackson CBOR serializer in the module's {@code reference.conf}.
 */
public interface SagaSerializable {}
