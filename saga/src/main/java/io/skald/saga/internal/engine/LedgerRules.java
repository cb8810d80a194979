package io.skald.saga.internal.engine;

import java.util.Map;

/**
 * INTERNAL API: the participant helper's once-per-key rules as pure functions, run by the
 * participant helper against its ledger entity and by the test kit's checker against its
 * participant model, so that the checker explores exactly the rules participants run.
 *
 * <ul>
 *   <li>A command whose key has a remembered success, or a remembered refusal of the same attempt,
 *       is answered with it: the handler does not run again.
 *   <li>A command whose compensation already ran is dropped (it arrived late: running it would
 *       leave an effect nothing undoes).
 *   <li>Anything else runs the handler, a compensation always (it must be idempotent and tolerate
 *       "nothing to undo": only the participant knows whether the effect is in place). A success is
 *       remembered under the key, a refusal under the key and attempt.
 * </ul>
 */
public final class LedgerRules {
  private LedgerRules() {}

  /** What to do with a command. */
  public enum Verdict {
    /** Answer with the remembered reply. */
    REPLAY,
    /** A command that arrived after its compensation ran: no effect, no reply. */
    DROP,
    /** Run the handler. */
    EXECUTE
  }

  /**
   * The remembered reply of a command: its success, or its refusal of this attempt.
   *
   * @param replies the remembered replies by key
   * @param key the command's idempotency key
   * @param attempt the command's attempt, or 0 if unknown
   * @param <E> what a reply is remembered as
   * @return the reply, or null
   */
  public static <E> E remembered(Map<String, E> replies, String key, int attempt) {
    E reply = replies.get(key);
    if (reply == null && attempt > 0) {
      reply = replies.get(refusalKey(key, attempt));
    }
    return reply;
  }

  /**
   * The key under which a refusal of one attempt is remembered.
   *
   * @param key the idempotency key
   * @param attempt the attempt
   * @return the key
   */
  public static String refusalKey(String key, int attempt) {
    return key + "#" + attempt;
  }

  /**
   * What to do with a command.
   *
   * @param remembered its remembered reply ({@link #remembered}), or null
   * @param counterpartDone whether its counterpart (the compensation of a command) ran
   * @param compensation whether the command is a compensation
   * @return the verdict
   */
  public static Verdict decide(Object remembered, boolean counterpartDone, boolean compensation) {
    if (remembered != null) {
      return Verdict.REPLAY;
    }
    if (!compensation && counterpartDone) {
      return Verdict.DROP;
    }
    return Verdict.EXECUTE;
  }

  /**
   * The key a handler's reply is remembered under.
   *
   * @param key the command's idempotency key
   * @param attempt the command's attempt
   * @param refusal whether the reply is a business failure
   * @return the key
   */
  public static String memoryKey(String key, int attempt, boolean refusal) {
    return refusal ? refusalKey(key, attempt) : key;
  }
}
