package io.skald.framework.internal.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * INTERNAL API: the OpenTelemetry of one actor system's Skald (no-op until the user sets one with
 * {@code skald.useOpenTelemetry(...)}). A send made in a trace runs in a PRODUCER span whose
 * context travels in the record's headers ({@code traceparent}, {@code tracestate}); sends made
 * outside any trace are traced per batch written to a partition, one PRODUCER span whose context is
 * stored once with the append and read back into each record's headers; a handler runs in a
 * CONSUMER span, child of the producer's, and current while the handler is called, so what the
 * handler sends (a reply, the next command) continues the same trace. Span names and attributes
 * follow OpenTelemetry's messaging conventions ({@code messaging.system = skald}).
 */
public final class SkaldTracing implements Extension {
  /** The instrumentation scope's name. */
  public static final String SCOPE = "io.skald";

  static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
  static final AttributeKey<String> DESTINATION =
      AttributeKey.stringKey("messaging.destination.name");
  static final AttributeKey<String> OPERATION = AttributeKey.stringKey("messaging.operation.type");
  static final AttributeKey<String> GROUP = AttributeKey.stringKey("messaging.consumer.group.name");
  static final AttributeKey<String> PARTITION =
      AttributeKey.stringKey("messaging.destination.partition.id");
  static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.skald.offset");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("messaging.skald.attempt");
  static final AttributeKey<Long> BATCH_COUNT =
      AttributeKey.longKey("messaging.batch.message_count");

  private static final TextMapSetter<Map<String, String>> SETTER =
      (carrier, key, value) -> carrier.put(key, value);

