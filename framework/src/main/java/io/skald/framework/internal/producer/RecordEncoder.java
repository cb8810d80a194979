package io.skald.framework.internal.producer;

import io.skald.framework.Codec;
import io.skald.framework.CodecException;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.log.RecordFormat;
import io.skald.framework.internal.topic.TopicCache;
import io.skald.framework.producer.InvalidRecordException;
import java.util.Map;

/**
 * INTERNAL API: validates and encodes a record on the caller's thread, the same way for every
 * producer: a typed exception for bad input, before anything is buffered.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class RecordEncoder<K, V> {

  /**
   * An encoded record.
   *
   * @param key the key bytes, or null
   * @param value the value bytes, or null for a tombstone
   * @param headers the headers
   * @param size its encoded size in the log
   */
  public record Encoded(byte[] key, byte[] value, Map<String, String> headers, int size) {
    /**
     * The same record with other headers.
     *
     * @param newHeaders the headers
     * @return the record
     */
    public Encoded withHeaders(Map<String, String> newHeaders) {
      return new Encoded(key, value, newHeaders, RecordFormat.encodedSize(key, value, newHeaders));
    }
  }

  private final Codec<K> keyCodec;
  private final Codec<V> valueCodec;
  private final SkaldSettings settings;
  private final TopicCache topics;

  /**
   * Creates the encoder.
   *
   * @param keyCodec encodes keys
   * @param valueCodec encodes values
   * @param settings the node's settings (the record size limit)
   * @param topics the topic cache (each topic's own limit)
   */
  public RecordEncoder(
      Codec<K> keyCodec, Codec<V> valueCodec, SkaldSettings settings, TopicCache topics) {
    this.keyCodec = keyCodec;
    this.valueCodec = valueCodec;
    this.settings = settings;
    this.topics = topics;
  }

  /**
   * Validates and encodes.
   *
   * @param topic the topic
   * @param key the key, or null
   * @param value the value, null only for a tombstone
   * @param headers the headers
   * @param tombstone whether a null value is meant
   * @return the encoded record
   * @throws InvalidRecordException for a bad topic name, value or header
   * @throws CodecException if a codec fails
   * @throws io.skald.framework.producer.RecordTooLargeException over the topic's limit
   */
  public Encoded encode(
      String topic, K key, V value, Map<String, String> headers, boolean tombstone) {
    TopicSpec.validateName(topic);
    if (value == null && !tombstone) {
      throw new InvalidRecordException(
          "record value must not be null (topic '"
              + topic
              + "'); to delete a key of a compacted topic use sendTombstone");
    }
    if (headers == null) {
      throw new InvalidRecordException("headers must not be null; pass Map.of()");
    }
    headers.forEach(
        (name, val) -> {
          if (name == null || name.isEmpty() || val == null) {
            throw new InvalidRecordException(
                "header names must be non-empty and values non-null: " + name + "=" + val);
          }
        });
    if (headers.containsKey(io.skald.framework.producer.Priority.HEADER)) {
      try {
        io.skald.framework.producer.Priority.in(headers);
      } catch (IllegalArgumentException e) {
        throw new InvalidRecordException(e.getMessage() + " (topic '" + topic + "')");
      }
    }
    byte[] keyBytes = key == null ? null : encode(keyCodec, key, "key");
    byte[] valueBytes = value == null ? null : encode(valueCodec, value, "value");
    int size = RecordFormat.encodedSize(keyBytes, valueBytes, headers);
    TopicSpec cached = topics.cached(topic);
    // a topic not read yet may allow more than the node's default: checked again (checkLimit)
    // once its definition is known
    long limit =
        cached != null
            ? RecordLimit.of(cached, settings)
            : Math.max(settings.maxRecordBytes(), settings.maxBatchBytes() - 64L);
    if (size > limit) {
      throw RecordLimit.tooLarge(topic, size, cached, settings);
    }
    return new Encoded(keyBytes, valueBytes, Map.copyOf(headers), size);
  }

  /**
   * Checks an encoded record against its topic's definition, once known.
   *
   * @param spec the topic
   * @param record the record
   * @throws io.skald.framework.producer.RecordTooLargeException over the topic's limit
   */
  public void checkLimit(TopicSpec spec, Encoded record) {
    if (record.size() > RecordLimit.of(spec, settings)) {
      throw RecordLimit.tooLarge(spec.name(), record.size(), spec, settings);
    }
  }

  private static <T> byte[] encode(Codec<T> codec, T value, String what) {
    byte[] bytes;
    try {
      bytes = codec.encode(value);
    } catch (CodecException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new CodecException("cannot encode the record " + what + ": " + e, e);
    }
    if (bytes == null) {
      throw new CodecException("the " + what + " codec returned null");
    }
    return bytes;
  }
}
