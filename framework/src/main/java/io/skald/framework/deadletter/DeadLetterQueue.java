package io.skald.framework.deadletter;

import io.skald.framework.Skald;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The dead letters of one consumer group ({@code <group>.dlq}): inspect them, replay them to their
 * original topics once the cause is fixed, or purge them. Obtained from {@link
 * Skald#deadLetters(String)}.
 *
 * <p>Replays are idempotent: a dead letter that was replayed once is never written again, whether
 * it is replayed alone, in a range or with {@link #replayAll()}, also after a crash in the middle
 * of a replay. Replays are rate-limited ({@code skald.framework.dead-letters.replay-rate}) so a
 * large queue does not flood the consumers. A replayed record keeps its key, value and original
 * headers, goes to its original partition, and carries {@code skald.replayed-from = <dlq
 * topic>@<offset>}.
 * <!-- snippet: jd-dead-letter-queue -->
 *
 * <pre>{@code
 * DeadLetterQueue dlq = skald.deadLetters("billing");
 * for (DeadLetter letter : dlq.list(0, 50).toCompletableFuture().join()) {
 *   System.out.println(
 *       letter.original() + "@" + letter.originalOffset() + ": " + letter.errorMessage());
 * }
 * dlq.replayAll().toCompletableFuture().join(); // after the fix is deployed
 * }</pre>
 */
public interface DeadLetterQueue {

  /** Header on a replayed record: the dead letter it came from. */
  String REPLAYED_FROM = "skald.replayed-from";

  /**
   * The dead-letter topic.
   *
   * @return {@code <group>.dlq}
   */
  String topic();

  /**
   * A page of dead letters.
   *
   * @param fromOffset the first dead-letter offset to list (use 0 or the last page's last offset +
   *     1); offsets below the purged ones start at the first remaining one
   * @param limit the most to return, at least 1
   * @return the dead letters, in offset order (empty past the end)
   */
  CompletionStage<List<DeadLetter>> list(long fromOffset, int limit);

  /**
   * How many dead letters there are.
   *
   * @return the count of dead letters not purged
   */
  CompletionStage<Long> size();

  /**
   * Replays one dead letter.
   *
   * @param dlqOffset its offset
   * @return 1 if it was written now, 0 if it had been replayed before
   */
  CompletionStage<Long> replay(long dlqOffset);

  /**
   * Replays a range of dead letters.
   *
   * @param fromOffset the first, inclusive
   * @param toOffset the last, exclusive
   * @return how many were written now
   */
  CompletionStage<Long> replay(long fromOffset, long toOffset);

  /**
   * Replays every dead letter that is there now.
   *
   * @return how many were written now
   */
  CompletionStage<Long> replayAll();

  /**
   * Removes every dead letter that is there now.
   *
   * @return how many were removed
   */
  CompletionStage<Long> purge();
}
