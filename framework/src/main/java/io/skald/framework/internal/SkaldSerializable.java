package io.skald.framework.internal;

/**
 * INTERNAL API: marker for control messages, events and state serialized with Jackson (CBOR) by
 * {@code NamedJsonSerializer}, whose manifest is the stable name from {@code
 * skald.serialization.names} for persisted types. Bound in {@code reference.conf}; record batches
 * use the log's binary {@code SkaldSerializer}.
 */
public interface SkaldSerializable {}
