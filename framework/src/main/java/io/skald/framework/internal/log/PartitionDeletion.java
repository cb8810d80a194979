package io.skald.framework.internal.log;

import com.typesafe.config.ConfigFactory;
import io.skald.framework.internal.SkaldSettings;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.DeleteMessagesFailure;
import org.apache.pekko.persistence.DeleteMessagesSuccess;
import org.apache.pekko.persistence.DeleteSnapshotsFailure;
import org.apache.pekko.persistence.DeleteSnapshotsSuccess;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.persistence.SnapshotProtocol;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;
import org.slf4j.Logger;

/**
 * INTERNAL API: the deletion of a partition's data when its topic is deleted: every journal event
 * and every snapshot of the partition's persistence id, asked of the journal and the snapshot store
 * directly, and answered once both confirmed (or one failed).
 */
final class PartitionDeletion {

  /** Where a deletion is after a reply. */
  enum Progress {
    PENDING,
    DONE,
    FAILED
  }

  private final List<ActorRef<PartitionProtocol.LogDeleted>> waiting = new ArrayList<>();
  private int confirmed;

  private PartitionDeletion(ActorRef<PartitionProtocol.LogDeleted> replyTo) {
    waiting.add(replyTo);
  }

  /**
   * Asks the journal and the snapshot store to delete everything of the partition.
   *
   * @param context the partition's context
   * @param settings Skald's settings (the plugins)
   * @param persistenceId the partition's persistence id
   * @param replyTo told the outcome
   * @param replies the partition's adapter for the plugins' answers
   * @return the deletion under way
   */
  static PartitionDeletion start(
      ActorContext<?> context,
      SkaldSettings settings,
      String persistenceId,
      ActorRef<PartitionProtocol.LogDeleted> replyTo,
      ActorRef<Object> replies) {
    Persistence persistence = Persistence.get(Adapter.toClassic(context.getSystem()));
    persistence
        .journalFor(settings.journalPluginId(), ConfigFactory.empty())
        .tell(
            new JournalProtocol.DeleteMessagesTo(
                persistenceId, Long.MAX_VALUE, Adapter.toClassic(replies)),
            org.apache.pekko.actor.ActorRef.noSender());
    persistence
        .snapshotStoreFor(settings.snapshotPluginId(), ConfigFactory.empty())
        .tell(
            new SnapshotProtocol.DeleteSnapshots(persistenceId, SnapshotSelectionCriteria.latest()),
            Adapter.toClassic(replies));
    return new PartitionDeletion(replyTo);
  }

  /**
   * Answers one more requester when the deletion under way ends.
   *
   * @param replyTo told the outcome
   */
  void alsoAnswer(ActorRef<PartitionProtocol.LogDeleted> replyTo) {
    waiting.add(replyTo);
  }

  /**
   * Takes an answer of the journal or the snapshot store.
   *
   * @param message the answer
   * @param log the partition's log
   * @param persistenceId the partition's persistence id
   * @return done (both confirmed: the requesters were told), failed (they were told why), or
   *     pending
   */
  Progress onReply(Object message, Logger log, String persistenceId) {
    String error = null;
    if (message instanceof DeleteMessagesFailure f) {
      error = "deleting the journal events failed: " + f.cause();
    } else if (message instanceof DeleteSnapshotsFailure f) {
      error = "deleting the snapshots failed: " + f.cause();
    } else if (!(message instanceof DeleteMessagesSuccess)
        && !(message instanceof DeleteSnapshotsSuccess)) {
      return Progress.PENDING;
    }
    if (error != null) {
      log.warn("{}: {}", persistenceId, error);
      tell(new PartitionProtocol.LogDeleted(error));
      return Progress.FAILED;
    }
    if (++confirmed < 2) {
      return Progress.PENDING;
    }
    tell(new PartitionProtocol.LogDeleted(null));
    return Progress.DONE;
  }

  private void tell(PartitionProtocol.LogDeleted outcome) {
    waiting.forEach(r -> r.tell(outcome));
  }
}
