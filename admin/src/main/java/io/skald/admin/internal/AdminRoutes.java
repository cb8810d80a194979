package io.skald.admin.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.skald.admin.AdminSettings;
import io.skald.framework.Skald;
import io.skald.framework.UnknownTopicException;
import io.skald.framework.admin.GroupActiveException;
import io.skald.framework.admin.InvalidTopicException;
import io.skald.framework.admin.TopicConflictException;
import io.skald.framework.admin.UnknownGroupException;
import io.skald.saga.SagaRunner;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INTERNAL API: the routes of the admin API under {@code /api/v1}. Every answer is JSON; every
 * refusal is {@code {"error": code, "message": text}} with a 4xx status (a 503 when the node cannot
 * answer in time), and a failure nobody foresaw is a 500 with the exception's class, its stack
 * trace only in the server's log.
 */
public final class AdminRoutes extends RouteSupport {
  private static final Logger LOG = LoggerFactory.getLogger(AdminRoutes.class);
  private final TopicRoutes topicRoutes;
  private final GroupRoutes groupRoutes;
  private final SagaRoutes sagaRoutes;
  private final Map<String, SagaRunner<?>> sagas = new LinkedHashMap<>();
  private final Supplier<String> prometheusScrape;
  private final Skald skald;

  /**
   * Creates the routes.
   *
   * @param skald the node
   * @param settings the server's settings
   * @param sagas the saga runners to expose
   * @param prometheusScrape the Prometheus text of the node's meters
   */
  public AdminRoutes(
      Skald skald,
      AdminSettings settings,
      List<SagaRunner<?>> sagas,
      Supplier<String> prometheusScrape) {
    super(settings);
    this.skald = skald;
    this.prometheusScrape = prometheusScrape;
    for (SagaRunner<?> runner : sagas) {
      if (this.sagas.put(runner.definition().name(), runner) != null) {
        throw new IllegalArgumentException(
            "two saga runners named '" + runner.definition().name() + "'");
      }
    }
    this.topicRoutes = new TopicRoutes(settings, skald.admin());
    this.groupRoutes = new GroupRoutes(settings, skald);
    this.sagaRoutes = new SagaRoutes(settings, this.sagas);
  }

  /**
   * The route tree.
   *
   * @return the routes
   */
  public Route routes() {
    return handleExceptions(
        exceptions(),
        () ->
            handleRejections(
                rejections(),
                () ->
                    authenticated(
                        () ->
                            concat(
                                path("metrics", () -> get(this::metrics)),
                                pathPrefix(
                                    "api",
                                    () ->
                                        pathPrefix(
                                            "v1",
                                            () ->
                                                concat(
                                                    pathPrefix("health", this::health),
                                                    pathPrefix("topics", topicRoutes::routes),
                                                    pathPrefix("groups", groupRoutes::routes),
                                                    pathPrefix("sagas", sagaRoutes::routes))))))));
  }

  private static final org.apache.pekko.http.javadsl.model.ContentType PROMETHEUS_TEXT =
      org.apache.pekko.http.javadsl.model.ContentTypes.create(
          org.apache.pekko.http.javadsl.model.MediaTypes.customWithFixedCharset(
              "text",
              "plain",
              org.apache.pekko.http.javadsl.model.HttpCharsets.UTF_8,
              java.util.Map.of("version", "0.0.4"),
              false));

  private Route metrics() {
    return complete(
        HttpResponse.create()
            .withEntity(
                HttpEntities.create(
                    PROMETHEUS_TEXT, prometheusScrape.get().getBytes(StandardCharsets.UTF_8))));
  }

  // ----- plumbing

  private Route authenticated(Supplier<Route> inner) {
    if (settings.token().isEmpty()) {
      return inner.get();
    }
    byte[] expected = ("Bearer " + settings.token().get()).getBytes(StandardCharsets.UTF_8);
    return optionalHeaderValueByName(
        "Authorization",
        value ->
            value.isPresent()
                    && MessageDigest.isEqual(value.get().getBytes(StandardCharsets.UTF_8), expected)
                ? inner.get()
                : respondWithHeader(
                    WWWAuthenticate.create(HttpChallenge.createOAuth2("skald-admin")),
                    () ->
                        error(
                            StatusCodes.UNAUTHORIZED,
                            "unauthorized",
                            "this API requires the header Authorization: Bearer <token>")));
  }

