/**
 * INTERNAL API: rate limits as token buckets (GCRA), shared by the producer's own limits and the
 * partitions' topic quotas. Depends on no subsystem.
 */
package io.skald.framework.internal.quota;
