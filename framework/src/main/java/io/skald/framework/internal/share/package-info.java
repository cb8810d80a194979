/**
 * INTERNAL API: shared (work-queue) consumption. One sharded, event-sourced {@link
 * io.skald.framework.internal.share.SharePartition} per (group, topic, partition) reads the
 * partition and hands its records to any number of members under time-limited locks, remembering
 * durably what was acquired, acknowledged, released or dead-lettered.
 */
package io.skald.framework.internal.share;
