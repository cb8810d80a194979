package io.skald.saga.internal.definition;

import io.skald.saga.SagaDefinition;
import io.skald.saga.StepKind;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * INTERNAL API: renders a saga definition as a Mermaid flowchart. Forward steps are {@code s1, s2,
 * ...} (solid edges), compensations {@code c1, c2, ...} (the number of the step they undo); a
 * dotted edge labelled {@code failed} leads from each step that can fail to the compensations that
 * run then, which lead on, in reverse order, to {@code compensated}.
 */
public final class MermaidRenderer {
  private MermaidRenderer() {}

  /**
   * Renders a definition.
   *
   * @param definition the definition
   * @param <D> the data type
   * @return Mermaid source, lines ending in {@code \n}
   */
  public static <D> String render(SagaDefinition<D> definition) {
    Map<StepSpec<D>, Integer> numbers = new IdentityHashMap<>();
    StringBuilder out = new StringBuilder("flowchart TD\n");
    if (definition.version() != 1) {
      out.append("  %% ")
          .append(definition.name())
          .append(" version ")
          .append(definition.version())
          .append('\n');
    }
    out.append("  start((start))\n");
    for (StageSpec<D> stage : Definitions.stages(definition)) {
      for (StepSpec<D> step : stage.steps()) {
        int n = numbers.size() + 1;
        numbers.put(step, n);
        if (step.waits()) {
          // a parallelogram: the saga waits for the outside world
          out.append("  s").append(n).append("[/\"").append(label(stage, step)).append("\"/]\n");
        } else if (step.spawns()) {
          // a subroutine: the step runs sagas of another definition
          out.append("  s").append(n).append("[[\"").append(label(stage, step)).append("\"]]\n");
        } else {
          out.append("  s").append(n).append("[\"").append(label(stage, step)).append("\"]\n");
        }
      }
    }
    out.append("  completed((completed))\n");
    List<String> previous = List.of("start");
    for (StageSpec<D> stage : Definitions.stages(definition)) {
      List<String> current = new ArrayList<>();
      for (StepSpec<D> step : stage.steps()) {
        current.add("s" + numbers.get(step));
      }
      edges(out, previous, current, " --> ");
      previous = current;
    }
    edges(out, previous, List.of("completed"), " --> ");

    // Compensations: for each stage that can fail, the compensatable stages before it, in reverse.
    boolean anyFailure = false;
    StringBuilder undo = new StringBuilder();
    List<String> undoneSoFar = List.of("compensated");
    List<String> failureEdges = new ArrayList<>();
    List<String> parkedBy = new ArrayList<>();
    for (StageSpec<D> stage : Definitions.stages(definition)) {
      for (StepSpec<D> step : stage.steps()) {
        if (step.kind() != StepKind.RETRIABLE) {
          anyFailure = true;
          String why =
              step.waits()
                  ? "refused or no signal"
                  : step.spawns() ? "quorum out of reach" : "failed";
          for (String target : undoneSoFar) {
            failureEdges.add("  s" + numbers.get(step) + " -. " + why + " .-> " + target + "\n");
          }
        } else if (step.waits()) {
          parkedBy.add("  s" + numbers.get(step) + " -. no signal .-> parked\n");
        }
      }
      List<String> compensations = new ArrayList<>();
      for (StepSpec<D> step : stage.steps()) {
        if (step.compensatable()) {
          int n = numbers.get(step);
          compensations.add("c" + n);
          // a step that times out may have acted: it is compensated itself, then the ones before
          failureEdges.add("  s" + n + " -. timed out .-> c" + n + "\n");
          undo.append("  c")
              .append(n)
              .append("[\"undo ")
              .append(step.name())
              .append(": ")
              .append(
                  step.spawns()
                      ? "compensate completed " + escape(step.children().child().name())
                      : escape(step.compensation().name()))
              .append("\"]\n");
        }
      }
      if (!compensations.isEmpty()) {
        StringBuilder chain = new StringBuilder();
        edges(chain, compensations, undoneSoFar, " --> ");
        failureEdges.add(chain.toString());
        undoneSoFar = compensations;
      }
    }
    if (anyFailure) {
      out.append(undo);
      out.append("  compensated((compensated))\n");
      failureEdges.forEach(out::append);
    }
    boolean parkedDrawn = false;
    if (definition.deadline().isPresent()) {
      parkedDrawn = deadline(out, definition, definition.deadline().get(), anyFailure);
    }
    if (!parkedBy.isEmpty()) {
      if (!parkedDrawn) {
        out.append("  parked((parked))\n");
      }
      parkedBy.forEach(out::append);
    }
    return out.toString();
  }

