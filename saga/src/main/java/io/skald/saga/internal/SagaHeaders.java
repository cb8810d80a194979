package io.skald.saga.internal;

/**
 * INTERNAL API: the record headers that carry a saga command or reply. Commands and replies are
 * keyed by saga id, so all records of one instance stay in order on their partition.
 */
public final class SagaHeaders {
  private SagaHeaders() {}

  /** The saga definition's name. */
  public static final String SAGA = "skald-saga";

  /** The instance id. */
  public static final String ID = "skald-saga-id";

  /** The step. */
  public static final String STEP = "skald-saga-step";

  /** {@code do} for a step's command, {@code undo} for its compensation. */
  public static final String DIRECTION = "skald-saga-direction";

  /** The idempotency key, identical on every attempt: saga, id, step and direction. */
  public static final String KEY = "skald-saga-key";

  /**
   * The attempt number, on commands and on their replies: retries carry the same key, and the
   * orchestrator takes a refusal only from the attempt it waits for.
   */
  public static final String ATTEMPT = "skald-saga-attempt";

  /**
   * The endpoint a command is for: participants route by it (two endpoints may share a command
   * class).
   */
  public static final String ENDPOINT = "skald-saga-endpoint";

  /** The class name of the command or reply, or {@code ack}. */
  public static final String TYPE = "skald-saga-type";

  /** The topic replies go to. */
  public static final String REPLY_TO = "skald-saga-reply-to";

  /** The direction header's value of a compensation. */
  public static final String UNDO = "undo";

  /**
   * The direction header's value of an instance's end marker: written behind its last command on
   * each of its endpoints' topics when it ends, so that participants forget its keys (after a grace
   * period) in order after every command of the instance.
   */
  public static final String END = "end";

  /** The direction header's value of a step's command. */
  public static final String DO = "do";

  /**
   * The attempt a command or reply carries.
   *
   * @param headers the record's headers
   * @return the attempt, or 0 if absent or not a number (a record of a version before attempts)
   */
  public static int attempt(java.util.Map<String, String> headers) {
    String value = headers.get(ATTEMPT);
    if (value == null) {
      return 0;
    }
    try {
      return Math.max(0, Integer.parseInt(value));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * The idempotency key of a command.
   *
   * @param saga the saga name
   * @param id the instance id
   * @param step the step
   * @param compensation whether it is the compensation
   * @return the key
   */
  public static String key(String saga, String id, String step, boolean compensation) {
    return saga + "/" + id + "/" + step + "/" + (compensation ? UNDO : DO);
  }
}
