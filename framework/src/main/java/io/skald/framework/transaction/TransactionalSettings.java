package io.skald.framework.transaction;

import io.skald.framework.Codec;
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
    if (id == null || id.isEmpty() || id.length() > 200) {
      throw new IllegalArgumentException(
          "a transactional id must have 1 to 200 characters, was " + id);
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == '-';
      if (!ok) {
        throw new IllegalArgumentException(
            "invalid character '"
                + c
                + "' in transactional id '"
                + id
                + "' (letters, digits, . _ -)");
      }
    }
  }
}
