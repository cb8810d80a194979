package io.skald.framework.producer;

import io.skald.framework.Codec;
import java.util.Objects;

/**
 * How a {@link Producer} encodes and acknowledges records: the key and value codecs and the {@link
 * Acks} mode. Batching, buffer bounds and timeouts come from {@code skald.framework.producer} in
 * the configuration.
 *
 * <pre>{@code
 * ProducerSettings<String, Order> settings =
 *     ProducerSettings.of(Codecs.string(), Codecs.json(Order.class)).withAcks(Acks.DURABLE);
 * }</pre>
 *
 * @param keyCodec encodes keys
 * @param valueCodec encodes values
 * @param acks when {@code send} completes
 * @param idempotent whether appends carry a producer id and sequence numbers, so that a retried
 *     append is written once (see {@link #withIdempotence()})
 * @param <K> the key type
 * @param <V> the value type
 */
public record ProducerSettings<K, V>(
    Codec<K> keyCodec, Codec<V> valueCodec, Acks acks, boolean idempotent) {

  /** Validates the settings. */
  public ProducerSettings {
    Objects.requireNonNull(keyCodec, "keyCodec");
    Objects.requireNonNull(valueCodec, "valueCodec");
    Objects.requireNonNull(acks, "acks");
  }

  /**
   * Durable producer settings with the given codecs.
   *
   * @param keyCodec encodes keys
   * @param valueCodec encodes values
   * @param <K> the key type
   * @param <V> the value type
   * @return the settings, with {@link Acks#DURABLE}
   */
  public static <K, V> ProducerSettings<K, V> of(Codec<K> keyCodec, Codec<V> valueCodec) {
    return new ProducerSettings<>(keyCodec, valueCodec, Acks.DURABLE, false);
  }

  /**
   * A copy with another acknowledgement mode.
   *
   * @param newAcks the mode
   * @return the new settings
   */
  public ProducerSettings<K, V> withAcks(Acks newAcks) {
    return new ProducerSettings<>(keyCodec, valueCodec, newAcks, idempotent);
  }

  /**
   * A copy that makes the producer idempotent: every append carries the producer's id and
   * per-partition sequence numbers, an append that gets no answer within {@code
   * skald.framework.producer.request-timeout} is sent again with the same numbers, and the
   * partition writes it only once, also across a restart of the partition. One append per partition
   * is in flight at a time, so retries never reorder records. Requires {@link Acks#DURABLE}.
   *
   * @return the new settings
   */
  public ProducerSettings<K, V> withIdempotence() {
    if (acks != Acks.DURABLE) {
      throw new IllegalArgumentException("an idempotent producer needs Acks.DURABLE");
    }
    return new ProducerSettings<>(keyCodec, valueCodec, acks, true);
  }
}
