package io.skald.framework.admin;

/**
 * The bounds of a partition's log.
 *
 * @param logStartOffset the first offset still readable
 * @param logEndOffset the offset the next record will get (the number of records ever written)
 */
public record PartitionOffsets(long logStartOffset, long logEndOffset) {}
