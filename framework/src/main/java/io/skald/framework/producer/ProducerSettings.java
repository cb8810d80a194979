package io.skald.framework.producer;

import io.skald.framework.Codec;
import java.util.Objects;

/**
 * How a {@link Producer} encodes and acknowledges records: the key and value codecs, the {@link
 * Acks} mode and idempotence. Batching, buffer bounds and timeouts come from {@code
 * skald.framework.producer} in the configuration.
 *
 * <p><b>Idempotent by default.</b> With {@link Acks#DURABLE} (the default) a producer is idempotent
 * unless {@link #withoutIdempotence()} says otherwise: its appends carry a producer id and sequence
 * numbers, several are in flight per partition, and one that is lost (a partition moving between
 * nodes, a node crash) or unanswered in time is sent again without being written twice or overtaken
 * by the next. A plain producer cannot resend: its lost appends fail after {@code
 * delivery-timeout}. Other acks modes are never idempotent.
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

  /** TRUE or FALSE when asked for, null for the default (idempotent exactly with DURABLE). */
  private final Boolean idempotence;

  private final RateLimit rateLimit;
  private final java.util.Map<String, RateLimit> topicRateLimits;

  private ProducerSettings(Codec<K> keyCodec, Codec<V> valueCodec, Acks acks, Boolean idempotence) {
    this(keyCodec, valueCodec, acks, idempotence, null, java.util.Map.of());
  }

  private ProducerSettings(
      Codec<K> keyCodec,
      Codec<V> valueCodec,
      Acks acks,
      Boolean idempotence,
      RateLimit rateLimit,
      java.util.Map<String, RateLimit> topicRateLimits) {
    this.rateLimit = rateLimit;
    this.topicRateLimits = java.util.Map.copyOf(topicRateLimits);
    this.keyCodec = Objects.requireNonNull(keyCodec, "keyCodec");
    this.valueCodec = Objects.requireNonNull(valueCodec, "valueCodec");
    this.acks = Objects.requireNonNull(acks, "acks");
    this.idempotence = idempotence;
    if (Boolean.TRUE.equals(idempotence) && acks != Acks.DURABLE) {
      throw new IllegalArgumentException(
          "an idempotent producer needs Acks.DURABLE (its sequence numbers are confirmed by the"
              + " journal), was Acks."
              + acks);
    }
  }

  /**
   * Settings with {@link Acks#DURABLE} and, by default, idempotence.
   *
   * @param keyCodec encodes keys
   * @param valueCodec encodes values
   * @param <K> the key type
   * @param <V> the value type
   * @return the settings
   */
  public static <K, V> ProducerSettings<K, V> of(Codec<K> keyCodec, Codec<V> valueCodec) {
    return new ProducerSettings<>(keyCodec, valueCodec, Acks.DURABLE, null);
  }

  /**
   * A copy with another acknowledgement mode. Without {@link #withIdempotence()}, a mode other than
   * {@link Acks#DURABLE} makes a plain producer.
   *
   * @param newAcks when {@code send} completes
   * @return the new settings
   * @throws IllegalArgumentException if idempotence was asked for with {@link #withIdempotence()}
   *     and {@code newAcks} is not {@link Acks#DURABLE}
   */
  public ProducerSettings<K, V> withAcks(Acks newAcks) {
    return new ProducerSettings<>(
        keyCodec, valueCodec, newAcks, idempotence, rateLimit, topicRateLimits);
  }

  /**
   * A copy whose appends carry a producer id and sequence numbers, so that an append retried after
   * a timeout or a partition restart is written once. Needs {@link Acks#DURABLE}.
   *
   * @return the new settings
   * @throws IllegalArgumentException if the acks mode is not {@link Acks#DURABLE}
   */
  public ProducerSettings<K, V> withIdempotence() {
    return new ProducerSettings<>(
        keyCodec, valueCodec, acks, Boolean.TRUE, rateLimit, topicRateLimits);
  }

  /**
   * A copy that makes a plain producer: appends without producer id or sequence, which are not sent
   * again when lost or unanswered (they fail after {@code delivery-timeout}, and may or may not
   * have been written). For a producer whose records may be duplicated or lost on a failover.
   *
   * @return the new settings
   */
  public ProducerSettings<K, V> withoutIdempotence() {
    return new ProducerSettings<>(
        keyCodec, valueCodec, acks, Boolean.FALSE, rateLimit, topicRateLimits);
  }

  /**
   * A copy with a rate limit on everything this producer sends, over all topics together (see
   * {@link RateLimit}).
   *
   * @param limit the limit
   * @return the new settings
   */
  public ProducerSettings<K, V> withRateLimit(RateLimit limit) {
    Objects.requireNonNull(limit, "limit");
    return new ProducerSettings<>(keyCodec, valueCodec, acks, idempotence, limit, topicRateLimits);
  }

  /**
   * A copy with a rate limit on what this producer sends to one topic; it applies on top of {@link
   * #withRateLimit} (a record must fit both).
   *
   * @param topic the topic
   * @param limit the limit
   * @return the new settings
   * @throws io.skald.framework.admin.InvalidTopicException for an invalid topic name
   */
  public ProducerSettings<K, V> withTopicRateLimit(String topic, RateLimit limit) {
    io.skald.framework.admin.TopicSpec.validateName(topic);
    Objects.requireNonNull(limit, "limit");
    java.util.Map<String, RateLimit> limits = new java.util.HashMap<>(topicRateLimits);
    limits.put(topic, limit);
    return new ProducerSettings<>(keyCodec, valueCodec, acks, idempotence, rateLimit, limits);
  }

  /**
   * The rate limit over all topics.
   *
   * @return the limit, or empty
   */
  public java.util.Optional<RateLimit> rateLimit() {
    return java.util.Optional.ofNullable(rateLimit);
  }

  /**
   * The rate limits per topic.
   *
   * @return topic to limit (immutable)
   */
  public java.util.Map<String, RateLimit> topicRateLimits() {
    return topicRateLimits;
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
   * @return true with {@link Acks#DURABLE} unless {@link #withoutIdempotence()} was called
   */
  public boolean idempotent() {
    return idempotence == null ? acks == Acks.DURABLE : idempotence;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ProducerSettings<?, ?> other
        && keyCodec.equals(other.keyCodec)
        && valueCodec.equals(other.valueCodec)
        && acks == other.acks
        && Objects.equals(idempotence, other.idempotence)
        && Objects.equals(rateLimit, other.rateLimit)
        && topicRateLimits.equals(other.topicRateLimits);
  }

  @Override
  public int hashCode() {
    return Objects.hash(keyCodec, valueCodec, acks, idempotence, rateLimit, topicRateLimits);
  }

  @Override
  public String toString() {
    return "ProducerSettings[acks=" + acks + ", idempotent=" + idempotent() + "]";
  }
}
