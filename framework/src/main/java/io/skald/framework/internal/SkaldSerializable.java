package io.skald.framework.internal;

/**
 * INTERNAL API: marker for control messages, events and state serialized with Pekko's Jackson
 * (CBOR) serializer. Bound in {@code reference.conf}; record batches use {@link SkaldSerializer}.
 */
public interface SkaldSerializable {}
