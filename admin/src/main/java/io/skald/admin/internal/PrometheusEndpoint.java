package io.skald.admin.internal;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.skald.framework.Skald;

/**
 * INTERNAL API: a Prometheus registry added to the node's Skald meters (and the JVM's) while the
 * admin server runs; {@code GET /metrics} serves its scrape in the text format.
 */
public final class PrometheusEndpoint implements AutoCloseable {
  private final Skald skald;
  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gc;

  private PrometheusEndpoint(Skald skald) {
    this.skald = skald;
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    this.gc = new JvmGcMetrics();
    gc.bindTo(registry);
    skald.meterRegistry().add(registry);
  }

  /**
   * Creates the registry and adds it to the node's meters.
   *
   * @param skald the node
   * @return the endpoint
   */
  public static PrometheusEndpoint bind(Skald skald) {
    return new PrometheusEndpoint(skald);
  }

  /**
   * The Prometheus text format (0.0.4) of every meter.
   *
   * @return the scrape
   */
  public String scrape() {
    return registry.scrape();
  }

  /** Removes the registry from the node's meters. */
  @Override
  public void close() {
    skald.meterRegistry().remove(registry);
    gc.close();
    registry.close();
  }
}
