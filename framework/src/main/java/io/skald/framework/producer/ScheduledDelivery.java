package io.skald.framework.producer;

import java.time.Instant;

/**
 * A durably scheduled record, returned by {@link Producer#sendDelayed} and {@link Producer#sendAt}.
 *
 * @param topic the topic it will be written to
 * @param partition the partition it will be written to
 * @param id its id within that partition's scheduler
 * @param due when it will be delivered (not before)
 */
public record ScheduledDelivery(String topic, int partition, long id, Instant due) {

  /**
   * The dead-letter group of delayed records their partition refused for good when they fell due (a
   * record over a topic limit lowered after it was scheduled): {@code
   * skald.deadLetters(ScheduledDelivery.DEAD_LETTER_GROUP)} lists them with reason {@link
   * io.skald.framework.deadletter.DeadLetterReason#REFUSED}, original offset -1, and replays them
   * to their topic.
   */
  public static final String DEAD_LETTER_GROUP = "skald-delayed";
}
