package io.skald.framework.internal.deadletter;

import io.skald.framework.TopicPartition;
import io.skald.framework.deadletter.DeadLetterReason;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * INTERNAL API: the headers Skald adds to a record it dead-letters. They are stripped again when
 * the record is replayed to its original topic.
 */
public final class DeadLetterHeaders {
  /** Prefix of every dead-letter header. */
  public static final String PREFIX = "skald.dlq.";

  /** The original topic. */
  public static final String TOPIC = PREFIX + "topic";

  /** The original partition. */
  public static final String PARTITION = PREFIX + "partition";

  /** The original offset. */
  public static final String OFFSET = PREFIX + "offset";

  /** The consumer group that gave up. */
  public static final String GROUP = PREFIX + "group";

  /** Attempts made. */
  public static final String ATTEMPTS = PREFIX + "attempts";

  /** Time of the first failed attempt, ISO-8601. */
  public static final String FIRST_FAILURE = PREFIX + "first-failure";

  /** Time of the last failed attempt, ISO-8601. */
  public static final String LAST_FAILURE = PREFIX + "last-failure";

  /** Class of the last failure. */
  public static final String ERROR_CLASS = PREFIX + "error-class";

  /** Message of the last failure (at most 2,000 characters). */
  public static final String ERROR_MESSAGE = PREFIX + "error-message";

  /** Why: {@code rejected}, {@code non-retryable} or {@code retries-exhausted}. */
  public static final String REASON = PREFIX + "reason";

  private DeadLetterHeaders() {}

  public static Map<String, String> of(
      Map<String, String> original,
      TopicPartition tp,
      long offset,
      String group,
      int attempts,
      Instant firstFailure,
      Instant lastFailure,
      Throwable error,
      DeadLetterReason reason) {
    Map<String, String> headers = new LinkedHashMap<>(withoutDeadLetterHeaders(original));
    headers.put(TOPIC, tp.topic());
    headers.put(PARTITION, Integer.toString(tp.partition()));
    headers.put(OFFSET, Long.toString(offset));
    headers.put(GROUP, group);
    headers.put(ATTEMPTS, Integer.toString(attempts));
    headers.put(FIRST_FAILURE, firstFailure.toString());
    headers.put(LAST_FAILURE, lastFailure.toString());
    headers.put(ERROR_CLASS, error.getClass().getName());
    String message = String.valueOf(error.getMessage());
    headers.put(ERROR_MESSAGE, message.length() > 2000 ? message.substring(0, 2000) : message);
    headers.put(REASON, reason.header());
    return headers;
  }

  /**
   * The headers without Skald's dead-letter headers.
   *
   * @param headers record headers
   * @return a copy without {@code skald.dlq.*}
   */
  public static Map<String, String> withoutDeadLetterHeaders(Map<String, String> headers) {
    Map<String, String> copy = new LinkedHashMap<>();
    headers.forEach(
        (k, v) -> {
          if (!k.startsWith(PREFIX)) {
            copy.put(k, v);
          }
        });
    return copy;
  }
}
