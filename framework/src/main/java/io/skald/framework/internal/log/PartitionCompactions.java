package io.skald.framework.internal.log;

import io.skald.framework.admin.Compaction;
import io.skald.framework.internal.SkaldSettings;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;

/**
 * INTERNAL API: when a {@link PartitionEntity} of a compacted topic compacts, and what it persists
 * then. One compaction runs at a time ({@link PartitionCompactor} computes it outside the actor);
 * requests that arrive meanwhile are answered by the next one, which starts when the running one is
 * durable, so a requester always gets a compaction that began after its request.
 */
final class PartitionCompactions {
  private final ActorContext<PartitionProtocol.Command> context;
  private final SkaldSettings settings;
  private final CurrentEventsByPersistenceIdQuery reads;
  private final String persistenceId;
  private Compaction policy;
  private boolean loaded;
  private boolean running;
  private List<ActorRef<PartitionProtocol.CompactionDone>> answering = new ArrayList<>();
  private List<ActorRef<PartitionProtocol.CompactionDone>> waiting = new ArrayList<>();

  PartitionCompactions(
      ActorContext<PartitionProtocol.Command> context,
      SkaldSettings settings,
      CurrentEventsByPersistenceIdQuery reads,
      String persistenceId) {
    this.context = context;
    this.settings = settings;
    this.reads = reads;
    this.persistenceId = persistenceId;
  }

  /** Takes the topic's compaction policy (null for none) and serves requests made before. */
  void load(PartitionState state, Compaction compaction) {
    this.policy = compaction;
    this.loaded = true;
    List<ActorRef<PartitionProtocol.CompactionDone>> early = waiting;
    waiting = new ArrayList<>();
    for (ActorRef<PartitionProtocol.CompactionDone> replyTo : early) {
      request(state, replyTo);
    }
  }

  /** Records appended since the last compaction (or the log start). */
  private static long dirty(PartitionState state) {
    return state.nextOffset() - Math.max(state.compactedEnd(), state.logStartOffset());
  }

  /**
   * Whether enough was appended for a compaction: the policy's minimum, and at least as many
   * records as the last compaction kept, so each record is rewritten a bounded number of times.
   */
  boolean dueAfterWrites(PartitionState state) {
    return policy != null
        && !running
        && dirty(state) >= policy.minDirtyRecords()
        && dirty(state) >= state.compactedRecords();
  }

  /** An operator's request: compacts now (or after the running compaction). */
  void request(PartitionState state, ActorRef<PartitionProtocol.CompactionDone> replyTo) {
    if (!loaded) {
      waiting.add(replyTo); // the topic's definition is still being looked up
      return;
    }
    if (policy == null) {
      replyTo.tell(
          new PartitionProtocol.CompactionFailed(
              persistenceId + " belongs to a topic without compaction"));
      return;
    }
    waiting.add(replyTo);
    maybeStart(state, true);
  }

  /** Starts a compaction if one is due (or forced) and none runs. */
  void maybeStart(PartitionState state, boolean forced) {
    if (running || policy == null || !(forced || dueAfterWrites(state))) {
      return;
    }
    running = true;
    answering = waiting;
    waiting = new ArrayList<>();
    PartitionCompactor.Plan plan =
        new PartitionCompactor.Plan(
            state.logStartOffset(),
            state.nextOffset(),
            state.lastSeqNr(),
            state.compaction(),
            System.currentTimeMillis() - policy.tombstoneRetention().toMillis(),
            settings.maxBatchBytes());
    long fromSeqNr = state.seqNrAtOrBefore(Math.max(state.logStartOffset(), state.compactedEnd()));
    if (state.compactedEnd() > state.logStartOffset()) {
      fromSeqNr = Math.min(fromSeqNr, state.chunkSeqNrFor(state.logStartOffset()));
    }
    context.pipeToSelf(
        PartitionCompactor.run(reads, persistenceId, context.getSystem(), fromSeqNr, plan),
        PartitionProtocol.CompactionReady::new);
  }

  /**
   * The events that make a computed compaction durable: its chunks, or a truncation to its cutoff
   * if it kept nothing; none if it failed or the log is already past its cutoff.
   */
  List<PartitionProtocol.Event> eventsFor(
      PartitionState state, PartitionProtocol.CompactionReady ready) {
    if (ready.error() != null || ready.result().cutoff() <= state.logStartOffset()) {
      return List.of();
    }
    if (ready.result().chunks().isEmpty()) {
      return List.of(new PartitionProtocol.LogTruncated(ready.result().cutoff()));
    }
    return new ArrayList<>(ready.result().chunks());
  }

  /**
   * Answers the requesters of a finished compaction and starts the next one if requested or due.
   */
  void completed(PartitionState state, PartitionProtocol.CompactionReady ready) {
    running = false;
    PartitionProtocol.CompactionDone done;
    if (ready.error() != null) {
      context
          .getLog()
          .warn("{}: compaction failed; the next one retries", persistenceId, ready.error());
      done = new PartitionProtocol.CompactionFailed(ready.error().toString());
    } else {
      PartitionCompactor.Result result = ready.result();
      context
          .getLog()
          .info(
              "{}: compacted offsets below {}: kept {} of {} records",
              persistenceId,
              result.cutoff(),
              result.kept(),
              result.input());
      done = new PartitionProtocol.Compacted(result.input(), result.kept());
    }
    for (ActorRef<PartitionProtocol.CompactionDone> replyTo : answering) {
      replyTo.tell(done);
    }
    answering = new ArrayList<>();
    if (!waiting.isEmpty()) {
      maybeStart(state, true);
    } else if (ready.error() == null) {
      // Appends that arrived while this compaction ran may already make the next one due; waiting
      // for another append would leave them uncompacted if the producers have stopped. (After a
      // failure the next append retries, so a lasting failure does not loop.)
      maybeStart(state, false);
    }
  }
}
