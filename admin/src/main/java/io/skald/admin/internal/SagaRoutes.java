package io.skald.admin.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.skald.admin.AdminSettings;
import io.skald.saga.OperatorAction;
import io.skald.saga.SagaRunner;
import io.skald.saga.SagaStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * INTERNAL API: the routes of {@code /api/v1/sagas}: instances by status, one with its history and
 * diagram, operator actions.
 */
final class SagaRoutes extends RouteSupport {
  private static final Pattern SAGA_ID = Pattern.compile("[A-Za-z0-9._:@-]{1,200}");

  private final Map<String, SagaRunner<?>> sagas;

  SagaRoutes(AdminSettings settings, Map<String, SagaRunner<?>> sagas) {
    super(settings);
    this.sagas = sagas;
  }

  // ----- sagas

  Route routes() {
    return concat(
        pathEnd(() -> get(() -> reply(this::listSagas))),
        pathPrefix(
            PathMatchers.segment(),
            name -> {
              SagaRunner<?> runner = sagas.get(name);
              if (runner == null) {
                throw ApiError.notFound(
                    "unknown_saga",
                    "no saga named '" + name + "' on this server; known: " + sagas.keySet());
              }
              return concat(
                  pathEnd(
                      () ->
                          get(
                              () ->
                                  parameterMap(
                                      params ->
                                          reply(
                                              () ->
                                                  params.keySet().stream()
                                                          .anyMatch(SUMMARY_PARAMS::contains)
                                                      ? summaries(runner, params)
                                                      : listInstances(
                                                          runner,
                                                          Optional.ofNullable(params.get("status")),
                                                          intParam(
                                                              Optional.ofNullable(
                                                                  params.get("page")),
                                                              "page",
                                                              0,
                                                              0,
                                                              Integer.MAX_VALUE),
                                                          intParam(
                                                              Optional.ofNullable(
                                                                  params.get("size")),
                                                              "size",
                                                              50,
                                                              1,
                                                              MAX_PAGE)))))),
                  pathPrefix(
                      PathMatchers.segment(),
                      sagaId -> {
                        if (!SAGA_ID.matcher(sagaId).matches()) {
                          throw ApiError.badRequest(
                              "a saga id is 1 to 200 characters from [A-Za-z0-9._:@-]");
                        }
                        return concat(
                            pathEnd(
                                () ->
                                    get(
                                        () ->
                                            reply(
                                                () ->
                                                    instance(runner, sagaId)
                                                        .thenApply(
                                                            view -> Reply.ok(Json.saga(view)))))),
                            path(
                                "diagram",
                                () ->
                                    get(
                                        () ->
                                            reply(
                                                () ->
                                                    instance(runner, sagaId)
                                                        .thenApply(
                                                            view ->
                                                                Reply.ok(
                                                                    Json.object()
                                                                        .put("sagaId", sagaId)
                                                                        .put(
                                                                            "mermaid",
                                                                            diagram(
                                                                                runner, view))))))),
                            path(
                                "signal",
                                () -> post(() -> body(body -> signal(runner, sagaId, body)))),
                            path(
                                "migrate",
                                () -> post(() -> body(body -> migrate(runner, sagaId, body)))),
                            path(
                                PathMatchers.segment(),
                                action ->
                                    post(() -> reply(() -> operate(runner, sagaId, action)))));
                      }));
            }));
  }

  @SuppressWarnings("unchecked")
  private static <D> String diagram(SagaRunner<D> runner, io.skald.saga.SagaView<?> view) {
    return runner.definition().toMermaid(view);
  }

  private CompletionStage<Reply> listSagas() {
    List<CompletableFuture<ObjectNode>> rows = new ArrayList<>();
    sagas.forEach(
        (name, runner) ->
            rows.add(
                runner
                    .counts()
                    .thenApply(
                        counts -> {
                          ObjectNode byStatus = Json.object();
                          for (SagaStatus s : SagaStatus.values()) {
                            byStatus.put(s.name(), counts.getOrDefault(s, 0L));
                          }
                          ObjectNode row = Json.object().put("name", name);
                          row.set("counts", byStatus);
                          ArrayNode versions = Json.array();
                          runner.versions().forEach(versions::add);
                          row.set("versions", versions);
                          return row;
                        })
                    .toCompletableFuture()));
    return CompletableFuture.allOf(rows.toArray(CompletableFuture[]::new))
        .thenApply(
            ignored -> {
              ArrayNode list = Json.array();
              rows.forEach(r -> list.add(r.join()));
              ObjectNode body = Json.object();
              body.set("sagas", list);
              return Reply.ok(body);
            });
  }

