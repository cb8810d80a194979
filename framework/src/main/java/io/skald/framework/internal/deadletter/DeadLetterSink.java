package io.skald.framework.internal.deadletter;

import io.skald.framework.producer.RecordMetadata;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * INTERNAL API: where a consumer writes records that failed for good: the subscription's
 * dead-letter topic, with durable acknowledgement.
 */
@FunctionalInterface
public interface DeadLetterSink {

  /**
   * Writes a dead letter.
   *
   * @param key the original key bytes, or null
   * @param value the original value bytes
   * @param headers the original headers plus the {@code skald.dlq.*} headers
   * @return completes when the dead letter is durable
   */
  CompletionStage<RecordMetadata> send(byte[] key, byte[] value, Map<String, String> headers);
}
