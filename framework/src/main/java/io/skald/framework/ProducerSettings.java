package io.skald.framework;

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
 * @param <K> the key type
 * @param <V> the value type
 */
public record ProducerSettings<K, V>(Codec<K> keyCodec, Codec<V> valueCodec, Acks acks) {

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
    return new ProducerSettings<>(keyCodec, valueCodec, Acks.DURABLE);
  }

  /**
   * A copy with another acknowledgement mode.
   *
   * @param newAcks the mode
   * @return the new settings
   */
  public ProducerSettings<K, V> withAcks(Acks newAcks) {
    return new ProducerSettings<>(keyCodec, valueCodec, newAcks);
  }
}