  /** Parameters that ask for the summaries query rather than the list of ids. */
  private static final java.util.Set<String> SUMMARY_PARAMS =
      java.util.Set.of("from", "to", "version", "limit", "after");

  /**
   * The summaries of one status by time range and version, a page at a time ({@link
   * SagaRunner#query}): {@code status} (required), {@code from} and {@code to} (ISO-8601 instants),
   * {@code version}, {@code limit}, {@code after} (the previous page's {@code next}).
   */
  private CompletionStage<Reply> summaries(SagaRunner<?> runner, Map<String, String> params) {
    String status = params.get("status");
    if (status == null) {
      throw ApiError.badRequest("\"status\" is required with from, to, version, limit or after");
    }
    io.skald.saga.SagaQuery query;
    try {
      query =
          new io.skald.saga.SagaQuery(
              SagaStatus.valueOf(status),
              instantParam(params.get("from"), "from"),
              instantParam(params.get("to"), "to"),
              intParam(Optional.ofNullable(params.get("version")), "version", 0, 0, 1_000_000),
              intParam(
                  Optional.ofNullable(params.get("limit")),
                  "limit",
                  100,
                  1,
                  io.skald.saga.SagaQuery.MAX_LIMIT),
              params.get("after"));
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest(
          e.getMessage().startsWith("No enum constant")
              ? "\"status\" must be one of " + List.of(SagaStatus.values()) + ", was " + status
              : e.getMessage());
    }
    return runner
        .query(query)
        .handle(
            (page, error) -> {
              if (error != null) {
                Throwable cause =
                    error instanceof java.util.concurrent.CompletionException
                        ? error.getCause()
                        : error;
                if (cause instanceof IllegalArgumentException) {
                  throw ApiError.badRequest(cause.getMessage());
                }
                throw new java.util.concurrent.CompletionException(cause);
              }
              ArrayNode items = Json.array();
              page.items()
                  .forEach(
                      s ->
                          items.add(
                              Json.object()
                                  .put("sagaId", s.sagaId())
                                  .put("status", s.status().name())
                                  .put("version", s.version())
                                  .put("at", s.at() == null ? null : s.at().toString())
                                  .put("deleted", s.deleted())));
              ObjectNode body =
                  Json.object()
                      .put("saga", runner.definition().name())
                      .put("status", status)
                      .put("next", page.next());
              body.set("items", items);
              return Reply.ok(body);
            });
  }

  private static java.time.Instant instantParam(String value, String name) {
    if (value == null) {
      return null;
    }
    try {
      return java.time.Instant.parse(value);
    } catch (java.time.format.DateTimeParseException e) {
      throw ApiError.badRequest(
          "\"" + name + "\" must be an ISO-8601 instant (2026-12-07T10:00:00Z), was " + value);
    }
  }

  private CompletionStage<Reply> listInstances(
      SagaRunner<?> runner, Optional<String> status, int page, int size) {
    List<SagaStatus> statuses;
    if (status.isEmpty()) {
      statuses = List.of(SagaStatus.values());
    } else {
      try {
        statuses = List.of(SagaStatus.valueOf(status.get()));
      } catch (IllegalArgumentException e) {
        throw ApiError.badRequest(
            "\"status\" must be one of " + List.of(SagaStatus.values()) + ", was " + status.get());
      }
    }
    List<CompletableFuture<List<String>>> parts = new ArrayList<>();
    statuses.forEach(s -> parts.add(runner.list(s).toCompletableFuture()));
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
        .thenApply(
            ignored -> {
              List<String> all = new ArrayList<>();
              parts.forEach(p -> all.addAll(p.join()));
              ArrayNode ids = Json.array();
              all.stream().skip((long) page * size).limit(size).forEach(ids::add);
              ObjectNode body =
                  Json.object()
                      .put("saga", runner.definition().name())
                      .put("status", status.orElse(null))
                      .put("page", page)
                      .put("size", size)
                      .put("total", all.size());
              body.set("ids", ids);
              return Reply.ok(body);
            });
  }

