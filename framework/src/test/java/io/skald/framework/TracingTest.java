package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.RetryPolicy;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** W3C trace context from a producer through consumers, with the SDK's in-memory exporter. */
class TracingTest {

  private static SpanData one(List<SpanData> spans, String name) {
    List<SpanData> named = spans.stream().filter(s -> s.getName().equals(name)).toList();
    assertEquals(1, named.size(), name + " in " + spans);
    return named.get(0);
  }

  @Test
  void oneTraceFromTheCallerThroughAChainOfHandlers() {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    OpenTelemetrySdk otel = sdk(exporter);
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      // #jd-use-open-telemetry
      SdkTracerProvider tracerProvider =
          SdkTracerProvider.builder()
              .addSpanProcessor(SimpleSpanProcessor.create(exporter))
              .build();
      skald.useOpenTelemetry(
          OpenTelemetrySdk.builder()
              .setTracerProvider(tracerProvider)
              .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
              .build());
      // #jd-use-open-telemetry
      skald.useOpenTelemetry(otel); // the same exporter, through the test's own SDK
      skald.admin().createTopic(TopicSpec.of("orders", 2)).toCompletableFuture().join();
      skald.admin().createTopic(TopicSpec.of("shipments", 2)).toCompletableFuture().join();
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      Map<String, String> shippedHeaders = new ConcurrentHashMap<>();
      AtomicInteger attempts = new AtomicInteger();
      Subscription billing =
          skald.subscribe(
              SubscriptionSpec.of("billing", Codecs.string(), Codecs.string())
                  .withTopics("orders")
                  .withRetryPolicy(
                      RetryPolicy.exponential(Duration.ofMillis(50), Duration.ofMillis(50), 1.0)
                          .withMaxAttempts(3)),
              record -> {
                if (attempts.incrementAndGet() == 1) {
                  throw new IllegalStateException("first attempt fails");
                }
                // sent inside the handler's span: the trace goes on
                return producer
                    .send("shipments", record.key(), "ship " + record.value())
                    .thenApply(meta -> null);
              });
      Subscription shipping =
          skald.subscribe(
              SubscriptionSpec.of("shipping", Codecs.string(), Codecs.string())
                  .withTopics("shipments"),
              record -> {
                shippedHeaders.putAll(record.headers());
                return CompletableFuture.completedFuture(null);
              });

      Span request =
          otel.getTracer("test")
              .spanBuilder("POST /orders")
              .setSpanKind(SpanKind.SERVER)
              .startSpan();
      try (Scope scope = request.makeCurrent()) {
        producer.send("orders", "o-1", "order 1").toCompletableFuture().join();
      } finally {
        request.end();
      }
      Await.until(
          skald.system(),
          Duration.ofSeconds(15),
          () ->
              assertEquals(
                  1,
                  exporter.getFinishedSpanItems().stream()
                      .filter(s -> s.getName().equals("shipments process"))
                      .count()));
      billing.stop().toCompletableFuture().join();
      shipping.stop().toCompletableFuture().join();

      List<SpanData> spans = exporter.getFinishedSpanItems();
      SpanData http = one(spans, "POST /orders");
      SpanData publishOrder = one(spans, "orders publish");
      List<SpanData> processOrder =
          spans.stream().filter(s -> s.getName().equals("orders process")).toList();
      SpanData publishShipment = one(spans, "shipments publish");
      SpanData processShipment = one(spans, "shipments process");
      String traceId = http.getTraceId();
      for (SpanData span : spans) {
        assertEquals(traceId, span.getTraceId(), span.getName());
      }
      assertEquals(SpanKind.PRODUCER, publishOrder.getKind());
      assertEquals(http.getSpanId(), publishOrder.getParentSpanId());
      // two attempts, each its own CONSUMER span under the producer's; the first failed
      assertEquals(2, processOrder.size());
      for (SpanData attempt : processOrder) {
        assertEquals(SpanKind.CONSUMER, attempt.getKind());
        assertEquals(publishOrder.getSpanId(), attempt.getParentSpanId());
        assertEquals(
            "billing",
            attempt
                .getAttributes()
                .get(
                    io.opentelemetry.api.common.AttributeKey.stringKey(
                        "messaging.consumer.group.name")));
      }
      assertTrue(
          processOrder.stream()
              .anyMatch(
                  s ->
                      s.getStatus().getStatusCode() == StatusCode.ERROR
                          && s.getEvents().stream()
                              .anyMatch(e -> e.getName().equals("exception"))));
      SpanData succeeded =
          processOrder.stream()
              .filter(s -> s.getStatus().getStatusCode() != StatusCode.ERROR)
              .findFirst()
              .orElseThrow();
      assertEquals(succeeded.getSpanId(), publishShipment.getParentSpanId());
      assertEquals(publishShipment.getSpanId(), processShipment.getParentSpanId());
      assertTrue(shippedHeaders.get("traceparent").contains(traceId), shippedHeaders.toString());
    }
  }

  @Test
  void withoutOpenTelemetryNothingIsAdded() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      skald.useOpenTelemetry(OpenTelemetry.noop());
      // and GlobalOpenTelemetry without an SDK installed (its wrapper around the no-op) alike
      skald.useOpenTelemetry(io.opentelemetry.api.GlobalOpenTelemetry.get());
      skald.admin().createTopic(TopicSpec.of("plain", 1)).toCompletableFuture().join();
      skald
          .producer(ProducerSettings.of(Codecs.string(), Codecs.string()))
          .send("plain", "k", "v", Map.of("tenant", "acme"))
          .toCompletableFuture()
          .join();
      Map<String, String> seen = new ConcurrentHashMap<>();
      Subscription s =
          skald.subscribe(
              SubscriptionSpec.of("g", Codecs.string(), Codecs.string()).withTopics("plain"),
              r -> {
                seen.putAll(r.headers());
                return CompletableFuture.completedFuture(null);
              });
      Await.until(skald.system(), Duration.ofSeconds(10), () -> assertFalse(seen.isEmpty()));
      s.stop().toCompletableFuture().join();
      assertEquals(Map.of("tenant", "acme"), seen);
    }
  }

  @Test
  void withoutRootSpansOnlyWhatIsAlreadyTracedIsTraced() {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    OpenTelemetrySdk otel = sdk(exporter);
    try (SkaldTestNode node =
        SkaldTestNode.start(
            SkaldTestNode.newDataDir(), false, "skald.framework.tracing.root-spans = off")) {
      Skald skald = node.skald();
      skald.useOpenTelemetry(otel);
      skald.admin().createTopic(TopicSpec.of("mixed", 1)).toCompletableFuture().join();
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      // a bulk send outside any trace: no span, no header
      producer.send("mixed", "k", "bulk").toCompletableFuture().join();
      // a send inside a traced operation: traced
      Span request = otel.getTracer("test").spanBuilder("job").startSpan();
      try (Scope scope = request.makeCurrent()) {
        producer.send("mixed", "k", "traced").toCompletableFuture().join();
      } finally {
        request.end();
      }
      Map<String, Map<String, String>> headersByValue = new ConcurrentHashMap<>();
      Subscription s =
          skald.subscribe(
              SubscriptionSpec.of("g", Codecs.string(), Codecs.string()).withTopics("mixed"),
              r -> {
                headersByValue.put(r.value(), r.headers());
                return CompletableFuture.completedFuture(null);
              });
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () ->
              assertEquals(
                  1,
                  exporter.getFinishedSpanItems().stream()
                      .filter(x -> x.getName().equals("mixed process"))
                      .count()));
      s.stop().toCompletableFuture().join();
      assertEquals(Map.of(), headersByValue.get("bulk"));
      assertTrue(headersByValue.get("traced").containsKey("traceparent"));
      List<SpanData> spans = exporter.getFinishedSpanItems();
      assertEquals(3, spans.size(), spans.toString()); // job, its publish, its process
      for (SpanData span : spans) {
        assertEquals(request.getSpanContext().getTraceId(), span.getTraceId(), span.getName());
      }
    }
  }

  private static OpenTelemetrySdk sdk(InMemorySpanExporter exporter) {
    return OpenTelemetrySdk.builder()
        .setTracerProvider(
            SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                .build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
  }

  private static String traceparent(SpanData span) {
    return "00-"
        + span.getTraceId()
        + "-"
        + span.getSpanId()
        + "-"
        + span.getSpanContext().getTraceFlags().asHex();
  }

  @Test
  void sendsOutsideAnyTraceAreTracedPerBatchAndTheirContextSurvivesARestart() {
    java.nio.file.Path dir = SkaldTestNode.newDataDir();
    InMemorySpanExporter first = InMemorySpanExporter.create();
    int bulk = 300;
    String jobTraceparent;
    try (SkaldTestNode node = SkaldTestNode.start(dir, false, "")) {
      Skald skald = node.skald();
      OpenTelemetrySdk otel = sdk(first);
      skald.useOpenTelemetry(otel);
      skald.admin().createTopic(TopicSpec.of("bulk", 2)).toCompletableFuture().join();
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      List<CompletableFuture<?>> sent = new java.util.ArrayList<>();
      for (int i = 0; i < bulk; i++) {
        Map<String, String> headers = i == 7 ? Map.of("tenant", "acme") : Map.of();
        sent.add(producer.send("bulk", "k" + i, "v" + i, headers).toCompletableFuture());
      }
      Span job = otel.getTracer("test").spanBuilder("job").startSpan();
      try (Scope scope = job.makeCurrent()) {
        sent.add(producer.send("bulk", "k-job", "in a trace").toCompletableFuture());
      } finally {
        job.end();
      }
      CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
      jobTraceparent = job.getSpanContext().getTraceId();
    }
    List<SpanData> publishes =
        first.getFinishedSpanItems().stream()
            .filter(x -> x.getName().equals("bulk publish"))
            .toList();
    List<SpanData> batches =
        publishes.stream().filter(x -> !x.getParentSpanContext().isValid()).toList();
    long batched =
        batches.stream()
            .mapToLong(
                x ->
                    x.getAttributes()
                        .get(
                            io.opentelemetry.api.common.AttributeKey.longKey(
                                "messaging.batch.message_count")))
            .sum();
    // every bulk record is in one batch span, and so may be the traced send if it joined one
    assertTrue(batched == bulk || batched == bulk + 1, batched + " records in batch spans");
    assertTrue(batches.size() < bulk, batches.size() + " batch spans for " + bulk + " records");
    for (SpanData batch : batches) {
      assertEquals(SpanKind.PRODUCER, batch.getKind());
      assertEquals(
          batch
                  .getAttributes()
                  .get(
                      io.opentelemetry.api.common.AttributeKey.stringKey(
                          "messaging.destination.partition.id"))
              != null,
          true);
    }
    SpanData perSend =
        publishes.stream()
            .filter(x -> x.getParentSpanContext().isValid())
            .findFirst()
            .orElseThrow();
    assertEquals(jobTraceparent, perSend.getTraceId(), "a send in a trace keeps its own span");

    // after a restart the records come from the journal, not from the tail cache
    InMemorySpanExporter second = InMemorySpanExporter.create();
    try (SkaldTestNode node = SkaldTestNode.start(dir, false, "")) {
      Skald skald = node.skald();
      skald.useOpenTelemetry(sdk(second));
      Map<String, Map<String, String>> headersByValue = new ConcurrentHashMap<>();
      Subscription s =
          skald.subscribe(
              SubscriptionSpec.of("reader", Codecs.string(), Codecs.string()).withTopics("bulk"),
              r -> {
                headersByValue.put(r.value(), r.headers());
                return CompletableFuture.completedFuture(null);
              });
      Await.until(
          skald.system(),
          Duration.ofSeconds(20),
          () -> assertEquals(bulk + 1, headersByValue.size()));
      s.stop().toCompletableFuture().join();
      java.util.Set<String> batchContexts =
          batches.stream()
              .map(TracingTest::traceparent)
              .collect(java.util.stream.Collectors.toSet());
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (int i = 0; i < bulk; i++) {
        String context = headersByValue.get("v" + i).get("traceparent");
        assertTrue(batchContexts.contains(context), "v" + i + " carries its batch's context");
        seen.add(context);
      }
      assertEquals(batchContexts, seen, "each batch span's context is in its records");
      assertEquals("acme", headersByValue.get("v7").get("tenant"));
      assertEquals(traceparent(perSend), headersByValue.get("in a trace").get("traceparent"));
      // each handler ran in a CONSUMER span, child of its record's publish span
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () ->
              assertEquals(
                  bulk + 1,
                  second.getFinishedSpanItems().stream()
                      .filter(x -> x.getName().equals("bulk process"))
                      .count()));
      java.util.Set<String> publishIds =
          publishes.stream().map(SpanData::getSpanId).collect(java.util.stream.Collectors.toSet());
      for (SpanData process : second.getFinishedSpanItems()) {
        if (process.getName().equals("bulk process")) {
          assertTrue(publishIds.contains(process.getParentSpanId()), process.toString());
        }
      }
    } finally {
      SkaldTestNode.deleteRecursively(dir);
    }
  }
}
