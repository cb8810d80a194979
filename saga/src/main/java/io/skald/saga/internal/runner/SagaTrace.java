package io.skald.saga.internal.runner;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.HashMap;
import java.util.Map;

/**
 * INTERNAL API: a saga instance keeps the W3C trace context of the call that started it (persisted
 * with its start), and sends every command in it, so one trace shows the saga from its starter's
 * request through every step, reply and compensation, across restarts.
 */
final class SagaTrace {
  private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();

  private static final TextMapGetter<Map<String, String>> GETTER =
      new TextMapGetter<>() {
        @Override
        public String get(Map<String, String> carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };

  private SagaTrace() {}

  /** The caller's trace context, or empty outside a (sampled or not) valid span. */
  static Map<String, String> current() {
    if (!Span.current().getSpanContext().isValid()) {
      return Map.of();
    }
    Map<String, String> carrier = new HashMap<>();
    W3C.inject(Context.current(), carrier, (c, k, v) -> c.put(k, v));
    return Map.copyOf(carrier);
  }

  /** The context to send in: the starter's, or the root context when it was not traced. */
  static Context context(Map<String, String> trace) {
    return trace.isEmpty() ? Context.root() : W3C.extract(Context.root(), trace, GETTER);
  }
}