  private static final TextMapGetter<Map<String, String>> GETTER =
      new TextMapGetter<>() {
        @Override
        public String get(Map<String, String> carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };

  /** The extension's id. */
  public static final ExtensionId<SkaldTracing> ID =
      new ExtensionId<>() {
        @Override
        public SkaldTracing createExtension(ActorSystem<?> system) {
          return new SkaldTracing(
              system.settings().config().getBoolean("skald.framework.tracing.root-spans"));
        }
      };

  /**
   * The tracing of an actor system.
   *
   * @param system the actor system
   * @return its tracing
   */
  public static SkaldTracing get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  private volatile OpenTelemetry openTelemetry = OpenTelemetry.noop();
  private volatile Tracer tracer = openTelemetry.getTracer(SCOPE);
  private volatile boolean enabled;

  private final boolean rootSpans;

  SkaldTracing(boolean rootSpans) {
    this.rootSpans = rootSpans;
  }

  /** How a send is traced. */
  public enum SendTracing {
    /** Not traced: no span, no context. */
    NONE,
    /**
     * The caller is in a trace: the send gets its own PRODUCER span, child of the caller's, and the
     * record its own context in its headers.
     */
    PER_SEND,
    /**
     * Outside any trace, with root spans on: the producer traces each batch it writes to a
     * partition with one PRODUCER span, whose context is stored once with the append.
     */
    PER_BATCH
  }

  /**
   * How a send made now is traced: on its own if the caller is in a trace, with its batch if not
   * and {@code skald.framework.tracing.root-spans} is on, else not at all. A saturated producer
   * outside any trace thus makes one span and one context per batch, not per record.
   *
   * @return how to trace the send
   */
  public SendTracing sendTracing() {
    if (!enabled) {
      return SendTracing.NONE;
    }
    if (Span.current().getSpanContext().isValid()) {
      return SendTracing.PER_SEND;
    }
    return rootSpans ? SendTracing.PER_BATCH : SendTracing.NONE;
  }

  /**
   * Whether the handling of a record is traced: tracing is on, and the record carries a trace
   * context or {@code skald.framework.tracing.root-spans} is on.
   *
   * @param headers the record's headers
   * @return true to run the handler in a CONSUMER span
   */
  public boolean tracesHandling(Map<String, String> headers) {
    return enabled && (rootSpans || headers.containsKey("traceparent"));
  }

  /**
   * Sets the OpenTelemetry to trace with.
   *
   * @param otel the user's OpenTelemetry (its SDK), or {@link OpenTelemetry#noop()}
   */
  public void use(OpenTelemetry otel) {
    Objects.requireNonNull(otel, "openTelemetry");
    this.openTelemetry = otel;
    this.tracer = otel.getTracer(SCOPE);
    // A no-op OpenTelemetry (also behind GlobalOpenTelemetry's wrapper when no SDK is installed)
    // hands out the no-op tracer: then nothing is traced at all, no span, no header.
    this.enabled = tracer != TracerProvider.noop().get(SCOPE);
  }

  /**
   * Whether spans are made at all (false until an OpenTelemetry is set: no header, no span).
   *
   * @return true if tracing
   */
  public boolean enabled() {
    return enabled;
  }

  private TextMapPropagator propagator() {
    return openTelemetry.getPropagators().getTextMapPropagator();
  }

  /**
   * Starts a PRODUCER span under the caller's current context and returns the headers with its
   * context added.
   *
   * @param topic the topic
   * @param headers the record's headers
   * @return the span and the headers to write
   */
  public Publish publish(String topic, Map<String, String> headers) {
    Span span =
        tracer
            .spanBuilder(topic + " publish")
            .setSpanKind(SpanKind.PRODUCER)
            .setParent(Context.current())
            .setAttribute(SYSTEM, "skald")
            .setAttribute(DESTINATION, topic)
            .setAttribute(OPERATION, "publish")
            .startSpan();
    Map<String, String> traced = new HashMap<>(headers);
    propagator().inject(Context.current().with(span), traced, SETTER);
    return new Publish(span, Map.copyOf(traced));
  }

  /**
   * Starts the PRODUCER span of one batch a producer writes to a partition (a root span: the
   * batch's sends were made outside any trace), and returns its context to store with the append.
   *
   * @param topic the topic
   * @param partition the partition
   * @param records the number of records in the batch
   * @return the span and its context
   */
  public Publish publishBatch(String topic, int partition, int records) {
    Span span =
        tracer
            .spanBuilder(topic + " publish")
            .setSpanKind(SpanKind.PRODUCER)
            .setNoParent()
            .setAttribute(SYSTEM, "skald")
            .setAttribute(DESTINATION, topic)
            .setAttribute(OPERATION, "publish")
            .setAttribute(PARTITION, Integer.toString(partition))
            .setAttribute(BATCH_COUNT, (long) records)
            .startSpan();
    Map<String, String> context = new HashMap<>(4);
    propagator().inject(Context.root().with(span), context, SETTER);
    return new Publish(span, Map.copyOf(context));
  }

  /**
   * A started producer span and the headers carrying its context.
   *
   * @param span the span, to end when the send completes
   * @param headers the headers with the trace context
   */
  public record Publish(Span span, Map<String, String> headers) {
    /**
     * Ends the span with the send's outcome.
     *
     * @param error the failure, or null
     */
    public void end(Throwable error) {
      if (error != null) {
        span.recordException(error);
        span.setStatus(StatusCode.ERROR, error.getClass().getSimpleName());
      }
      span.end();
    }
  }

  /**
   * Starts a CONSUMER span for a handler's attempt, child of the context in the record's headers.
   *
   * @param topic the topic
   * @param partition the partition
   * @param offset the record's offset
   * @param group the consumer group
   * @param attempt the attempt, from 1
   * @param headers the record's headers
   * @return the span (make it current around the handler call, end it with the outcome)
   */
  public Span process(
      String topic,
      int partition,
      long offset,
      String group,
      int attempt,
      Map<String, String> headers) {
    Context parent = propagator().extract(Context.root(), headers, GETTER);
    return tracer
        .spanBuilder(topic + " process")
        .setSpanKind(SpanKind.CONSUMER)
        .setParent(parent)
        .setAttribute(SYSTEM, "skald")
        .setAttribute(DESTINATION, topic)
        .setAttribute(OPERATION, "process")
        .setAttribute(GROUP, group)
        .setAttribute(PARTITION, Integer.toString(partition))
        .setAttribute(OFFSET, offset)
        .setAttribute(ATTEMPT, (long) attempt)
        .startSpan();
  }

  /**
   * The trace context of the caller, as headers (empty when not tracing or outside any span): what
   * a saga keeps to continue its starter's trace in every command it sends.
   *
   * @return {@code traceparent} (and {@code tracestate}) of {@link Context#current()}
   */
  public Map<String, String> currentContext() {
    if (!enabled || !Span.current().getSpanContext().isValid()) {
      return Map.of();
    }
    Map<String, String> carrier = new HashMap<>();
    propagator().inject(Context.current(), carrier, SETTER);
    return Map.copyOf(carrier);
  }

  /**
   * A context from headers, to make current while sending on behalf of a traced operation.
   *
   * @param headers headers with {@code traceparent}
   * @return the context (the root context if there is none)
   */
  public Context contextOf(Map<String, String> headers) {
    return propagator().extract(Context.root(), headers, GETTER);
  }
}
