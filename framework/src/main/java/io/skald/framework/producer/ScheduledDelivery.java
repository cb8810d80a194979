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
public record ScheduledDelivery(String topic, int partition, long id, Instant due) {}
