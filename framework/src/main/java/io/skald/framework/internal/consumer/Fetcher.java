package io.skald.framework.internal.consumer;

import io.skald.framework.internal.log.PartitionProtocol;
import io.skald.framework.internal.log.RecordBatch;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Where a {@link PartitionWorker} fetches next, and the one fetch it may have in flight. Each fetch
 * has an id; a reply or timeout with another id belongs to a fetch that was given up (timed out, or
 * overtaken by a seek) and is ignored. Plain state of the worker's actor; not thread-safe.
 */
final class Fetcher {
  private long next = -1;
  private long id;
  private boolean inFlight;

  /**
   * Whether the position is known (the group's committed offset, or the resolved start).
   *
   * @return true once {@link #moveTo} was called
   */
  boolean started() {
    return next >= 0;
  }

  /**
   * The offset of the next record to fetch.
   *
   * @return the offset, or -1 before {@link #moveTo}
   */
  long next() {
    return next;
  }

  /**
   * Whether a fetch is in flight.
   *
   * @return true between {@link #begin} and its {@link #end}
   */
  boolean inFlight() {
    return inFlight;
  }

  /**
   * The id of the latest fetch.
   *
   * @return the id
   */
  long currentId() {
    return id;
  }

  /**
   * Moves the position (the start, a reset after an out-of-range answer, a seek); an answer to a
   * fetch in flight is ignored from now on.
   *
   * @param offset the next offset to fetch
   */
  void moveTo(long offset) {
    next = offset;
    inFlight = false;
    id++;
  }

  /**
   * Starts a fetch from the position.
   *
   * @param maxRecords the most records to return
   * @param maxBytes the most bytes to return
   * @param replyTo where the answer goes
   * @param filter the subscription's filter expression, or null
   * @return the request to send to the partition
   */
  PartitionProtocol.Fetch begin(
      int maxRecords,
      int maxBytes,
      ActorRef<PartitionProtocol.FetchResult> replyTo,
      String filter) {
    inFlight = true;
    id++;
    return new PartitionProtocol.Fetch(id, next, maxRecords, maxBytes, replyTo, filter);
  }

  /**
   * Moves past records a filtered fetch examined and did not return.
   *
   * @param offset where the partition's scan stopped
   */
  void skipTo(long offset) {
    next = Math.max(next, offset);
  }

  /**
   * Ends the fetch in flight if the answer or timeout is for it.
   *
   * @param fetchId the id the answer or timeout carries
   * @return true if it was the fetch in flight (now ended), false if it is to be ignored
   */
  boolean end(long fetchId) {
    if (inFlight && fetchId == id) {
      inFlight = false;
      return true;
    }
    return false;
  }

  /**
   * Moves past a fetched batch.
   *
   * @param batch a batch of the answer
   * @return true if it is beyond the position (keep it), false if it was fetched before
   */
  boolean advancePast(RecordBatch batch) {
    if (batch.endOffset() > next) {
      next = batch.endOffset();
      return true;
    }
    return false;
  }
}
