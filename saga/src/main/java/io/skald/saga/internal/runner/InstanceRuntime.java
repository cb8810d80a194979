package io.skald.saga.internal.runner;

import io.skald.saga.internal.engine.Transitions;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * INTERNAL API: what all {@link SagaInstance}s of a saga share.
 *
 * @param typeKey the entity type
 * @param transitions the rules of the newest version: what new instances run
 * @param versions the rules of every version registered, by version (the newest among them)
 * @param sender acts on running attempts
 * @param index receives status changes
 * @param indexTimeout how long an instance waits for the index to acknowledge a status
 * @param snapshotEvery events between snapshots of an instance
 * @param journalPluginId the journal
 * @param snapshotPluginId the snapshot store
 * @param <D> the data type
 */
public record InstanceRuntime<D>(
    EntityTypeKey<InstanceProtocol.Command> typeKey,
    Transitions<D> transitions,
    java.util.Map<Integer, Transitions<D>> versions,
    Sender<D> sender,
    EntityRef<SagaIndex.Command> index,
    java.time.Duration indexTimeout,
    int snapshotEvery,
    String journalPluginId,
    String snapshotPluginId,
    SagaMeters meters) {}
