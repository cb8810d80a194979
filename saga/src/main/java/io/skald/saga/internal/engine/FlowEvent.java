package io.skald.saga.internal.engine;

import io.skald.saga.internal.SagaHeaders;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * INTERNAL API: an event of a choreographed saga on its flow topic ({@code <name>.flow}, keyed by
 * saga id). Participants emit the outcome of their steps; the tracker emits {@code started}, and
 * the events of a step again when it times out. Every event carries the saga data as it is after
 * the event.
 *
 * @param kind what happened
 * @param step the step (null for started)
 * @param business for failed: true if the participant refused (it did not act)
 * @param compensation for parked: whether the compensation is what failed
 * @param reason why (failed, parked), or null
 * @param dataJson the saga data
 */
public record FlowEvent(
    Kind kind,
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

  /**
   * What happened. The header carries the {@link #wireName()}, which stays as it is whatever the
   * constant is called: flow topics keep records written by older versions.
   */
  public enum Kind {
    /** The tracker started the saga. */
    STARTED,
    /** A step succeeded. */
    SUCCEEDED,
    /** A step was skipped (its condition was false). */
    SKIPPED,
    /** A step failed. */
    FAILED,
    /** A step was compensated. */
    COMPENSATED,
    /** A participant gave up (a compensation or retriable step kept failing). */
    PARKED,
    /**
     * The tracker asks for a step's compensation where no participant's event will (the step after
     * it was skipped or never ran): not a business event, so the flow topic never shows a refusal
     * that did not happen.
     */
    COMPENSATE;

    /**
     * The header value.
     *
     * @return the lower-case name
     */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The kind of a header value.
     *
     * @param wireName a {@link #wireName()}
     * @return the kind
     * @throws IllegalArgumentException for an unknown value (a record of a newer version, or not
     *     Skald's), so that the record is dead-lettered with the reason rather than dropped
     */
    public static Kind ofWireName(String wireName) {
      for (Kind kind : values()) {
        if (kind.wireName().equals(wireName)) {
          return kind;
        }
      }
      throw new IllegalArgumentException(
          "unknown flow event kind '" + wireName + "' in header " + KIND);
    }
  }

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
    h.put(KIND, kind.wireName());
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
        Kind.ofWireName(kind),
        headers.get(SagaHeaders.STEP),
        Boolean.parseBoolean(headers.get(BUSINESS)),
        Boolean.parseBoolean(headers.get(COMPENSATION)),
        headers.get(REASON),
        dataJson);
  }
}
