package io.skald.admin.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.skald.admin.AdminSettings;
import io.skald.framework.Skald;
import io.skald.framework.TopicPartition;
import io.skald.framework.UnknownTopicException;
import io.skald.framework.admin.GroupActiveException;
import io.skald.framework.admin.GroupState;
import io.skald.framework.admin.InvalidTopicException;
import io.skald.framework.admin.OffsetReset;
import io.skald.framework.admin.PartitionOffsets;
import io.skald.framework.admin.TopicAdmin;
import io.skald.framework.admin.TopicConflictException;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.admin.UnknownGroupException;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.deadletter.DeadLetterQueue;
import io.skald.saga.OperatorAction;
import io.skald.saga.SagaRunner;
import io.skald.saga.SagaStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INTERNAL API: the routes of the admin API under {@code /api/v1}. Every answer is JSON; every
 * refusal is {@code {"error": code, "message": text}} with a 4xx status (a 503 when the node cannot
 * answer in time), and a failure nobody foresaw is a 500 with the exception's class, its stack
 * trace only in the server's log.
 */
public final class AdminRoutes extends AllDirectives {
  private static final Logger LOG = LoggerFactory.getLogger(AdminRoutes.class);
  private static final Pattern SAGA_ID = Pattern.compile("[A-Za-z0-9._:@-]{1,200}");
  private static final int MAX_PAGE = 1000;

