package io.skald.framework.internal;

import java.time.Duration;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * INTERNAL API: what every sharded, event-sourced entity of Skald shares, written once: how it
 * survives a journal failure, how it is set up (context, timers, entity id) and on which nodes it
 * runs. The plugin ids come from {@link SkaldSettings#journalPluginId()} and {@link
 * SkaldSettings#snapshotPluginId()}; Pekko's Java API makes each entity override them.
 */
public final class EntitySupport {

  /**
   * When a write or the recovery fails, the entity stops and is started again after 200 ms, then up
   * to 5 s, with 20 % jitter; Pekko's default would stop it for good. Messages sent meanwhile are
   * answered with a timeout, which every caller handles.
   */
  public static final BackoffSupervisorStrategy ON_PERSIST_FAILURE =
      SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2);

  private EntitySupport() {}

  /**
   * Creates the behaviour of one entity.
   *
   * @param <M> the entity's message type
   */
  @FunctionalInterface
  public interface Factory<M> {
    /**
     * Creates the entity.
     *
     * @param context its actor context
     * @param timers its timers
     * @param entityId its id in the entity type
     * @return the entity
     */
    EventSourcedBehavior<M, ?, ?> create(
        ActorContext<M> context, TimerScheduler<M> timers, String entityId);
  }

  /**
   * The sharded entity type of a factory, placed on the nodes of {@code skald.framework.role}.
   *
   * @param settings Skald's settings
   * @param key the entity type
   * @param factory creates one entity
   * @param <M> the message type
   * @return the entity type, ready for {@code ClusterSharding.init} (or {@code withSettings} first)
   */
  public static <M> Entity<M, ShardingEnvelope<M>> entity(
      SkaldSettings settings, EntityTypeKey<M> key, Factory<M> factory) {
    return passivating(
        settings,
        key,
        (context, timers, entityId, shard) -> factory.create(context, timers, entityId));
  }

  /**
   * Creates the behaviour of one entity that may passivate itself.
   *
   * @param <M> the entity's message type
   */
  @FunctionalInterface
  public interface PassivatingFactory<M> {
    /**
     * Creates the entity.
     *
     * @param context its actor context
     * @param timers its timers
     * @param entityId its id in the entity type
     * @param shard its shard: an entity that is done asks it to passivate it ({@link
     *     org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.Passivate}), so messages
     *     sent meanwhile reach its next incarnation instead of being lost
     * @return the entity
     */
    Behavior<M> create(
        ActorContext<M> context,
        TimerScheduler<M> timers,
        String entityId,
        org.apache.pekko.actor.typed.ActorRef<
                org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.ShardCommand>
            shard);
  }

  /**
   * The sharded entity of a type whose entities may passivate themselves.
   *
   * @param settings Skald's settings (for role placement)
   * @param key the entity type
   * @param factory creates one entity
   * @param <M> the message type
   * @return the entity, ready for {@code ClusterSharding.init}
   */
  public static <M> Entity<M, ShardingEnvelope<M>> passivating(
      SkaldSettings settings, EntityTypeKey<M> key, PassivatingFactory<M> factory) {
    return settings.placed(
        Entity.of(
            key,
            entityContext ->
                Behaviors.<M>setup(
                    context ->
                        Behaviors.withTimers(
                            timers ->
                                factory.create(
                                    context,
                                    timers,
                                    entityContext.getEntityId(),
                                    entityContext.getShard())))));
  }
}