  private ExceptionHandler exceptions() {
    return ExceptionHandler.newBuilder()
        .matchAny(
            thrown -> {
              Throwable e = thrown;
              while ((e instanceof CompletionException
                      || e instanceof java.util.concurrent.ExecutionException)
                  && e.getCause() != null) {
                e = e.getCause();
              }
              return failure(e);
            })
        .build();
  }

  private Route failure(Throwable e) {
    if (e instanceof ApiError api) {
      return error(api.status(), api.code(), api.getMessage());
    }
    if (e instanceof TopicConflictException conflict) {
      ObjectNode body = errorBody("topic_conflict", conflict.getMessage());
      body.set("differences", Json.differences(conflict.differences()));
      return json(StatusCodes.CONFLICT, body);
    }
    if (e instanceof UnknownTopicException) {
      return error(StatusCodes.NOT_FOUND, "unknown_topic", e.getMessage());
    }
    if (e instanceof UnknownGroupException) {
      return error(StatusCodes.NOT_FOUND, "unknown_group", e.getMessage());
    }
    if (e instanceof GroupActiveException) {
      return error(StatusCodes.CONFLICT, "group_active", e.getMessage());
    }
    if (e instanceof InvalidTopicException) {
      return error(StatusCodes.BAD_REQUEST, "invalid_topic", e.getMessage());
    }
    if (e instanceof IllegalArgumentException) {
      return error(StatusCodes.BAD_REQUEST, "invalid_request", e.getMessage());
    }
    if (e instanceof org.apache.pekko.http.scaladsl.model.EntityStreamSizeException) {
      return error(
          StatusCodes.CONTENT_TOO_LARGE,
          "too_large",
          "the request body is larger than " + settings.maxBodyBytes() + " bytes");
    }
    if (e instanceof TimeoutException
        || e instanceof org.apache.pekko.pattern.AskTimeoutException
        || e instanceof java.util.concurrent.CancellationException) {
      return error(
          StatusCodes.SERVICE_UNAVAILABLE,
          "unavailable",
          "the node did not answer in time; try again (" + e.getClass().getSimpleName() + ")");
    }
    LOG.error("admin API: request failed", e);
    return error(
        StatusCodes.INTERNAL_SERVER_ERROR,
        "internal_error",
        "the request failed: " + e.getClass().getName() + " (see the node's log)");
  }

  private RejectionHandler rejections() {
    return RejectionHandler.defaultHandler()
        .mapRejectionResponse(
            response -> {
              String text =
                  response.entity() instanceof HttpEntity.Strict strict
                      ? strict.getData().utf8String()
                      : response.status().reason();
              return response.withEntity(
                  HttpEntities.create(
                      ContentTypes.APPLICATION_JSON,
                      errorBody(codeFor(response.status()), text)
                          .toString()
                          .getBytes(StandardCharsets.UTF_8)));
            });
  }

  private static String codeFor(StatusCode status) {
    switch (status.intValue()) {
      case 404:
        return "not_found";
      case 405:
        return "method_not_allowed";
      case 413:
        return "too_large";
      case 415:
        return "unsupported_media_type";
      case 401:
        return "unauthorized";
      default:
        return status.intValue() < 500 ? "invalid_request" : "unavailable";
    }
  }

  // ----- health

  private Route health() {
    return get(
        () ->
            concat(
                path(
                    "live",
                    () ->
                        json(
                            StatusCodes.OK,
                            Json.object()
                                .put(
                                    "status",
                                    skald
                                            .system()
                                            .getWhenTerminated()
                                            .toCompletableFuture()
                                            .isDone()
                                        ? "DOWN"
                                        : "UP"))),
                pathEnd(() -> reply(this::readiness)),
                path("ready", () -> reply(this::readiness))));
  }

  private CompletionStage<Reply> readiness() {
    return skald
        .health()
        .thenApply(
            health -> {
              ObjectNode body = Json.object().put("status", health.ready() ? "UP" : "DOWN");
              ArrayNode list = Json.array();
              health
                  .checks()
                  .forEach(
                      c ->
                          list.add(
                              Json.object()
                                  .put("name", c.name())
                                  .put("status", c.up() ? "UP" : "DOWN")
                                  .put("detail", c.detail())));
              body.set("checks", list);
              return new Reply(
                  health.ready() ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, body);
            });
  }
}
