package io.skald.framework.deadletter;

import io.skald.framework.TopicPartition;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * A record in a dead-letter topic, with the context of its failure.
 *
 * @param dlqOffset its offset in the dead-letter topic (the id to replay it by)
 * @param original where the record came from
 * @param originalOffset its offset there
 * @param key the original key bytes, or null
 * @param value the original value bytes, or null for a tombstone
 * @param headers the original headers (without the dead-letter headers)
 * @param attempts how many attempts were made
 * @param reason why it was dead-lettered, or null for a record that Skald's dead-lettering did not
 *     write (produced to the dead-letter topic by other means)
 * @param errorClass the class of the last failure
 * @param errorMessage the message of the last failure
 * @param firstFailure when the first attempt failed
 * @param lastFailure when the last attempt failed
 */
public record DeadLetter(
    long dlqOffset,
    TopicPartition original,
    long originalOffset,
    byte[] key,
    byte[] value,
    Map<String, String> headers,
    int attempts,
    DeadLetterReason reason,
    String errorClass,
    String errorMessage,
    Instant firstFailure,
    Instant lastFailure) {

  /**
   * Copies the headers.
   *
   * @param dlqOffset its offset in the dead-letter topic (the id to replay it by)
   * @param original where the record came from
   * @param originalOffset its offset there
   * @param key the original key bytes, or null
   * @param value the original value bytes, or null for a tombstone
   * @param headers the original headers (without the dead-letter headers)
   * @param attempts how many attempts were made
   * @param reason why it was dead-lettered, or null for a record that Skald's dead-lettering did
   *     not write (produced to the dead-letter topic by other means)
   * @param errorClass the class of the last failure
   * @param errorMessage the message of the last failure
   * @param firstFailure when the first attempt failed
   * @param lastFailure when the last attempt failed
   */
  public DeadLetter {
    headers = Map.copyOf(headers);
  }

  /**
   * The value as UTF-8 text, for inspection.
   *
   * @return the value decoded as UTF-8
   */
  public String valueAsString() {
    return new String(value, StandardCharsets.UTF_8);
  }

  /**
   * The key as UTF-8 text, for inspection.
   *
   * @return the key decoded as UTF-8, or null
   */
  public String keyAsString() {
    return key == null ? null : new String(key, StandardCharsets.UTF_8);
  }
}
