package io.skald.framework.internal.journal;

import com.typesafe.config.Config;
import io.skald.framework.internal.metrics.SkaldMetrics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.journal.leveldb.LeveldbJournal;
import org.iq80.leveldb.WriteBatch;
import org.iq80.leveldb.WriteOptions;
import scala.PartialFunction;
import scala.collection.immutable.Seq;
import scala.concurrent.Future;
import scala.concurrent.Promise;
import scala.runtime.BoxedUnit;
import scala.util.Try;

/**
 * Pekko's LevelDB journal with group commit: one fsync for every write that queued up while the
 * previous one ran, instead of one fsync per write.
 *
 * <p>Each persisting entity sends the journal its own write request, and Pekko's journal writes and
 * fsyncs them one at a time; with many small entities (saga instances, participant ledgers,
 * aggregates) the journal spends its time in fsync and becomes the node's bottleneck. This journal
 * takes every write request waiting in its mailbox as a group: each is written to LevelDB without
 * sync, then a single synced write makes the whole group durable, and only then is any write of the
 * group acknowledged. Acknowledged therefore still means fsynced, and a group is never larger than
 * what arrived while the previous group was being synced, so a lone write waits for nothing.
 *
 * <p>Order is kept: any other request (a replay, a deletion, a query) first flushes the group in
 * front of it. With {@code fsync = off} the journal behaves exactly as Pekko's.
 *
 * <p>One caveat, for power loss only (not for a killed process, whose writes are in the operating
 * system's page cache either way): if LevelDB switches to a new log file in the middle of a group,
 * it closes the old one without fsync, and the group's sync covers the new file only; the old
 * file's writes become durable when LevelDB flushes that memtable to a table file, which it does in
 * the background right after the switch.
 */
// Pekko deprecates its LevelDB journal in favour of other plugins; it is the embedded default that
// Skald's required stack names, and the plugin stays replaceable by configuration.
@SuppressWarnings("deprecation")
public final class GroupCommitLeveldbJournal extends LeveldbJournal {
  /** Sent to self to close the current group. */
  private static final Object FLUSH = new Object();

  private static final byte[] SYNC_KEY = "skald.group-commit".getBytes(StandardCharsets.UTF_8);

  private final boolean fsync;
  private final SkaldMetrics.JournalMeters metrics;
  private final WriteOptions unsynced = new WriteOptions().sync(false).snapshot(false);
  private final WriteOptions synced = new WriteOptions().sync(true).snapshot(false);
  private final List<Object> group = new ArrayList<>();
  private final List<Pending> awaitingSync = new ArrayList<>();
  private boolean grouping;
  private long groups;

  /** Deletions (of any persistence id) after which their key range is compacted; 0: never. */
  private final int compactAfterDeletions;

  private int deletions;
  private int deletedFrom = Integer.MAX_VALUE;
  private int deletedTo = Integer.MIN_VALUE;

