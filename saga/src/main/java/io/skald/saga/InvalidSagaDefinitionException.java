package io.skald.saga;

import io.skald.framework.SkaldException;

/** A saga definition breaks a rule; the message names the step and the rule. */
public class InvalidSagaDefinitionException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which step breaks which rule, and how to fix it
   */
  public InvalidSagaDefinitionException(String message) {
    super(message);
  }
}
