package io.skald.saga.internal;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.persistence.SnapshotProtocol;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;

/**
 * INTERNAL API: deletions asked of the journal and the snapshot store directly, for what an entity
 * knows it will never read again (a fan-out whose parent ended, a lock holder that holds nothing,
 * an index's summaries past their retention). Fire and forget: a deletion that fails leaves the
 * data in place, which is harmless, and is logged by the plugin.
 */
public final class SagaJournals {
  private SagaJournals() {}

  /**
   * Deletes a persistence id's events up to a sequence number.
   *
   * @param system the actor system
   * @param journal the journal plugin id
   * @param persistenceId the persistence id
   * @param toSequenceNr the last event to delete ({@code Long.MAX_VALUE}: all)
   */
  public static void deleteEvents(
      ActorSystem<?> system, String journal, String persistenceId, long toSequenceNr) {
    Persistence.get(Adapter.toClassic(system))
        .journalFor(journal, ConfigFactory.empty())
        .tell(
            new JournalProtocol.DeleteMessagesTo(
                persistenceId, toSequenceNr, Adapter.toClassic(system.ignoreRef())),
            org.apache.pekko.actor.ActorRef.noSender());
  }

  /**
   * Deletes every snapshot of a persistence id.
   *
   * @param system the actor system
   * @param snapshots the snapshot plugin id
   * @param persistenceId the persistence id
   */
  public static void deleteSnapshots(
      ActorSystem<?> system, String snapshots, String persistenceId) {
    Persistence.get(Adapter.toClassic(system))
        .snapshotStoreFor(snapshots, ConfigFactory.empty())
        .tell(
            new SnapshotProtocol.DeleteSnapshots(persistenceId, SnapshotSelectionCriteria.latest()),
            Adapter.toClassic(system.ignoreRef()));
  }
}
