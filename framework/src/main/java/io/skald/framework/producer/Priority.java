package io.skald.framework.producer;

import java.util.Map;

/**
 * A record's priority, for shared subscriptions with priority levels ({@link
 * io.skald.framework.consumer.SubscriptionSpec#withPriorityLevels}): a header from {@code 0}
 * (lowest, also a record without one) to {@value #MAX}, sent with the record. A producer refuses a
 * record whose header is not such a number.
 * <!-- snippet: jd-priority -->
 *
 * <pre>{@code
 * producer.send("support-tickets", ticket.id(), ticket.body(), Priority.of(ticket.vip() ? 9 : 0));
 * }</pre>
 */
public final class Priority {

  /** The header that carries it. */
  public static final String HEADER = "skald.priority";

  /** The highest priority. */
  public static final int MAX = 9;

  private Priority() {}

  /**
   * The header of a priority, to pass to {@code send}.
   *
   * @param priority from 0 to {@value #MAX}
   * @return a one-entry header map
   * @throws IllegalArgumentException if out of range
   */
  public static Map<String, String> of(int priority) {
    if (priority < 0 || priority > MAX) {
      throw new IllegalArgumentException(
          "a priority must be between 0 and " + MAX + ", was " + priority);
    }
    return Map.of(HEADER, Integer.toString(priority));
  }

  /**
   * The priority a record's headers give it.
   *
   * @param headers the headers
   * @return the priority, 0 without the header
   * @throws IllegalArgumentException if the header is not a number from 0 to {@value #MAX}
   */
  public static int in(Map<String, String> headers) {
    String value = headers.get(HEADER);
    if (value == null) {
      return 0;
    }
    if (value.length() == 1 && value.charAt(0) >= '0' && value.charAt(0) <= '0' + MAX) {
      return value.charAt(0) - '0';
    }
    throw new IllegalArgumentException(
        "header " + HEADER + " must be a number from 0 to " + MAX + ", was '" + value + "'");
  }
}
