package io.skald.framework.consumer;

import io.skald.framework.SkaldException;

/**
 * A shared subscription's lease on a record ended before the member used it: the visibility timeout
 * passed and the record may be with another member, or it was released. See {@link RecordLease}.
 */
public final class LeaseLostException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was refused and why
   */
  public LeaseLostException(String message) {
    super(message);
  }
}
