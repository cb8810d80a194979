package io.skald.framework.transaction;

import io.skald.framework.Codec;
import io.skald.framework.admin.InvalidTopicException;
import io.skald.framework.admin.TopicSpec;
import java.util.Objects;

/**
 * What a {@link TransactionalProducer} is made of: its transactional id and codecs.
 *
 * @param transactionalId the stable id: letters, digits, '.', '_', '-' (at most 200)
 * @param keyCodec encodes keys
 * @param valueCodec encodes values
 * @param <K> the key type
 * @param <V> the value type
 */
public record TransactionalSettings<K, V>(
    String transactionalId, Codec<K> keyCodec, Codec<V> valueCodec) {

  /**
   * Validates.
   *
   * @param transactionalId the stable id
   * @param keyCodec encodes keys
   * @param valueCodec encodes values
   * @throws IllegalArgumentException if the id is invalid or a codec is null
   */
  public TransactionalSettings {
    validateId(transactionalId);
    Objects.requireNonNull(keyCodec, "keyCodec");
    Objects.requireNonNull(valueCodec, "valueCodec");
  }

  /**
   * Settings with codecs.
   *
   * @param transactionalId the id
   * @param keyCodec encodes keys
   * @param valueCodec encodes values
   * @param <K> the key type
   * @param <V> the value type
   * @return the settings
   */
  public static <K, V> TransactionalSettings<K, V> of(
      String transactionalId, Codec<K> keyCodec, Codec<V> valueCodec) {
    return new TransactionalSettings<>(transactionalId, keyCodec, valueCodec);
  }

  /**
   * Checks a transactional id.
   *
   * @param id the id
   * @throws IllegalArgumentException naming the rule it breaks
   */
  public static void validateId(String id) {
    try {
      TopicSpec.validateName(id); // the same rules as topic names
    } catch (InvalidTopicException e) {
      throw new IllegalArgumentException(
          "invalid transactional id: " + e.getMessage().replace("topic name", "id"), e);
    }
  }
}
