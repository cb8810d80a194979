package io.skald.framework.producer;

import io.skald.framework.stream.SkaldStreams;
import java.util.Map;
import java.util.Objects;

/**
 * A record to produce through {@link SkaldStreams#producerFlow} or {@link
 * SkaldStreams#producerSink}.
 *
 * @param topic the topic
 * @param key the key, or null
 * @param value the value
 * @param headers the headers
 * @param <K> the key type
 * @param <V> the value type
 */
public record ProducerRecord<K, V>(String topic, K key, V value, Map<String, String> headers) {

  /**
   * Copies the headers.
   *
   * @param topic the topic
   * @param key the key, or null
   * @param value the value
   * @param headers the headers
   */
  public ProducerRecord {
    Objects.requireNonNull(topic, "topic");
    headers = Map.copyOf(headers);
  }

  /**
   * A record without headers.
   *
   * @param topic the topic
   * @param key the key or null
   * @param value the value
   * @param <K> the key type
   * @param <V> the value type
   * @return the record
   */
  public static <K, V> ProducerRecord<K, V> of(String topic, K key, V value) {
    return new ProducerRecord<>(topic, key, value, Map.of());
  }
}
