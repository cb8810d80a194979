package io.skald.saga;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/**
 * What an operator can do to a running or parked saga instance ({@link SagaRunner#retry}, {@link
 * SagaRunner#skip}, {@link SagaRunner#compensate}, {@link SagaRunner#abort}).
 *
 * <p>Persisted in the instance's journal by its {@link #wireName() wire name} ({@code "retry"}, …),
 * which never changes, whatever the constant is called in Java.
 */
public enum OperatorAction {
  /** Run the parked step again from its first attempt. */
  RETRY,
  /** Mark the parked step as succeeded without running it and go on. */
  SKIP,
  /** Undo the completed steps in reverse order (or retry a parked compensation). */
  COMPENSATE,
  /** Stop the instance as {@link SagaStatus#ABORTED}: nothing more runs or is undone. */
  ABORT;

  /**
   * The stable name written to the journal and shown in a saga's history.
   *
   * @return {@code "retry"}, {@code "skip"}, {@code "compensate"} or {@code "abort"}
   */
  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The action of a wire name.
   *
   * @param name a {@link #wireName()}
   * @return the action
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  @JsonCreator
  public static OperatorAction ofWireName(String name) {
    for (OperatorAction action : values()) {
      if (action.wireName().equals(name)) {
        return action;
      }
    }
    throw new IllegalArgumentException(
        "unknown operator action '"
            + name
            + "'; expected one of "
            + Arrays.stream(values()).map(OperatorAction::wireName).toList());
  }
}
