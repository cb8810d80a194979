package io.skald.framework.internal.consumer;

import io.skald.framework.admin.PartitionOffsets;
import io.skald.framework.deadletter.DeadLetterReason;
import io.skald.framework.internal.log.PartitionProtocol;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;

/** The protocol of {@link PartitionWorker} and its timers. */
final class WorkerProtocol {
  private WorkerProtocol() {}

  sealed interface Command
      permits FetchReply,
          FetchTimeout,
          StartOffsets,
          StartDecided,
          StartRetry,
          RecordDone,
          Retry,
          AttemptTimedOut,
          DeadLettered,
          RewriteDeadLetter,
          CommittedUpTo,
          SeekTo,
          ReportTick,
          Drain,
          Pause,
          Resume {}

  record FetchReply(PartitionProtocol.FetchResult result) implements Command {}

  record FetchTimeout(long fetchId) implements Command {}

  record StartOffsets(PartitionOffsets offsets, Throwable error) implements Command {}

  /** Where a {@link PartitionStart} handler starts. */
  record StartDecided(long granted, long offset, Throwable error) implements Command {}

  /** Asks a {@link PartitionStart} handler again after a failure. */
  record StartRetry(long granted) implements Command {}

  record RecordDone(long offset, int attempt, Throwable error) implements Command {}

  record Retry(long offset) implements Command {}

  record AttemptTimedOut(long offset, int attempt) implements Command {}

  record DeadLettered(long offset, DeadLetterReason reason, Throwable error) implements Command {}

  /** Write a dead letter again after its write failed. */
  record RewriteDeadLetter(long offset, DeadLetterReason reason) implements Command {}

  record SeekTo(long offset, CompletableFuture<Done> done) implements Command {}

  /** At-most-once: the group's commit now covers every offset below {@code offset}. */
  record CommittedUpTo(long offset) implements Command {}

  enum ReportTick implements Command {
    INSTANCE
  }

  enum Drain implements Command {
    INSTANCE
  }

  /**
   * The member's lease ran out: start no record (retries included) until {@link Resume}; records in
   * the handler finish, fetched ones wait.
   */
  enum Pause implements Command {
    INSTANCE
  }

  /** The lease is renewed: go on. */
  enum Resume implements Command {
    INSTANCE
  }

  /** The worker's timers: one fetch timeout, and per record its attempt timeout or retry delay. */
  sealed interface TimerKey {}

  /** The timeout of the fetch in flight. */
  enum FetchTimer implements TimerKey {
    INSTANCE
  }

  /**
   * The processing timeout of a record's attempt.
   *
   * @param offset the record
   */
  record AttemptTimer(long offset) implements TimerKey {}

  /**
   * The backoff before a record's next attempt (or its dead letter's next write).
   *
   * @param offset the record
   */
  record RetryTimer(long offset) implements TimerKey {}
}
