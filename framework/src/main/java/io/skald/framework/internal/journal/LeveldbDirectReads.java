package io.skald.framework.internal.journal;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.serialization.MessageFormats;
import org.apache.pekko.serialization.Serialization;
import org.iq80.leveldb.DB;
import org.iq80.leveldb.DBIterator;
import org.iq80.leveldb.ReadOptions;

/**
 * INTERNAL API: reads of the embedded LevelDB journal's events straight from the database, on the
 * caller's thread, outside the journal actor: no replay protocol, no actor per read, no {@code
 * PersistentRepr} object. Several readers iterate at once (LevelDB iterators are thread-safe and
 * each sees a consistent snapshot), so consumers of different partitions, or of one partition in
 * different groups, read in parallel instead of queueing behind the journal actor.
 *
 * <p>A read walks the keys of Pekko's LevelDB journal layout ({@code persistence id (int), sequence
 * number (long), 0 (int)}, big-endian, padded to 20 bytes), skips deletion markers and logically
 * deleted messages as Pekko's replay does, and parses each value's {@code PersistentMessage}
 * protobuf only to hand its payload to the payload's serializer.
 *
 * <p>Only {@link GroupCommitLeveldbJournal} registers one, while its database is open; a read and
 * the journal's closing exclude each other, so a read never touches a closed database (it reports
 * itself unavailable instead, and the caller falls back to the journal's replay).
 */
public final class LeveldbDirectReads {
  private static final Map<ActorSystem, LeveldbDirectReads> BY_SYSTEM = new ConcurrentHashMap<>();
  private static final int KEY_BYTES = 20;

  private final GroupCommitLeveldbJournal journal;
  private final DB db;
  private final Serialization serialization;
  private final boolean checksums;
  private final ReadWriteLock open = new ReentrantReadWriteLock();
  private boolean closed;

  private LeveldbDirectReads(
      GroupCommitLeveldbJournal journal, DB db, Serialization serialization, boolean checksums) {
    this.journal = journal;
    this.db = db;
    this.serialization = serialization;
    this.checksums = checksums;
  }

  static void register(
      ActorSystem system,
      GroupCommitLeveldbJournal journal,
      DB db,
      Serialization serialization,
      boolean checksums) {
    BY_SYSTEM.put(system, new LeveldbDirectReads(journal, db, serialization, checksums));
  }

  /** Called by the journal before it closes its database: waits for running reads. */
  static void unregister(ActorSystem system, GroupCommitLeveldbJournal journal) {
    LeveldbDirectReads reads = BY_SYSTEM.get(system);
    if (reads == null || reads.journal != journal) {
      return;
    }
    BY_SYSTEM.remove(system, reads);
    reads.open.writeLock().lock();
    try {
      reads.closed = true;
    } finally {
      reads.open.writeLock().unlock();
    }
  }

  /**
   * The direct reads of an actor system's embedded journal.
   *
   * @param system the (classic) actor system
   * @return the reads, or empty when its journal is not the embedded LevelDB one (or is closed)
   */
  public static Optional<LeveldbDirectReads> of(ActorSystem system) {
    return Optional.ofNullable(BY_SYSTEM.get(system));
  }

  /** Receives the events of a read, in sequence order. */
  @FunctionalInterface
  public interface Visitor {
    /**
     * One event.
     *
     * @param sequenceNr its sequence number
     * @param event the deserialized event
     * @return true to go on, false to stop the read
     */
    boolean accept(long sequenceNr, Object event);
  }

  /**
   * Reads a persistence id's events from {@code fromSeqNr} to {@code toSeqNr} (inclusive), on the
   * calling thread (it blocks on the database: call it on a blocking dispatcher).
   *
   * @param persistenceId the persistence id
   * @param fromSeqNr the first sequence number
   * @param toSeqNr the last
   * @param visitor receives each event until it returns false
   * @return false if the journal closed (nothing was read; use the journal's replay)
   */
  public boolean read(String persistenceId, long fromSeqNr, long toSeqNr, Visitor visitor) {
    open.readLock().lock();
    try {
      if (closed) {
        return false;
      }
      if (journal.isNewPersistenceId(persistenceId)) {
        return true; // never written: no events (and no id mapping created by a read)
      }
      int id = journal.numericId(persistenceId);
      // Pekko's keys are 20 bytes: id, sequence number, mapping id, and 4 unused zero bytes
      byte[] start =
          ByteBuffer.allocate(KEY_BYTES)
              .putInt(id)
              .putLong(Math.max(1, fromSeqNr))
              .putInt(0)
              .array();
      try (DBIterator it = db.iterator(new ReadOptions().verifyChecksums(checksums))) {
        it.seek(start);
        while (it.hasNext()) {
          Map.Entry<byte[], byte[]> entry = it.next();
          ByteBuffer key = ByteBuffer.wrap(entry.getKey());
          if (entry.getKey().length != KEY_BYTES || key.getInt() != id) {
            return true;
          }
          long sequenceNr = key.getLong();
          if (sequenceNr > toSeqNr) {
            return true;
          }
          if (key.getInt() != 0) {
            continue; // a deletion marker of journals written by Akka 2.3
          }
          MessageFormats.PersistentMessage message =
              MessageFormats.PersistentMessage.parseFrom(entry.getValue());
          if (message.getDeleted()) {
            continue;
          }
          MessageFormats.PersistentPayload payload = message.getPayload();
          Object event =
              serialization
                  .deserialize(
                      payload.getPayload().toByteArray(),
                      payload.getSerializerId(),
                      payload.hasPayloadManifest()
                          ? payload.getPayloadManifest().toStringUtf8()
                          : "")
                  .get();
          if (!visitor.accept(sequenceNr, event)) {
            return true;
          }
        }
        return true;
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    } finally {
      open.readLock().unlock();
    }
  }
}
