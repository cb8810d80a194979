package io.skald.framework.admin;

import io.skald.framework.SkaldException;
import java.util.List;

/**
 * Raised when a topic is created again with a definition that differs from the existing one, or
 * when an existing topic cannot take a requested change; {@link #differences()} names the settings.
 */
public final class TopicConflictException extends SkaldException {
  private static final long serialVersionUID = 1L;

  /** The settings in conflict (an immutable list). */
  private final List<TopicDifference> differences;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the offending values
   * @param differences the settings in conflict
   */
  public TopicConflictException(String message, List<TopicDifference> differences) {
    super(message);
    this.differences = List.copyOf(differences);
  }

  /**
   * The settings in which the stored topic and the request differ.
   *
   * @return the differences, in {@link TopicSetting} order
   */
  public List<TopicDifference> differences() {
    return differences;
  }
}
