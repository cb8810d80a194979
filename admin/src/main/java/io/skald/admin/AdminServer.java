package io.skald.admin;

import io.skald.admin.internal.AdminRoutes;
import io.skald.admin.internal.PrometheusEndpoint;
import io.skald.framework.Skald;
import io.skald.saga.SagaRunner;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * The admin HTTP API of a Skald node: topics, consumer groups, dead letters, sagas and health, as
 * JSON, and its meters for Prometheus at {@code /metrics} (see {@code docs/operations.md} for every
 * endpoint, and the {@code skald} command line that talks to it). It listens on {@code 127.0.0.1}
 * unless configured otherwise, and requires a bearer token when one is set; errors are JSON with a
 * stable {@code error} code and a {@code message}.
 * <!-- snippet: jd-admin-server -->
 *
 * <pre>{@code
 * AdminServer admin =
 *     AdminServer.start(
 *             skald, AdminSettings.fromConfig(skald.system().settings().config()), sagas)
 *         .toCompletableFuture()
 *         .join();
 * System.out.println("admin API on " + admin.address());
 * }</pre>
 */
public final class AdminServer implements AutoCloseable {
  private final ServerBinding binding;
  private final Runnable unbindMetrics;

  private AdminServer(ServerBinding binding, Runnable unbindMetrics) {
    this.binding = binding;
    this.unbindMetrics = unbindMetrics;
  }

  /**
   * Starts the server.
   *
   * @param skald the node
   * @param settings where to listen and the token
   * @param sagas the saga runners the API exposes, by their definition's name (may be empty)
   * @return the running server; fails if the port cannot be bound
   */
  public static CompletionStage<AdminServer> start(
      Skald skald, AdminSettings settings, List<? extends SagaRunner<?>> sagas) {
    Objects.requireNonNull(skald, "skald");
    Objects.requireNonNull(settings, "settings");
    PrometheusEndpoint metrics = PrometheusEndpoint.bind(skald);
    AdminRoutes routes = new AdminRoutes(skald, settings, List.copyOf(sagas), metrics::scrape);
    return Http.get(skald.system())
        .newServerAt(settings.host(), settings.port())
        .bind(routes.routes())
        .handle(
            (binding, error) -> {
              if (error != null) {
                metrics.close();
                throw error instanceof java.util.concurrent.CompletionException c
                    ? c
                    : new java.util.concurrent.CompletionException(error);
              }
              return new AdminServer(binding, metrics::close);
            });
  }

  /**
   * Starts the server if {@code skald.admin.enabled} is on.
   *
   * @param skald the node
   * @param sagas the saga runners the API exposes
   * @return the running server, or empty when disabled
   */
  public static Optional<AdminServer> startIfEnabled(
      Skald skald, List<? extends SagaRunner<?>> sagas) {
    AdminSettings settings = AdminSettings.fromConfig(skald.system().settings().config());
    if (!settings.enabled()) {
      return Optional.empty();
    }
    return Optional.of(start(skald, settings, sagas).toCompletableFuture().join());
  }

  /**
   * The address the server listens on.
   *
   * @return the bound address (with the actual port when 0 was asked)
   */
  public InetSocketAddress address() {
    return binding.localAddress();
  }

  /**
   * The base URL of the API.
   *
   * @return for example {@code http://127.0.0.1:9470}
   */
  public String url() {
    return "http://" + address().getHostString() + ":" + address().getPort();
  }

  /**
   * Stops accepting requests, finishes those under way (up to 5 s) and removes its Prometheus
   * registry from the node's meters.
   */
  @Override
  public void close() {
    try {
      binding.terminate(Duration.ofSeconds(5)).toCompletableFuture().join();
    } finally {
      unbindMetrics.run();
    }
  }
}
