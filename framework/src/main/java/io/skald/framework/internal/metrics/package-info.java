/**
 * INTERNAL API: Skald's Micrometer meters (names, tags, the per-topic and per-group caches), one
 * registry per actor system; docs/operations.md lists every meter.
 */
package io.skald.framework.internal.metrics;
