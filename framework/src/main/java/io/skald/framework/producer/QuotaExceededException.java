package io.skald.framework.producer;

import io.skald.framework.SkaldException;

/**
 * A send over a {@link RateLimit} whose policy is {@link RateLimit.WhenExceeded#REFUSE}: the record
 * was not sent and took none of the limit. Retry after {@link #retryAfterMillis()}.
 */
public final class QuotaExceededException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /** When the limit would allow the record, in milliseconds. */
  private final long retryAfterMillis;

  /**
   * Creates the exception.
   *
   * @param message which limit, of which topic
   * @param retryAfterMillis when the limit would allow the record
   */
  public QuotaExceededException(String message, long retryAfterMillis) {
    super(message);
    this.retryAfterMillis = retryAfterMillis;
  }

  /**
   * How long until the limit would allow the record.
   *
   * @return milliseconds
   */
  public long retryAfterMillis() {
    return retryAfterMillis;
  }
}
