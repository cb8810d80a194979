/**
 * INTERNAL API: W3C trace context through record headers with the OpenTelemetry API: producer
 * spans, consumer (handler) spans, and the propagation the saga module builds on.
 */
package io.skald.framework.internal.tracing;
