package io.skald.saga.internal.definition;

import io.skald.saga.SagaStatus;
import java.util.List;

/**
 * INTERNAL API: the command and reply records of a child-saga step. The parent sends them as any
 * step's command to its {@code <saga>.children} topic, and its fan-out (a {@link FanOut} entity)
 * answers on the parent's reply topic, so that a child-saga step has every guarantee of a step:
 * attempts, timeouts, duplicates and late replies are handled by the same rules.
 */
public final class ChildMessages {
  private ChildMessages() {}

  /**
   * Start the children (the step's command).
   *
   * @param childSaga the child saga's name
   * @param children each child's initial data (serialized as JSON objects in the record)
   * @param quorum how many must complete
   * @param nested whether the child saga starts children of its own (then, once the parent has
   *     ended for good, its completed children are told so, and release their own fan-outs)
   */
  public record StartChildren(
      String childSaga, List<Object> children, int quorum, boolean nested) {}

  /**
   * Compensate every child that completed (the step's compensation).
   *
   * @param childSaga the child saga's name
   */
  public record CompensateChildren(String childSaga) {}

  /**
   * The step's success: a quorum completed.
   *
   * @param children every child that had ended then, in index order
   */
  public record ChildrenCompleted(List<ChildResult> children) {
    /** Copies the list. */
    public ChildrenCompleted {
      children = List.copyOf(children);
    }
  }

  /**
   * The step's refusal: too many children failed to reach the quorum, and those that completed have
   * been compensated (nothing of the step is left to undo).
   *
   * @param reason which failed
   * @param children every child, ended
   */
  public record ChildrenFailed(String reason, List<ChildResult> children) {
    /** Copies the list. */
    public ChildrenFailed {
      children = List.copyOf(children);
    }
  }

  /**
   * How a child ended.
   *
   * @param sagaId the child's id
   * @param status its status
   * @param dataJson its final data
   */
  public record ChildResult(String sagaId, SagaStatus status, String dataJson) {}
}
