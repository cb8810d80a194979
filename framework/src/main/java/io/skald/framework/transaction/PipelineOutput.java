package io.skald.framework.transaction;

import java.util.Map;

/**
 * Where a {@link PipelineHandler} puts the records it produces for one input record: they are
 * written in the same transaction as the input's position, so they appear exactly once.
 *
 * @param <K> the output key type
 * @param <V> the output value type
 */
public interface PipelineOutput<K, V> {

  /**
   * Produces a record to the partition of its key.
   *
   * @param topic the topic
   * @param key the key, or null
   * @param value the value
   */
  default void send(String topic, K key, V value) {
    send(topic, key, value, Map.of());
  }

  /**
   * Produces a record with headers to the partition of its key.
   *
   * @param topic the topic
   * @param key the key, or null
   * @param value the value
   * @param headers the headers
   */
  void send(String topic, K key, V value, Map<String, String> headers);
}
