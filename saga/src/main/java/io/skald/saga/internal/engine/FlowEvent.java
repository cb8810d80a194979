package io.skald.saga.internal.engine;

import io.skald.saga.internal.SagaHeaders;
import java.util.HashMap;
import java.util.Map;

/**
 * INTERNAL API: an event of a choreographed saga on its flow topic ({@code <name>.flow}, keyed by
 * saga id). Participants emit the outcome of their steps; the tracker emits {@code started}, and
 * the events of a step again when it times out. Every event carries the saga data as it is after
 * the event.
 *
 * @param kind started, succeeded, skipped, failed, compensated or parked
 * @param step the step (null for started)
 * @param business for failed: true if the participant refused (it did not act)
 * @param compensation for parked: whether the compensation is what failed
 * @param reason why (failed, parked), or null
 * @param dataJson the saga data
 */
public record FlowEvent(
    String kind,
    String step,
    boolean business,
    boolean compensation,
    String reason,
    String dataJson) {

  /** The header of the kind. */
  public static final String KIND = "skald-flow-event";

  /** The header of the business flag. */
  public static final String BUSINESS = "skald-flow-business";

  /** The header of the compensation flag. */
  public static final String COMPENSATION = "skald-flow-compensation";

  /** The header of the reason. */
  public static final String REASON = "skald-flow-reason";

  /** Kinds. */
  public static final String STARTED = "started";

  /** A step succeeded. */
  public static final String SUCCEEDED = "succeeded";

  /** A step was skipped (its condition was false). */
  public static final String SKIPPED = "skipped";

  /** A step failed. */
  public static final String FAILED = "failed";

  /** A step was compensated. */
  public static final String COMPENSATED = "compensated";

  /** A participant gave up (a compensation or retriable step kept failing). */
  public static final String PARKED = "parked";

  /**
   * The record headers of this event.
   *
   * @param saga the saga name
   * @param sagaId the instance
   * @return the headers
   */
  public Map<String, String> headers(String saga, String sagaId) {
    Map<String, String> h = new HashMap<>();
    h.put(SagaHeaders.SAGA, saga);
    h.put(SagaHeaders.ID, sagaId);
    h.put(KIND, kind);
    if (step != null) {
      h.put(SagaHeaders.STEP, step);
    }
    h.put(BUSINESS, Boolean.toString(business));
    h.put(COMPENSATION, Boolean.toString(compensation));
    if (reason != null) {
      h.put(REASON, reason);
    }
    return h;
  }

  /**
   * Reads an event from a record.
   *
   * @param headers the headers
   * @param dataJson the value
   * @return the event, or null if the headers are not a flow event's
   */
  public static FlowEvent from(Map<String, String> headers, String dataJson) {
    String kind = headers.get(KIND);
    if (kind == null) {
      return null;
    }
    return new FlowEvent(
        kind,
        headers.get(SagaHeaders.STEP),
        Boolean.parseBoolean(headers.get(BUSINESS)),
        Boolean.parseBoolean(headers.get(COMPENSATION)),
        headers.get(REASON),
        dataJson);
  }
}
