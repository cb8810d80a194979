package io.skald.framework.consumer;

import io.skald.framework.SkaldException;

/**
 * The failure recorded for an attempt whose handler did not complete within the subscription's
 * processing timeout. The attempt counts as failed and is retried or dead-lettered; a late
 * completion of the timed-out attempt is ignored.
 */
public final class ProcessingTimeoutException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what timed out
   */
  public ProcessingTimeoutException(String message) {
    super(message);
  }
}
