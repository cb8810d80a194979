package io.skald.saga.internal.definition;

import io.skald.saga.SagaDefinition;
import java.util.List;
import java.util.Objects;

/**
 * INTERNAL API: how the saga module's internals build a {@link SagaDefinition} and read its stages,
 * without either appearing in the public API. {@code SagaDefinition} registers the {@link Access}
 * to its private constructor and field when it is initialized (the JDK's "shared secrets" pattern),
 * so its public surface stays the DSL, the name, the data type and the diagram.
 */
public final class Definitions {
  /** What {@link SagaDefinition} lets the internals do. */
  public interface Access {
    /**
     * A definition of validated stages.
     *
     * @param name the saga name
     * @param dataType the data type
     * @param stages the stages, in order
     * @param deadline the saga's deadline, or null
     * @param version the definition's version, from 1
     * @param <D> the data type
     * @return the definition
     */
    <D> SagaDefinition<D> create(
        String name,
        Class<D> dataType,
        List<StageSpec<D>> stages,
        io.skald.saga.SagaDeadline deadline,
        int version);

    /**
     * The stages of a definition.
     *
     * @param definition the definition
     * @param <D> the data type
     * @return its stages, in order (a stage is one step, or the branches of a parallel step)
     */
    <D> List<StageSpec<D>> stages(SagaDefinition<D> definition);
  }

  private static volatile Access access;

  private Definitions() {}

  /**
   * Called once, by {@code SagaDefinition}'s static initializer.
   *
   * @param implementation the access
   */
  public static void register(Access implementation) {
    access = Objects.requireNonNull(implementation);
  }

  private static Access access() {
    Access a = access;
    if (a == null) {
      try { // initializing the class registers it
        Class.forName(SagaDefinition.class.getName(), true, SagaDefinition.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(e);
      }
      a = access;
    }
    return a;
  }

  /**
   * A definition of validated stages.
   *
   * @param name the saga name
   * @param dataType the data type
   * @param stages the stages, in order
   * @param deadline the saga's deadline, or null
   * @param version the definition's version, from 1
   * @param <D> the data type
   * @return the definition
   */
  public static <D> SagaDefinition<D> create(
      String name,
      Class<D> dataType,
      List<StageSpec<D>> stages,
      io.skald.saga.SagaDeadline deadline,
      int version) {
    return access().create(name, dataType, stages, deadline, version);
  }

  /**
   * The stages of a definition.
   *
   * @param definition the definition
   * @param <D> the data type
   * @return its stages, in order
   */
  public static <D> List<StageSpec<D>> stages(SagaDefinition<D> definition) {
    return access().stages(definition);
  }

  /**
   * The child sagas a definition's child-saga steps start.
   *
   * @param definition the definition
   * @return the child definitions, in step order, without repeats
   */
  public static List<io.skald.saga.SagaDefinition<?>> children(
      io.skald.saga.SagaDefinition<?> definition) {
    List<io.skald.saga.SagaDefinition<?>> children = new java.util.ArrayList<>();
    for (StageSpec<?> stage : stages(definition)) {
      for (StepSpec<?> step : stage.steps()) {
        if (step.spawns() && !children.contains(step.children().child())) {
          children.add(step.children().child());
        }
      }
    }
    return children;
  }
}
