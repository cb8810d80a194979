package io.skald.framework.producer;

/**
 * Raised when a record's encoded size exceeds its topic's {@link
 * io.skald.framework.admin.TopicSpec#maxRecordBytes()} or, when the topic sets none, {@code
 * skald.framework.max-record-bytes}.
 */
public final class RecordTooLargeException extends InvalidRecordException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the offending value
   */
  public RecordTooLargeException(String message) {
    super(message);
  }
}
