package io.skald.saga.internal.runner;

import io.skald.saga.SagaDefinition;
import io.skald.saga.StepKind;
import io.skald.saga.internal.SagaRuntimeSettings;
import io.skald.saga.internal.SagaSerializable;
import io.skald.saga.internal.definition.Definitions;
import io.skald.saga.internal.definition.StageSpec;
import io.skald.saga.internal.definition.StepSpec;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * INTERNAL API: the shape of the definition a saga's instances run (its steps, their kinds and
 * stages), remembered across deployments, one entity per saga and mode. Instances store no
 * definition: they replay their events under whatever definition is registered, and look steps up
 * by name. So a registration is checked against the remembered shape: one that only appends steps
 * after the last is accepted (an instance in flight meets the new steps after the ones it knows);
 * one that renames, removes, reorders or changes the kind of a step would wedge or silently alter
 * instances in flight, and is refused while any is in flight, with a message naming the step. With
 * none in flight, any change is accepted and becomes the remembered shape.
 */
public final class DefinitionCatalog
    extends EventSourcedBehavior<
        DefinitionCatalog.Register, DefinitionCatalog.Registered, DefinitionCatalog.Shape> {

  /** The entity type. */
  public static final EntityTypeKey<Register> TYPE_KEY =
      EntityTypeKey.create(Register.class, "skald-saga-definition-catalog");

  /**
   * One step as the catalog compares it.
   *
   * @param name the step
   * @param kind its kind
   * @param stage the index of its stage
   * @param waits true for a step that waits for a signal (absent, so false, in shapes registered
   *     before waits existed)
   */
  public record StepShape(String name, StepKind kind, int stage, boolean waits)
      implements SagaSerializable {
    /**
     * A step that sends a command.
     *
     * @param name the step
     * @param kind its kind
     * @param stage the index of its stage
     */
    public StepShape(String name, StepKind kind, int stage) {
      this(name, kind, stage, false);
    }

    @Override
    public String toString() {
      return name
          + " ("
          + (waits ? "wait, " : "")
          + kind.name().toLowerCase(java.util.Locale.ROOT)
          + ")";
    }
  }

  /**
   * Registers a definition's shape.
   *
   * @param steps its steps in order
   * @param inFlight how many of its instances are running, compensating or parked
   * @param replyTo receives null if accepted, else why not
   */
  public record Register(List<StepShape> steps, long inFlight, ActorRef<Verdict> replyTo)
      implements SagaSerializable {}

  /**
   * The answer to {@link Register}.
   *
   * @param refusal why the definition is refused, or null when it is accepted
   */
  public record Verdict(String refusal) implements SagaSerializable {}

  /**
   * Persisted: the shape registered.
   *
   * @param steps its steps in order
   * @param at when
   */
  public record Registered(List<StepShape> steps, long at) implements SagaSerializable {
    /** Copies the list. */
    public Registered {
      steps = List.copyOf(steps);
    }
  }

  /**
   * The remembered shape.
   *
   * @param steps its steps in order, empty before the first registration
   */
  public record Shape(List<StepShape> steps) implements SagaSerializable {
    /** Copies the list. */
    public Shape {
      steps = List.copyOf(steps);
    }
  }

  /**
   * The shape of a definition.
   *
   * @param definition the definition
   * @param <D> the data type
   * @return its steps in order
   */
  public static <D> List<StepShape> shape(SagaDefinition<D> definition) {
    List<StepShape> steps = new ArrayList<>();
    List<StageSpec<D>> stages = Definitions.stages(definition);
    for (int i = 0; i < stages.size(); i++) {
      for (StepSpec<D> step : stages.get(i).steps()) {
        steps.add(new StepShape(step.name(), step.kind(), i, step.waits()));
      }
    }
    return steps;
  }

  /**
   * Why a new shape must not replace the remembered one while instances are in flight, or null if
   * it only appends steps.
   *
   * @param saga the saga's name, for the message
   * @param before the remembered shape
   * @param after the new one
   * @return the first incompatible change, described, or null
   */
  static String incompatibility(String saga, List<StepShape> before, List<StepShape> after) {
    for (int i = 0; i < before.size(); i++) {
      StepShape old = before.get(i);
      StepShape now = i < after.size() ? after.get(i) : null;
      if (now != null && now.equals(old)) {
        continue;
      }
      boolean elsewhere = after.stream().anyMatch(s -> s.name().equals(old.name()));
      if (now == null || !elsewhere) {
        return "step '"
            + old.name()
            + "' of the registered definition is missing (renamed or removed?)";
      }
      if (now.name().equals(old.name())) {
        return now.kind() != old.kind() || now.waits() != old.waits()
            ? "step '" + old.name() + "' changed from " + old + " to " + now
            : "step '" + old.name() + "' moved to another stage";
      }
      return "step '"
          + now.name()
          + "' is new at position "
          + (i + 1)
          + ", before '"
          + old.name()
          + "' (instances past it would run it after later steps); add steps after '"
          + before.get(before.size() - 1).name()
          + "' only";
    }
    return null;
  }

  /**
   * The catalog entry of a saga.
   *
   * @param system the actor system
   * @param id the saga's name, prefixed by its mode
   * @return the entity reference
   */
  public static EntityRef<Register> ref(ActorSystem<?> system, String id) {
    return ClusterSharding.get(system).entityRefFor(TYPE_KEY, id);
  }

  /**
   * Registers the entity type.
   *
   * @param system the actor system
   * @param journal the journal plugin id
   * @param snapshots the snapshot plugin id
   */
  public static void init(ActorSystem<?> system, String journal, String snapshots) {
    ClusterSharding.get(system)
        .init(
            SagaRuntimeSettings.placed(
                system,
                Entity.of(
                    TYPE_KEY,
                    ctx -> new DefinitionCatalog(ctx.getEntityId(), journal, snapshots))));
  }

  private final String id;
  private final String journal;
  private final String snapshots;

  private DefinitionCatalog(String id, String journal, String snapshots) {
    super(PersistenceId.of(TYPE_KEY.name(), id), SagaRuntimeSettings.ON_PERSIST_FAILURE);
    this.id = id;
    this.journal = journal;
    this.snapshots = snapshots;
  }

  @Override
  public String journalPluginId() {
    return journal;
  }

  @Override
  public String snapshotPluginId() {
    return snapshots;
  }

  @Override
  public Shape emptyState() {
    return new Shape(List.of());
  }

  @Override
  public CommandHandler<Register, Registered, Shape> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(
            Register.class,
            (shape, register) -> {
              if (shape.steps().equals(register.steps())) {
                return Effect().none().thenRun(s -> register.replyTo().tell(new Verdict(null)));
              }
              String change =
                  shape.steps().isEmpty()
                      ? null
                      : incompatibility(id, shape.steps(), register.steps());
              if (change != null && register.inFlight() > 0) {
                String refusal =
                    "saga '"
                        + id.substring(id.indexOf(':') + 1)
                        + "': "
                        + change
                        + ", and "
                        + register.inFlight()
                        + " instance(s) are in flight, which replay their steps by name under the"
                        + " definition registered now; register the change as a new version"
                        + " (Steps.version) alongside this one, let them end (or abort them)"
                        + " first, or keep the registered steps and add new ones after the last."
                        + " Registered: "
                        + shape.steps()
                        + "; this one: "
                        + register.steps();
                return Effect().none().thenRun(s -> register.replyTo().tell(new Verdict(refusal)));
              }
              return Effect()
                  .persist(new Registered(register.steps(), System.currentTimeMillis()))
                  .thenRun(s -> register.replyTo().tell(new Verdict(null)));
            })
        .build();
  }

  @Override
  public EventHandler<Shape, Registered> eventHandler() {
    return (shape, registered) -> new Shape(registered.steps());
  }
}