  private static CompletionStage<io.skald.saga.SagaView<?>> instance(
      SagaRunner<?> runner, String sagaId) {
    return runner
        .get(sagaId)
        .thenApply(
            view ->
                view.orElseThrow(
                    () ->
                        ApiError.notFound(
                            "unknown_saga_instance",
                            "no instance '"
                                + sagaId
                                + "' of saga '"
                                + runner.definition().name()
                                + "'")));
  }

  /**
   * {@code POST .../{id}/signal} with {@code {"type": "Approved", "signal": {...}}}: 200 with
   * whether the instance took it, 400 for a type no step waits for or a signal that does not read
   * as it, 404 for no such instance.
   */
  private CompletionStage<Reply> signal(SagaRunner<?> runner, String sagaId, ObjectNode body) {
    String type = Json.text(body, "type", true);
    com.fasterxml.jackson.databind.JsonNode signal = body.get("signal");
    if (signal == null || !signal.isObject()) {
      throw ApiError.badRequest("\"signal\" must be the signal as a JSON object");
    }
    return runner
        .signal(sagaId, type, signal.toString())
        .handle(
            (taken, error) -> {
              if (error != null) {
                Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                if (cause instanceof IllegalArgumentException) {
                  throw ApiError.badRequest(cause.getMessage());
                }
                if (cause instanceof IllegalStateException
                    && cause.getMessage().contains("has not started")) {
                  throw ApiError.notFound("unknown_saga_instance", cause.getMessage());
                }
                if (cause instanceof IllegalStateException) {
                  throw new ApiError(StatusCodes.CONFLICT, "signal_refused", cause.getMessage());
                }
                throw error instanceof CompletionException c ? c : new CompletionException(cause);
              }
              return Reply.ok(
                  Json.object()
                      .put("saga", runner.definition().name())
                      .put("sagaId", sagaId)
                      .put("type", type)
                      .put("taken", taken));
            });
  }

  /**
   * {@code POST .../{id}/migrate} with {@code {"toVersion": 2}}: 200 with the instance after the
   * migration, 400 for a version the saga does not run here, 409 when the instance's past does not
   * fit the version, 404 for no such instance.
   */
  private CompletionStage<Reply> migrate(SagaRunner<?> runner, String sagaId, ObjectNode body) {
    com.fasterxml.jackson.databind.JsonNode to = body.get("toVersion");
    if (to == null || !to.canConvertToInt() || to.asInt() < 1) {
      throw ApiError.badRequest("\"toVersion\" must be a version, from 1");
    }
    return instance(runner, sagaId)
        .thenCompose(
            exists ->
                runner
                    .migrate(sagaId, to.asInt())
                    .handle(
                        (view, error) -> {
                          if (error != null) {
                            Throwable cause =
                                error instanceof CompletionException ? error.getCause() : error;
                            if (cause instanceof IllegalArgumentException) {
                              throw ApiError.badRequest(cause.getMessage());
                            }
                            if (cause instanceof IllegalStateException) {
                              throw new ApiError(
                                  StatusCodes.CONFLICT, "action_refused", cause.getMessage());
                            }
                            throw error instanceof CompletionException c
                                ? c
                                : new CompletionException(cause);
                          }
                          return Reply.ok(Json.saga(view));
                        }));
  }

  private CompletionStage<Reply> operate(SagaRunner<?> runner, String sagaId, String action) {
    OperatorAction operation;
    try {
      operation = OperatorAction.ofWireName(action);
    } catch (IllegalArgumentException e) {
      throw ApiError.notFound(
          "not_found", "unknown action '" + action + "'; one of retry, skip, compensate, abort");
    }
    return instance(runner, sagaId)
        .thenCompose(
            exists -> {
              CompletionStage<? extends io.skald.saga.SagaView<?>> done;
              switch (operation) {
                case RETRY:
                  done = runner.retry(sagaId);
                  break;
                case SKIP:
                  done = runner.skip(sagaId);
                  break;
                case COMPENSATE:
                  done = runner.compensate(sagaId);
                  break;
                default:
                  done = runner.abort(sagaId);
                  break;
              }
              return done.handle(
                  (view, error) -> {
                    if (error != null) {
                      Throwable cause =
                          error instanceof CompletionException ? error.getCause() : error;
                      if (cause instanceof IllegalStateException) {
                        throw new ApiError(
                            StatusCodes.CONFLICT, "action_refused", cause.getMessage());
                      }
                      throw error instanceof CompletionException c
                          ? c
                          : new CompletionException(cause);
                    }
                    return Reply.ok(Json.saga(view));
                  });
            });
  }
}
