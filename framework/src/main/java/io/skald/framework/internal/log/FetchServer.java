package io.skald.framework.internal.log;

import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.log.PartitionProtocol.Fetch;
import io.skald.framework.internal.log.PartitionProtocol.FetchResult;
import io.skald.framework.internal.log.PartitionProtocol.OffsetOutOfRange;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The read side of a {@link PartitionEntity}: answers fetches from the tail cache, or through the
 * {@link PartitionReader} below it, and parks a fetch at the log end until records arrive (one
 * waiter per consumer: a newer fetch of the same consumer replaces its older one). Runs inside the
 * entity's actor; not thread-safe.
 */
final class FetchServer {
  private final Map<ActorRef<FetchResult>, Fetch> waiters = new HashMap<>();
  private final PartitionReader reader;
  private final SkaldSettings settings;

  FetchServer(PartitionReader reader, SkaldSettings settings) {
    this.reader = reader;
    this.settings = settings;
  }

  /**
   * Answers a fetch now, or parks it until an append reaches its offset (a long poll).
   *
   * @param state the partition
   * @param fetch the request
   */
  void fetch(PartitionState state, Fetch fetch) {
    if (fetch.filter() != null) {
      try {
        FilteredFetch.filter(fetch.filter());
      } catch (io.skald.framework.consumer.InvalidFilterException e) {
        // a member checks its filter when it subscribes: only a broken peer sends this
        org.slf4j.LoggerFactory.getLogger(FetchServer.class)
            .error("refusing a fetch with an invalid filter: {}", e.getMessage());
        return;
      }
    }
    if (fetch.fromOffset() < state.logStartOffset() || fetch.fromOffset() > state.nextOffset()) {
      fetch
          .replyTo()
          .tell(
              new OffsetOutOfRange(
                  fetch.fetchId(), fetch.fromOffset(), state.logStartOffset(), state.nextOffset()));
    } else if (fetch.fromOffset() == state.nextOffset()) {
      waiters.put(fetch.replyTo(), fetch);
    } else {
      waiters.remove(fetch.replyTo());
      serve(state, fetch);
    }
  }

  /**
   * Answers every parked fetch that the partition's topic was deleted.
   *
   * @param topic the topic
   */
  void deleted(String topic) {
    List<Fetch> parked = new ArrayList<>(waiters.values());
    waiters.clear();
    for (Fetch fetch : parked) {
      fetch.replyTo().tell(new PartitionProtocol.PartitionDeleted(fetch.fetchId(), topic));
    }
  }

  /**
   * Serves every parked fetch after records were appended.
   *
   * @param state the partition with the new records
   */
  void appended(PartitionState state) {
    if (waiters.isEmpty()) {
      return;
    }
    List<Fetch> ready = new ArrayList<>(waiters.values());
    waiters.clear();
    for (Fetch fetch : ready) {
      serve(state, fetch);
    }
  }

  private void serve(PartitionState state, Fetch fetch) {
    int maxBytes = Math.min(fetch.maxBytes(), settings.maxFetchBytes());
    // Below a compaction's end the cache may still hold superseded batches: read the chunks.
    List<RecordBatch> cached =
        fetch.fromOffset() < state.compactedEnd()
            ? null
            : state.readCached(fetch.fromOffset(), FilteredFetch.scanRecords(fetch), maxBytes);
    if (cached != null && !cached.isEmpty()) {
      fetch
          .replyTo()
          .tell(FilteredFetch.answer(fetch, cached, state.logStartOffset(), state.nextOffset()));
    } else {
      reader.fetch(state, fetch, maxBytes);
    }
  }
}
