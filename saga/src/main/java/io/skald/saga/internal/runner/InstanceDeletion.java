package io.skald.saga.internal.runner;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.DeleteMessagesFailure;
import org.apache.pekko.persistence.DeleteMessagesSuccess;
import org.apache.pekko.persistence.DeleteSnapshotsFailure;
import org.apache.pekko.persistence.DeleteSnapshotsSuccess;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.persistence.SnapshotProtocol;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;

/**
 * INTERNAL API: deletes every event and snapshot of a list of persistence ids (finished saga
 * instances past their retention), a bounded number at a time, and tells the index how it went. The
 * journal and the snapshot store are asked directly: an instance is not started to be deleted (no
 * recovery, no remembered-entity writes).
 */
final class InstanceDeletion {
  private InstanceDeletion() {}

  /** Deletions asked at once (each is one journal and one snapshot-store request). */
  private static final int WINDOW = 64;

  /** The longest wait for one answer before the round fails (and is tried again later). */
  private static final Duration STALL = Duration.ofSeconds(60);

  private static final Object STALLED = "stalled";

  static Behavior<Object> create(
      List<String> persistenceIds,
      String journal,
      String snapshots,
      ActorRef<SagaIndex.Command> index,
      long round) {
    return Behaviors.setup(
        ctx -> {
          Persistence persistence = Persistence.get(Adapter.toClassic(ctx.getSystem()));
          org.apache.pekko.actor.ActorRef journalRef =
              persistence.journalFor(journal, ConfigFactory.empty());
          org.apache.pekko.actor.ActorRef snapshotRef =
              persistence.snapshotStoreFor(snapshots, ConfigFactory.empty());
          org.apache.pekko.actor.ActorRef self = Adapter.toClassic(ctx.getSelf());
          int[] next = {0};
          int[] answered = {0};
          int expected = persistenceIds.size() * 2;
          Runnable askMore =
              () -> {
                while (next[0] < persistenceIds.size() && (next[0] * 2 - answered[0]) < WINDOW) {
                  String id = persistenceIds.get(next[0]++);
                  journalRef.tell(
                      new JournalProtocol.DeleteMessagesTo(id, Long.MAX_VALUE, self),
                      org.apache.pekko.actor.ActorRef.noSender());
                  snapshotRef.tell(
                      new SnapshotProtocol.DeleteSnapshots(id, SnapshotSelectionCriteria.latest()),
                      self);
                }
              };
          return Behaviors.withTimers(
              timers -> {
                timers.startSingleTimer(STALLED, STALLED, STALL);
                askMore.run();
                return Behaviors.receive(Object.class)
                    .onAnyMessage(
                        message -> {
                          String error = null;
                          if (message == STALLED) {
                            error = "no answer from the journal or snapshot store in " + STALL;
                          } else if (message instanceof DeleteMessagesFailure f) {
                            error = "deleting journal events failed: " + f.cause();
                          } else if (message instanceof DeleteSnapshotsFailure f) {
                            error = "deleting snapshots failed: " + f.cause();
                          } else if (!(message instanceof DeleteMessagesSuccess)
                              && !(message instanceof DeleteSnapshotsSuccess)) {
                            return Behaviors.same();
                          }
                          if (error != null) {
                            index.tell(new SagaIndex.SweepDeleted(round, error));
                            return Behaviors.stopped();
                          }
                          if (++answered[0] == expected) {
                            index.tell(new SagaIndex.SweepDeleted(round, null));
                            return Behaviors.stopped();
                          }
                          timers.startSingleTimer(STALLED, STALLED, STALL);
                          askMore.run();
                          return Behaviors.same();
                        })
                    .build();
              });
        });
  }
}
