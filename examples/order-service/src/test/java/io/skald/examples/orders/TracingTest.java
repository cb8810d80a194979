package io.skald.examples.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.Test;

/**
 * One trace from the sample's HTTP request through every step of the order's saga: the command to
 * each participant, its handling, its reply, and the saga's handling of the reply.
 */
class TracingTest {

  @Test
  void anOrdersSagaIsOneTraceFromItsHttpRequest() throws Exception {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    OpenTelemetrySdk otel =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                    .build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    try (SkaldTestNode node = SkaldTestNode.start()) {
      node.skald().useOpenTelemetry(otel);
      Shop shop = Shop.start(node.skald(), new Shop.Options(Shop.Flow.ORCHESTRATION, 0.0, 0, 1));
      ServerBinding binding =
          new HttpServer(shop, otel)
              .bind(node.skald(), "127.0.0.1", 0)
              .toCompletableFuture()
              .join();
      try {
        HttpClientSupport http =
            new HttpClientSupport("http://127.0.0.1:" + binding.localAddress().getPort());
        http.post("/customers", "{\"customerId\":\"ada\",\"credit\":1000}");
        http.post("/inventory", "{\"sku\":\"book\",\"quantity\":3}");
        exporter.reset();
        var accepted =
            http.post(
                "/orders",
                "{\"customerId\":\"ada\",\"items\":[{\"sku\":\"book\",\"quantity\":1,\"unitPrice\":300}]}");
        assertEquals(202, accepted.status());
        String orderId = accepted.body().get("orderId").asText();
        Await.until(
            node.skald().system(),
            Duration.ofSeconds(20),
            () -> {
              try {
                assertEquals(
                    "COMPLETED", http.get("/sagas/" + orderId).body().get("state").asText());
              } catch (Exception e) {
                throw new AssertionError(e);
              }
              // five replies handled by the saga; five commands and the three end markers (one
              // per participant topic, sent when the saga ends) handled by participants
              assertEquals(
                  5,
                  exporter.getFinishedSpanItems().stream()
                      .filter(s -> s.getName().equals("place-order.replies process"))
                      .count());
              assertEquals(
                  8,
                  exporter.getFinishedSpanItems().stream()
                      .filter(s -> s.getName().endsWith("-commands process"))
                      .count());
            });

        List<SpanData> spans = exporter.getFinishedSpanItems();
        SpanData request =
            spans.stream()
                .filter(s -> s.getName().equals("POST /orders"))
                .findFirst()
                .orElseThrow();
        assertEquals(SpanKind.SERVER, request.getKind());
        List<SpanData> saga =
            spans.stream().filter(s -> s.getTraceId().equals(request.getTraceId())).toList();
        Set<String> names = saga.stream().map(SpanData::getName).collect(Collectors.toSet());
        // every step's command went out and was handled, and every reply came back, in one trace
        for (String topic :
            List.of(
                "order-commands",
                "inventory-commands",
                "payment-commands",
                "place-order.replies")) {
          assertTrue(names.contains(topic + " publish"), topic + " publish in " + names);
          assertTrue(names.contains(topic + " process"), topic + " process in " + names);
        }
        // nothing of this order's saga in another trace
        assertTrue(
            spans.stream()
                .filter(s -> s.getName().endsWith(" process") || s.getName().endsWith(" publish"))
                .allMatch(s -> s.getTraceId().equals(request.getTraceId())),
            spans.stream().map(s -> s.getName() + "@" + s.getTraceId()).toList().toString());
      } finally {
        binding.unbind().toCompletableFuture().join();
      }
    }
  }
}
