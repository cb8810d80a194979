package io.skald.framework.producer;

import io.skald.framework.Codec;
import java.util.Objects;

/**
 * How a {@link Producer} encodes and acknowledges records: the key and value codecs, the {@link
 * Acks} mode and idempotence. Batching, buffer bounds and timeouts come from {@code
 * skald.framework.producer} in the configuration.
 * <!-- snippet: jd-producer-settings -->
 *
 * <pre>{@code
 * ProducerSettings<String, Order> settings =
 *     ProducerSettings.of(Codecs.string(), Codecs.json(Order.class)).withIdempotence();
 * }</pre>
 *
 * <p>Immutable: each {@code with} method returns a copy. Every combination is checked by the
 * constructor every copy goes through, so an invalid one is refused whatever the order of the calls
 * ({@code withAcks(NONE).withIdempotence()} and {@code withIdempotence().withAcks(NONE)} both
 * throw).
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class ProducerSettings<K, V> {
  private final Codec<K> keyCodec;
  private final Codec<V> valueCodec;
  private final Acks acks;
  private final boolean idempotent;

  private ProducerSettings(Codec<K> keyCodec, Codec<V> valueCodec, Acks acks, boolean idempotent) {
    this.keyCodec = Objects.requireNonNull(keyCodec, "keyCodec");
    this.valueCodec = Objects.requireNonNull(valueCodec, "valueCodec");
    this.acks = Objects.requireNonNull(acks, "acks");
    this.idempotent = idempotent;
    if (idempotent && acks != Acks.DURABLE) {
      throw new IllegalArgumentException(
          "an idempotent producer needs Acks.DURABLE (its sequence numbers are confirmed by the"
              + " journal), was Acks."
              + acks);
    }
  }

  /**
   * Settings with {@link Acks#DURABLE} and no idempotence.
   *
   * @param keyCodec encodes keys
   * @param valueCodec encodes values
   * @param <K> the key type
   * @param <V> the value type
   * @return the settings
   */
  public static <K, V> ProducerSettings<K, V> of(Codec<K> keyCodec, Codec<V> valueCodec) {
    return new ProducerSettings<>(keyCodec, valueCodec, Acks.DURABLE, false);
  }

  /**
   * A copy with another acknowledgement mode.
   *
   * @param newAcks when {@code send} completes
   * @return the new settings
   * @throws IllegalArgumentException if the settings are idempotent and {@code newAcks} is not
   *     {@link Acks#DURABLE}
   */
  public ProducerSettings<K, V> withAcks(Acks newAcks) {
    return new ProducerSettings<>(keyCodec, valueCodec, newAcks, idempotent);
  }

  /**
   * A copy whose appends carry a producer id and sequence numbers, so that an append retried after
   * a timeout or a partition restart is written once. Needs {@link Acks#DURABLE}.
   *
   * @return the new settings
   * @throws IllegalArgumentException if the acks mode is not {@link Acks#DURABLE}
   */
  public ProducerSettings<K, V> withIdempotence() {
    return new ProducerSettings<>(keyCodec, valueCodec, acks, true);
  }

  /**
   * The key codec.
   *
   * @return encodes keys
   */
  public Codec<K> keyCodec() {
    return keyCodec;
  }

  /**
   * The value codec.
   *
   * @return encodes values
   */
  public Codec<V> valueCodec() {
    return valueCodec;
  }

  /**
   * The acknowledgement mode.
   *
   * @return when {@code send} completes
   */
  public Acks acks() {
    return acks;
  }

  /**
   * Whether appends are idempotent.
   *
   * @return true after {@link #withIdempotence()}
   */
  public boolean idempotent() {
    return idempotent;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ProducerSettings<?, ?> other
        && keyCodec.equals(other.keyCodec)
        && valueCodec.equals(other.valueCodec)
        && acks == other.acks
        && idempotent == other.idempotent;
  }

  @Override
  public int hashCode() {
    return Objects.hash(keyCodec, valueCodec, acks, idempotent);
  }

  @Override
  public String toString() {
    return "ProducerSettings[acks=" + acks + ", idempotent=" + idempotent + "]";
  }
}