  /** Runs range compactions off the journal's thread (LevelDB takes writes meanwhile). */
  private final java.util.concurrent.ExecutorService compactor =
      java.util.concurrent.Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "skald-leveldb-compaction");
            t.setDaemon(true);
            return t;
          });

  /**
   * Created by Pekko persistence from the plugin's configuration.
   *
   * @param config the plugin configuration (that of Pekko's LevelDB journal)
   */
  public GroupCommitLeveldbJournal(Config config) {
    super(config);
    this.fsync = config.getBoolean("fsync");
    this.compactAfterDeletions =
        config.hasPath("compact-after-deletions") ? config.getInt("compact-after-deletions") : 0;
    this.metrics =
        SkaldMetrics.get(org.apache.pekko.actor.typed.javadsl.Adapter.toTyped(context().system()))
            .journal();
  }

  @Override
  public void preStart() {
    super.preStart();
    if (!context()
        .system()
        .settings()
        .config()
        .getBoolean("skald.framework.partition.direct-reads")) {
      return;
    }
    LeveldbDirectReads.register(
        context().system(),
        this,
        leveldb(),
        org.apache.pekko.serialization.SerializationExtension.get(context().system()),
        config().getBoolean("checksum"));
  }

  @Override
  public void postStop() {
    // no direct read may run on the database once it is closed
    LeveldbDirectReads.unregister(context().system(), this);
    compactor.shutdownNow();
    try {
      // LevelDB waits for a compaction in progress when it closes; this waits for the task
      if (!compactor.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)) {
        log().warning("a LevelDB compaction still runs as the journal closes");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    super.postStop();
  }

  /**
   * Deletes as Pekko's journal does, and once {@code compact-after-deletions} deletions added up,
   * compacts the key range they touched, in the background: LevelDB otherwise keeps deleted entries
   * on disk until its own compactions reach them (a saga's retention deletes thousands of small
   * instances at a time; a topic's truncation, a partition's prefix). Persistence ids are numbered
   * as they first write, so instances that ended together lie close together.
   */
  @Override
  public Future<BoxedUnit> asyncDeleteMessagesTo(String persistenceId, long toSequenceNr) {
    Future<BoxedUnit> deleted = super.asyncDeleteMessagesTo(persistenceId, toSequenceNr);
    if (compactAfterDeletions > 0) {
      int id = numericId(persistenceId); // known by now: the deletion looked it up
      deletedFrom = Math.min(deletedFrom, id);
      deletedTo = Math.max(deletedTo, id);
      if (++deletions >= compactAfterDeletions) {
        byte[] from =
            org.apache.pekko.persistence.journal.leveldb.Key.keyToBytes(
                new org.apache.pekko.persistence.journal.leveldb.Key(deletedFrom, 0L, 0));
        byte[] to =
            org.apache.pekko.persistence.journal.leveldb.Key.keyToBytes(
                new org.apache.pekko.persistence.journal.leveldb.Key(deletedTo + 1, 0L, 0));
        org.iq80.leveldb.DB db = leveldb();
        int count = deletions;
        deletions = 0;
        deletedFrom = Integer.MAX_VALUE;
        deletedTo = Integer.MIN_VALUE;
        compactor.execute(
            () -> {
              long start = System.nanoTime();
              try {
                db.compactRange(from, to);
                log()
                    .info(
                        "compacted the journal range of {} deletions in {} ms",
                        count,
                        (System.nanoTime() - start) / 1_000_000);
              } catch (RuntimeException e) {
                log().warning("compacting the journal after deletions failed: {}", e.toString());
              }
            });
      }
    }
    return deleted;
  }

  @Override
  public WriteOptions leveldbWriteOptions() {
    return grouping ? unsynced : super.leveldbWriteOptions();
  }

  @Override
  public Future<Seq<Try<BoxedUnit>>> asyncWriteMessages(Seq<AtomicWrite> messages) {
    Future<Seq<Try<BoxedUnit>>> written = super.asyncWriteMessages(messages);
    if (!grouping) {
      return written;
    }
    Promise<Seq<Try<BoxedUnit>>> durable = Promise.apply();
    awaitingSync.add(new Pending(written, durable));
    return durable.future();
  }

  /** A write of the current group: its outcome, released once the group is synced. */
  private record Pending(
      Future<Seq<Try<BoxedUnit>>> written, Promise<Seq<Try<BoxedUnit>>> durable) {}

  @Override
  public void aroundReceive(PartialFunction<Object, BoxedUnit> receive, Object message) {
    if (!fsync) {
      super.aroundReceive(receive, message);
    } else if (message instanceof JournalProtocol.WriteMessages) {
      group.add(message);
      if (group.size() == 1) {
        self().tell(FLUSH, ActorRef.noSender());
      }
    } else if (message == FLUSH) {
      flush(receive);
    } else {
      flush(receive);
      super.aroundReceive(receive, message);
    }
  }

  private void flush(PartialFunction<Object, BoxedUnit> receive) {
    if (group.isEmpty()) {
      return;
    }
    long started = System.nanoTime();
    int writes = group.size();
    grouping = true;
    try {
      for (Object write : group) {
        super.aroundReceive(receive, write);
      }
    } finally {
      grouping = false;
      group.clear();
    }
    Exception failure = null;
    long syncStarted = System.nanoTime();
    try (WriteBatch batch = leveldb().createWriteBatch()) {
      // a synced write flushes LevelDB's log up to and including every write before it
      batch.put(SYNC_KEY, Long.toString(++groups).getBytes(StandardCharsets.UTF_8));
      leveldb().write(batch, synced);
    } catch (Exception e) {
      failure = e;
    }
    long finished = System.nanoTime();
    metrics.groupCommitted(writes, finished - started, finished - syncStarted);
    for (Pending pending : awaitingSync) {
      if (failure == null) {
        pending.durable().completeWith(pending.written());
      } else {
        // not known to be durable: the entities see a failed write (and stop), as Pekko's own
        // journal reports a failed fsync
        pending.durable().failure(failure);
      }
    }
    awaitingSync.clear();
  }
}
