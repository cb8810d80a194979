package io.skald.framework.internal.producer;

import io.skald.framework.admin.TopicSpec;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.producer.RecordTooLargeException;

/**
 * INTERNAL API: the largest record a topic accepts: its {@link TopicSpec#maxRecordBytes()}, or the
 * node's {@code skald.framework.max-record-bytes} when it sets none. Producers check it before a
 * record is buffered; partitions check it again on append (a limit lowered since a producer read
 * the topic).
 */
public final class RecordLimit {
  private RecordLimit() {}

  /**
   * The limit for a topic.
   *
   * @param spec the topic
   * @param settings the node's settings
   * @return the largest encoded record size, in bytes
   */
  public static long of(TopicSpec spec, SkaldSettings settings) {
    return spec.maxRecordBytes() > 0 ? spec.maxRecordBytes() : settings.maxRecordBytes();
  }

  /**
   * The error for a record over a topic's limit.
   *
   * @param topic the topic
   * @param size the record's encoded size
   * @param spec the topic's definition, or null if not known yet
   * @param settings the node's settings
   * @return the exception
   */
  static RecordTooLargeException tooLarge(
      String topic, long size, TopicSpec spec, SkaldSettings settings) {
    String limit =
        spec != null && spec.maxRecordBytes() > 0
            ? "the topic's maxRecordBytes is " + spec.maxRecordBytes()
            : "the limit skald.framework.max-record-bytes is " + settings.maxRecordBytes();
    return new RecordTooLargeException(
        "record for topic '" + topic + "' is " + size + " bytes encoded; " + limit);
  }
}
