/**
 * INTERNAL API: the disk-space alarm of the embedded journal (RabbitMQ's {@code disk_free_limit}):
 * below the configured free space, appends are refused so the disk never fills.
 */
package io.skald.framework.internal.disk;
