package io.skald.saga.internal.definition;

import io.skald.saga.SagaDefinition;
import io.skald.saga.SagaStatus;
import io.skald.saga.internal.SagaJson;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * INTERNAL API: what a child-saga step starts ({@link SagaDefinition.Steps#startChildren}).
 *
 * @param child the child saga's definition
 * @param children the children's initial data from the parent's
 * @param quorum how many children must complete (at most the number of children)
 * @param fold folds the completed children's data into the parent's, or null
 * @param <D> the parent's data type
 * @param <C> the child's data type
 */
public record ChildrenSpec<D, C>(
    SagaDefinition<C> child,
    Function<D, List<C>> children,
    int quorum,
    BiFunction<D, List<C>, D> fold) {

  private static final SagaJson JSON = new SagaJson();

  /** All children. */
  public static final int ALL = Integer.MAX_VALUE;

  /**
   * The step's command.
   *
   * @param data the parent's data
   * @return the command
   */
  ChildMessages.StartChildren command(D data) {
    List<C> list = children.apply(data);
    if (list == null) {
      throw new IllegalStateException("the children function returned null");
    }
    return new ChildMessages.StartChildren(
        child.name(), new ArrayList<>(list), quorum, !Definitions.children(child).isEmpty());
  }

  /**
   * The parent's data once a quorum completed.
   *
   * @param data the parent's data
   * @param completed the step's reply
   * @return the new data
   */
  D onCompleted(D data, ChildMessages.ChildrenCompleted completed) {
    if (fold == null) {
      return data;
    }
    List<C> done = new ArrayList<>();
    for (ChildMessages.ChildResult r : completed.children()) {
      if (r.status() == SagaStatus.COMPLETED) {
        done.add(JSON.read(r.dataJson(), child.dataType()));
      }
    }
    return fold.apply(data, done);
  }
}
