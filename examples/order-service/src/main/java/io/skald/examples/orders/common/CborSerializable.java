package io.skald.examples.orders.common;

/**
 * Marker of the sample's persisted events, entity state and actor messages: bound to Pekko's
 * Jackson CBOR serializer in the module's {@code reference.conf}.
 */
public interface CborSerializable {}
