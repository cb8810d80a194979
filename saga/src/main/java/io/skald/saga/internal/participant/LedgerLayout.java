package io.skald.saga.internal.participant;

import io.skald.saga.internal.SagaRuntimeSettings;
import io.skald.saga.internal.SagaSerializable;
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
 * INTERNAL API: how many ledger buckets a participant service has, fixed the first time the service
 * runs. The bucket of a saga id depends on that number, so changing {@code
 * skald.saga.participant.ledger-buckets} later would send every instance to another bucket, where
 * none of its remembered keys is: the first number wins, and a different setting is reported.
 */
public final class LedgerLayout
    extends EventSourcedBehavior<LedgerLayout.Resolve, LedgerLayout.Fixed, LedgerLayout.Layout> {

  /** The entity type. */
  public static final EntityTypeKey<Resolve> TYPE_KEY =
      EntityTypeKey.create(Resolve.class, "skald-saga-ledger-layout");

  /**
   * Asks for the service's bucket count, fixing it to {@code requested} if none is yet.
   *
   * @param requested the configured count
   * @param replyTo receives the count in force
   */
  public record Resolve(int requested, ActorRef<Integer> replyTo) implements SagaSerializable {}

  /**
   * Persisted: the service's bucket count was fixed.
   *
   * @param buckets the count
   */
  public record Fixed(int buckets) implements SagaSerializable {}

  /**
   * The bucket count in force.
   *
   * @param buckets the count, or 0 before it is fixed
   */
  public record Layout(int buckets) implements SagaSerializable {}

  /**
   * The layout of a service.
   *
   * @param system the actor system
   * @param service the participant service
   * @return the entity reference
   */
  public static EntityRef<Resolve> ref(ActorSystem<?> system, String service) {
    return ClusterSharding.get(system).entityRefFor(TYPE_KEY, service);
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
                    TYPE_KEY, ctx -> new LedgerLayout(ctx.getEntityId(), journal, snapshots))));
  }

  private final String journal;
  private final String snapshots;

  private LedgerLayout(String service, String journal, String snapshots) {
    super(PersistenceId.of(TYPE_KEY.name(), service), SagaRuntimeSettings.ON_PERSIST_FAILURE);
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
  public Layout emptyState() {
    return new Layout(0);
  }

  @Override
  public CommandHandler<Resolve, Fixed, Layout> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(
            Resolve.class,
            (layout, resolve) ->
                layout.buckets() > 0
                    ? Effect().none().thenRun(s -> resolve.replyTo().tell(s.buckets()))
                    : Effect()
                        .persist(new Fixed(resolve.requested()))
                        .thenRun(s -> resolve.replyTo().tell(s.buckets())))
        .build();
  }

  @Override
  public EventHandler<Layout, Fixed> eventHandler() {
    return (layout, fixed) -> new Layout(fixed.buckets());
  }
}