  private final Skald skald;
  private final TopicAdmin admin;
  private final AdminSettings settings;
  private final Map<String, SagaRunner<?>> sagas = new LinkedHashMap<>();
  private final Health health;
  private final Supplier<String> prometheusScrape;

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
    this.skald = skald;
    this.prometheusScrape = prometheusScrape;
    this.admin = skald.admin();
    this.settings = settings;
    for (SagaRunner<?> runner : sagas) {
      if (this.sagas.put(runner.definition().name(), runner) != null) {
        throw new IllegalArgumentException(
            "two saga runners named '" + runner.definition().name() + "'");
      }
    }
    this.health = new Health(skald);
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
                                                    pathPrefix("topics", this::topics),
                                                    pathPrefix("groups", this::groups),
                                                    pathPrefix("sagas", this::sagas))))))));
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

  /** A JSON answer. */
  record Reply(StatusCode status, JsonNode body) {
    static Reply ok(JsonNode body) {
      return new Reply(StatusCodes.OK, body);
    }
  }

  private Route json(StatusCode status, JsonNode body) {
    return complete(
        HttpResponse.create()
            .withStatus(status)
            .withEntity(
                HttpEntities.create(
                    ContentTypes.APPLICATION_JSON,
                    body.toString().getBytes(StandardCharsets.UTF_8))));
  }

  private Route error(StatusCode status, String code, String message) {
    return json(status, errorBody(code, message));
  }

  private static ObjectNode errorBody(String code, String message) {
    return Json.object().put("error", code).put("message", message);
  }

  /** Answers with a stage's reply; its failure goes to the exception handler. */
  private Route reply(Supplier<CompletionStage<Reply>> call) {
    CompletionStage<Reply> stage =
        call.get()
            .toCompletableFuture()
            .orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    return onSuccess(stage, r -> json(r.status(), r.body()));
  }

  private Route body(Function<ObjectNode, CompletionStage<Reply>> handler) {
    return withSizeLimit(
        settings.maxBodyBytes(),
        () ->
            entity(
                Unmarshaller.entityToString(),
                text -> {
                  ObjectNode body = Json.parseObject(text);
                  return reply(() -> handler.apply(body));
                }));
  }

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

  private static int intParam(Optional<String> value, String name, int absent, int min, int max) {
    if (value.isEmpty()) {
      return absent;
    }
    try {
      int n = Integer.parseInt(value.get());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw ApiError.badRequest(
        "query parameter \"" + name + "\" must be a whole number from " + min + " to " + max);
  }

  private static long longParam(Optional<String> value, String name, long absent) {
    if (value.isEmpty()) {
      return absent;
    }
    try {
      long n = Long.parseLong(value.get());
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw ApiError.badRequest("\"" + name + "\" must be a whole number >= 0");
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
                            Json.object().put("status", health.live() ? "UP" : "DOWN"))),
                pathEnd(() -> reply(this::readiness)),
                path("ready", () -> reply(this::readiness))));
  }

  private CompletionStage<Reply> readiness() {
    return health
        .ready()
        .thenApply(
            checks -> {
              boolean up = checks.stream().allMatch(Health.Check::up);
              ObjectNode body = Json.object().put("status", up ? "UP" : "DOWN");
              ArrayNode list = Json.array();
              checks.forEach(
                  c ->
                      list.add(
                          Json.object()
                              .put("name", c.name())
                              .put("status", c.up() ? "UP" : "DOWN")
                              .put("detail", c.detail())));
              body.set("checks", list);
              return new Reply(up ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, body);
            });
  }

  // ----- topics

  private Route topics() {
    return concat(
        pathEnd(
            () ->
                concat(
                    get(
                        () ->
                            reply(
                                () ->
                                    admin
                                        .listTopics()
                                        .thenApply(
                                            list -> {
                                              ArrayNode topics = Json.array();
                                              list.forEach(t -> topics.add(Json.topic(t)));
                                              ObjectNode body = Json.object();
                                              body.set("topics", topics);
                                              return Reply.ok(body);
                                            }))),
                    post(
                        () ->
                            body(
                                body ->
                                    admin
                                        .createTopic(Json.topicSpec(body))
                                        .thenApply(
                                            spec ->
                                                new Reply(
                                                    StatusCodes.CREATED, Json.topic(spec))))))),
        pathPrefix(
            PathMatchers.segment(),
            name ->
                pathEnd(
                    () ->
                        concat(
                            get(() -> reply(() -> describeTopic(name))),
                            patch(() -> body(body -> alterTopic(name, body))),
                            delete(
                                () ->
                                    reply(
                                        () ->
                                            admin
                                                .deleteTopic(name)
                                                .thenApply(
                                                    done ->
                                                        Reply.ok(
                                                            Json.object()
                                                                .put("deleted", name)))))))));
  }

  private CompletionStage<Reply> describeTopic(String name) {
    return admin
        .describeTopic(name)
        .thenCompose(
            found -> {
              TopicSpec spec =
                  found.orElseThrow(
                      () -> ApiError.notFound("unknown_topic", "unknown topic '" + name + "'"));
              List<CompletableFuture<PartitionOffsets>> offsets = new ArrayList<>();
              for (int p = 0; p < spec.partitions(); p++) {
                offsets.add(
                    admin.partitionOffsets(new TopicPartition(name, p)).toCompletableFuture());
              }
              return CompletableFuture.allOf(offsets.toArray(CompletableFuture[]::new))
                  .thenApply(
                      ignored -> {
                        ObjectNode body = Json.topic(spec);
                        ArrayNode partitions = Json.array();
                        long records = 0;
                        for (int p = 0; p < offsets.size(); p++) {
                          PartitionOffsets o = offsets.get(p).join();
                          records += o.logEndOffset() - o.logStartOffset();
                          partitions.add(
                              Json.object()
                                  .put("partition", p)
                                  .put("logStartOffset", o.logStartOffset())
                                  .put("logEndOffset", o.logEndOffset())
                                  .put("records", o.logEndOffset() - o.logStartOffset()));
                        }
                        body.put("records", records);
                        body.set("partitionOffsets", partitions);
                        return Reply.ok(body);
                      });
            });
  }

  private CompletionStage<Reply> alterTopic(String name, ObjectNode body) {
    Json.onlyFields(body, "a topic change", Json.TOPIC_FIELDS);
    String bodyName = Json.text(body, "name", false);
    if (bodyName != null && !bodyName.equals(name)) {
      throw ApiError.badRequest(
          "the body names topic '" + bodyName + "' but the path names '" + name + "'");
    }
    return admin
        .describeTopic(name)
        .thenCompose(
            found -> {
              TopicSpec current =
                  found.orElseThrow(
                      () -> ApiError.notFound("unknown_topic", "unknown topic '" + name + "'"));
              TopicSpec requested = Json.settings(body, current);
              if (body.has("partitions")) {
                requested =
                    new TopicSpec(
                        name,
                        (int) Json.number(body, "partitions", 1, TopicSpec.MAX_PARTITIONS),
                        requested.retention(),
                        requested.backlogLimit(),
                        requested.compaction());
              }
              TopicSpec target = requested;
              return admin
                  .alterTopic(target)
                  .thenApply(
                      previous -> {
                        ObjectNode reply = Json.object();
                        reply.set("previous", Json.topic(previous));
                        reply.set("current", Json.topic(target));
                        return Reply.ok(reply);
                      });
            });
  }

  // ----- groups

  private Route groups() {
    return concat(
        pathEnd(
            () ->
                get(
                    () ->
                        reply(
                            () ->
                                admin
                                    .listGroups()
                                    .thenApply(
                                        list -> {
                                          ArrayNode groups = Json.array();
                                          list.forEach(groups::add);
                                          ObjectNode body = Json.object();
                                          body.set("groups", groups);
                                          return Reply.ok(body);
                                        })))),
        pathPrefix(
            PathMatchers.segment(),
            group ->
                concat(
                    pathEnd(
                        () ->
                            concat(
                                get(
                                    () ->
                                        reply(
                                            () ->
                                                admin
                                                    .describeGroup(group)
                                                    .thenApply(d -> Reply.ok(Json.group(d))))),
                                delete(
                                    () ->
                                        reply(
                                            () ->
                                                admin
                                                    .deleteGroup(group)
                                                    .thenApply(
                                                        done ->
                                                            Reply.ok(
                                                                Json.object()
                                                                    .put("deleted", group))))))),
                    path(
                        "reset-offsets", () -> post(() -> body(body -> resetOffsets(group, body)))),
                    pathPrefix("dead-letters", () -> deadLetters(group)))));
  }

  private CompletionStage<Reply> resetOffsets(String group, ObjectNode body) {
    Json.onlyFields(body, "a reset", Set.of("topic", "to", "offset", "datetime", "dryRun"));
    String topic = Json.text(body, "topic", true);
    String to = Json.text(body, "to", true);
    boolean dryRun = Json.bool(body, "dryRun", true);
    OffsetReset target;
    switch (to) {
      case "earliest":
        target = OffsetReset.earliest();
        break;
      case "latest":
        target = OffsetReset.latest();
        break;
      case "offset":
        target = OffsetReset.toOffset(Json.number(body, "offset", 0, Long.MAX_VALUE));
        break;
      case "datetime":
        target = OffsetReset.toTimestamp(Json.instant(body, "datetime"));
        break;
      default:
        throw ApiError.badRequest(
            "\"to\" must be earliest, latest, offset or datetime, was \"" + to + "\"");
    }
    // Like kafka-consumer-groups, a reset (even a dry run) needs an inactive group: the plan of
    // an active one would be stale before it was read.
    return admin
        .describeGroup(group)
        .exceptionally(
            error -> {
              Throwable cause = error instanceof CompletionException ? error.getCause() : error;
              if (cause instanceof UnknownGroupException) {
                return null; // a group that never ran may be positioned before it starts
              }
              throw error instanceof CompletionException c ? c : new CompletionException(cause);
            })
        .thenCompose(
            described -> {
              if (described != null && described.state() != GroupState.EMPTY) {
                throw new GroupActiveException(
                    "group '"
                        + group
                        + "' has "
                        + described.members().size()
                        + " active member(s); stop them before resetting its offsets (a dry run"
                        + " too: its plan would be stale at once)");
              }
              return admin
                  .committedOffsets(group)
                  .thenCompose(
                      before ->
                          admin
                              .resetOffsets(group, topic, target, dryRun)
                              .thenApply(
                                  after -> {
                                    ObjectNode reply =
                                        Json.object()
                                            .put("group", group)
                                            .put("topic", topic)
                                            .put("dryRun", dryRun);
                                    ArrayNode offsets = Json.array();
                                    after.entrySet().stream()
                                        .sorted(
                                            Map.Entry.comparingByKey(
                                                java.util.Comparator.comparingInt(
                                                    TopicPartition::partition)))
                                        .forEach(
                                            e ->
                                                offsets.add(
                                                    Json.object()
                                                        .put("partition", e.getKey().partition())
                                                        .put(
                                                            "current",
                                                            before.getOrDefault(e.getKey(), -1L))
                                                        .put("target", e.getValue())));
                                    reply.set("offsets", offsets);
                                    return Reply.ok(reply);
                                  }));
            });
  }

  // ----- dead letters

  private Route deadLetters(String group) {
    SubscriptionSpec.validateGroupName(group);
    DeadLetterQueue dlq = skald.deadLetters(group);
    return concat(
        pathEnd(
            () ->
                concat(
                    get(
                        () ->
                            parameterOptional(
                                "from",
                                from ->
                                    parameterOptional(
                                        "limit",
                                        limit ->
                                            reply(
                                                () ->
                                                    listDeadLetters(
                                                        dlq,
                                                        longParam(from, "from", 0),
                                                        intParam(
                                                            limit, "limit", 50, 1, MAX_PAGE)))))),
                    delete(
                        () ->
                            reply(
                                () ->
                                    dlq.purge()
                                        .thenApply(
                                            n ->
                                                Reply.ok(
                                                    Json.object()
                                                        .put("group", group)
                                                        .put("purged", n))))))),
        path(
            "replay",
            () ->
                post(
                    () ->
                        reply(
                            () ->
                                dlq.replayAll()
                                    .thenApply(n -> Reply.ok(Json.object().put("replayed", n)))))),
        pathPrefix(
            PathMatchers.longSegment(),
            offset ->
                concat(
                    pathEnd(() -> get(() -> reply(() -> showDeadLetter(dlq, offset)))),
                    path(
                        "replay",
                        () ->
                            post(
                                () ->
                                    reply(
                                        () ->
                                            showDeadLetter(dlq, offset)
                                                .thenCompose(exists -> dlq.replay(offset))
                                                .thenApply(
                                                    n ->
                                                        Reply.ok(
                                                            Json.object()
                                                                .put("replayed", n)))))))));
  }

  private CompletionStage<Reply> listDeadLetters(DeadLetterQueue dlq, long from, int limit) {
    return dlq.size()
        .thenCompose(
            size ->
                dlq.list(from, limit)
                    .thenApply(
                        letters -> {
                          ObjectNode body =
                              Json.object().put("topic", dlq.topic()).put("size", size);
                          ArrayNode list = Json.array();
                          letters.forEach(d -> list.add(Json.deadLetter(d, false)));
                          body.set("deadLetters", list);
                          if (letters.size() == limit) {
                            body.put("next", letters.get(letters.size() - 1).dlqOffset() + 1);
                          } else {
                            body.putNull("next");
                          }
                          return Reply.ok(body);
                        }));
  }

  private CompletionStage<Reply> showDeadLetter(DeadLetterQueue dlq, long offset) {
    return dlq.list(offset, 1)
        .thenApply(
            letters -> {
              if (letters.isEmpty() || letters.get(0).dlqOffset() != offset) {
                throw ApiError.notFound(
                    "unknown_dead_letter",
                    "no dead letter at offset " + offset + " of " + dlq.topic());
              }
              return Reply.ok(Json.deadLetter(letters.get(0), true));
            });
  }

  // ----- sagas

  private Route sagas() {
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
                                  parameterOptional(
                                      "status",
                                      status ->
                                          parameterOptional(
                                              "page",
                                              page ->
                                                  parameterOptional(
                                                      "size",
                                                      size ->
                                                          reply(
                                                              () ->
                                                                  listInstances(
                                                                      runner,
                                                                      status,
                                                                      intParam(
                                                                          page,
                                                                          "page",
                                                                          0,
                                                                          0,
                                                                          Integer.MAX_VALUE),
                                                                      intParam(
                                                                          size, "size", 50, 1,
                                                                          MAX_PAGE)))))))),
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
