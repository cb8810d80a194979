package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.skald.framework.consumer.RetryPolicy;
import io.skald.saga.TestShop.Order;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A choreographed saga is one trace, also across a step its participant retries after a business
 * failure (the retry waits on a timer, off the thread that handled the command, and the flow event
 * it then publishes must still belong to the saga's trace).
 */
class ChoreographyTracingTest {

  private static final SagaDefinition<Order> RETRIED_SHIPMENT =
      SagaDefinition.named("traced-retried-shipment", Order.class)
          .step("reserve-stock")
          .invoke(TestShop.RESERVE, o -> new TestShop.Reserve(o.id(), o.script()))
          .compensateWith(TestShop.RELEASE, o -> new TestShop.Release(o.id()))
          .step("ship")
          .invoke(TestShop.SHIP, o -> new TestShop.Ship(o.id(), o.script()))
          .retriable()
          .retry(RetryPolicy.exponential(Duration.ofMillis(20), Duration.ofMillis(50), 2.0))
          .build();

  @Test
  void aRetriedStepStaysInTheSagasTrace() {
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
      Sagas sagas = Sagas.create(node.skald());
      TestShop shop = new TestShop();
      shop.startParticipants(sagas, RETRIED_SHIPMENT);
      SagaChoreography<Order> saga = sagas.choreography(RETRIED_SHIPMENT);

      Span request = otel.getTracer("test").spanBuilder("POST /orders").startSpan();
      try (Scope ignored = request.makeCurrent()) {
        saga.start("busy", new Order("busy", 10, List.of("shipping:busy-2"), null, null))
            .toCompletableFuture()
            .join();
      } finally {
        request.end();
      }
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(30),
          () ->
              assertEquals(
                  SagaStatus.COMPLETED,
                  saga.get("busy").toCompletableFuture().join().get().status()));
      assertEquals(1, shop.effects("busy", "ship:do"), "shipped once, after two refusals");

      String trace = request.getSpanContext().getTraceId();
      List<SpanData> flowPublished =
          exporter.getFinishedSpanItems().stream()
              .filter(s -> s.getName().equals(RETRIED_SHIPMENT.name() + ".flow publish"))
              .toList();
      // started, reserve-stock succeeded, ship succeeded (after its retries)
      assertTrue(flowPublished.size() >= 3, flowPublished.toString());
      assertTrue(
          flowPublished.stream().allMatch(s -> s.getTraceId().equals(trace)),
          flowPublished.stream().map(s -> s.getName() + "@" + s.getTraceId()).toList().toString()
              + " not all in "
              + trace);
    }
  }
}