  /**
   * The saga's deadline: a node with dotted edges to what it leads to — compensation (before the
   * point of no return) or an operator (parked).
   */
  private static <D> boolean deadline(
      StringBuilder out,
      SagaDefinition<D> definition,
      io.skald.saga.SagaDeadline deadline,
      boolean compensations) {
    boolean compensate = deadline.action() == io.skald.saga.SagaDeadline.Action.COMPENSATE;
    boolean pivot =
        Definitions.stages(definition).stream()
            .flatMap(stage -> stage.steps().stream())
            .anyMatch(step -> step.kind() == StepKind.PIVOT);
    out.append("  deadline{{\"saga deadline ")
        .append(deadline.within())
        .append(": ")
        .append(compensate ? "compensate" : "park")
        .append("\"}}\n");
    if (compensate && compensations) {
      out.append("  deadline -. passed .-> compensated\n");
    }
    if (!compensate || pivot || !compensations) {
      out.append("  parked((parked))\n");
      out.append("  deadline -. ")
          .append(compensate ? "passed after the pivot" : "passed")
          .append(" .-> parked\n");
      return true;
    }
    return false;
  }

  private static void edges(StringBuilder out, List<String> from, List<String> to, String arrow) {
    for (String f : from) {
      for (String t : to) {
        out.append("  ").append(f).append(arrow).append(t).append('\n');
      }
    }
  }

  private static <D> String label(StageSpec<D> stage, StepSpec<D> step) {
    StringBuilder label = new StringBuilder();
    if (stage.parallel()) {
      label.append(stage.name()).append(" / ");
    }
    if (step.waits()) {
      label
          .append(step.name())
          .append(": awaits ")
          .append(escape(step.signal().getSimpleName()))
          .append(" within ")
          .append(step.timeout());
      if (step.condition() != null) {
        label.append(" (conditional)");
      }
      return label.toString();
    }
    if (step.spawns()) {
      int quorum = step.children().quorum();
      label
          .append(step.name())
          .append(": starts ")
          .append(escape(step.children().child().name()))
          .append(" per element, ")
          .append(quorum == ChildrenSpec.ALL ? "all" : "quorum " + quorum)
          .append(" within ")
          .append(step.timeout());
      if (step.condition() != null) {
        label.append(" (conditional)");
      }
      return label.toString();
    }
    label.append(step.name()).append(": ").append(escape(step.endpoint().name()));
    if (step.kind() == StepKind.PIVOT) {
      label.append(" (pivot)");
    } else if (step.kind() == StepKind.RETRIABLE) {
      label.append(" (retriable)");
    }
    if (step.condition() != null) {
      label.append(" (conditional)");
    }
    return label.toString();
  }

  private static String escape(String text) {
    return text.replace("\"", "#quot;");
  }

  /**
   * Renders a definition with an instance's progress: steps that succeeded in green, steps that
   * failed in red, compensated steps' compensations in amber.
   *
   * @param definition the definition
   * @param view the instance
   * @param <D> the data type
   * @return Mermaid source
   */
  public static <D> String render(SagaDefinition<D> definition, io.skald.saga.SagaView<?> view) {
    StringBuilder out = new StringBuilder(render(definition));
    List<String> done = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    List<String> undone = new ArrayList<>();
    int n = 0;
    for (StageSpec<D> stage : Definitions.stages(definition)) {
      for (StepSpec<D> step : stage.steps()) {
        n++;
        for (io.skald.saga.SagaView.Step s : view.steps()) {
          if (!s.name().equals(step.name())) {
            continue;
          }
          if (s.forward() == io.skald.saga.StepPhase.SUCCEEDED) {
            done.add("s" + n);
          } else if (s.forward() == io.skald.saga.StepPhase.FAILED) {
            failed.add("s" + n);
          }
          if (s.compensation() == io.skald.saga.StepPhase.SUCCEEDED && step.compensatable()) {
            undone.add("c" + n);
          }
        }
      }
    }
    out.append("  classDef done fill:#c8f7c5,stroke:#2e7d32\n");
    out.append("  classDef failed fill:#f8c4c4,stroke:#c62828\n");
    out.append("  classDef undone fill:#fde7b0,stroke:#ef6c00\n");
    classes(out, done, "done");
    classes(out, failed, "failed");
    classes(out, undone, "undone");
    return out.toString();
  }

  private static void classes(StringBuilder out, List<String> nodes, String name) {
    if (!nodes.isEmpty()) {
      out.append("  class ").append(String.join(",", nodes)).append(' ').append(name).append('\n');
    }
  }
}
