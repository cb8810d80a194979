package io.skald.framework.consumer;

import io.skald.framework.SkaldException;

/**
 * Thrown by a {@link RecordHandler} (or used to fail its stage) to reject a record for good: it is
 * not retried but sent to the subscription's dead-letter topic at once, with this exception's
 * message as the cause.
 * <!-- snippet: jd-reject -->
 *
 * <pre>{@code
 * RecordHandler<String, Order> checked =
 *     record -> {
 *       if (record.value().quantity() < 0) {
 *         throw new RejectRecordException("negative quantity"); // dead-lettered, not retried
 *       }
 *       return process(record);
 *     };
 * }</pre>
 */
public final class RejectRecordException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param reason why the record is rejected
   */
  public RejectRecordException(String reason) {
    super(reason);
  }
}
