package io.skald.admin.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.skald.admin.AdminServer;
import io.skald.admin.AdminSettings;
import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.producer.ProducerSettings;
import io.skald.saga.SagaRunner;
import io.skald.testkit.SkaldTestNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The code of the admin module's Javadoc and of docs/operations.md, compiled and run. */
class AdminDocsTest {

  @Test
  void aRegistryAddedToSkaldsSeesItsMeters() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      // #jd-meter-registry
      PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      skald.meterRegistry().add(prometheus);
      // serve prometheus.scrape() at /metrics, or use the admin server's /metrics
      // #jd-meter-registry
      skald.admin().createTopic(TopicSpec.of("orders", 1)).toCompletableFuture().join();
      skald
          .producer(ProducerSettings.of(Codecs.string(), Codecs.string()))
          .send("orders", "k", "v")
          .toCompletableFuture()
          .join();
      assertTrue(
          prometheus.scrape().contains("skald_producer_records_total{topic=\"orders\"} 1.0"),
          prometheus.scrape());
      skald.meterRegistry().remove(prometheus);
    }
  }

  @Test
  void anAdminServerStartsFromTheNodesConfiguration() {
    try (SkaldTestNode node =
        SkaldTestNode.start(
            SkaldTestNode.newDataDir(), false, "skald.admin.enabled = on\nskald.admin.port = 0")) {
      Skald skald = node.skald();
      List<SagaRunner<?>> sagas = List.of();
      // #jd-admin-server
      AdminServer admin =
          AdminServer.start(
                  skald, AdminSettings.fromConfig(skald.system().settings().config()), sagas)
              .toCompletableFuture()
              .join();
      System.out.println("admin API on " + admin.address());
      // #jd-admin-server
      try (admin) {
        assertEquals("127.0.0.1", admin.address().getAddress().getHostAddress());
        assertTrue(admin.address().getPort() > 0);
      }
      try (AdminServer enabled = AdminServer.startIfEnabled(skald, sagas).orElseThrow()) {
        assertTrue(enabled.url().startsWith("http://127.0.0.1:"));
      }
    }
  }
}
