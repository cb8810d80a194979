package io.skald.admin.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.skald.admin.AdminSettings;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * INTERNAL API: what every route of the admin API shares: JSON answers, the JSON body of a request
 * (size-limited, parsed strictly), answering with a stage (its failure goes to the exception
 * handler of {@link AdminRoutes}), and query parameters checked for range.
 */
abstract class RouteSupport extends AllDirectives {
  static final int MAX_PAGE = 1000;

  final AdminSettings settings;

  RouteSupport(AdminSettings settings) {
    this.settings = settings;
  }

  /** A JSON answer. */
  record Reply(StatusCode status, JsonNode body) {
    static Reply ok(JsonNode body) {
      return new Reply(StatusCodes.OK, body);
    }
  }

  Route json(StatusCode status, JsonNode body) {
    return complete(
        HttpResponse.create()
            .withStatus(status)
            .withEntity(
                HttpEntities.create(
                    ContentTypes.APPLICATION_JSON,
                    body.toString().getBytes(StandardCharsets.UTF_8))));
  }

  Route error(StatusCode status, String code, String message) {
    return json(status, errorBody(code, message));
  }

  static ObjectNode errorBody(String code, String message) {
    return Json.object().put("error", code).put("message", message);
  }

  /** Answers with a stage's reply; its failure goes to the exception handler. */
  Route reply(Supplier<CompletionStage<Reply>> call) {
    CompletionStage<Reply> stage =
        call.get()
            .toCompletableFuture()
            .orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    return onSuccess(stage, r -> json(r.status(), r.body()));
  }

  Route body(Function<ObjectNode, CompletionStage<Reply>> handler) {
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

  static int intParam(Optional<String> value, String name, int absent, int min, int max) {
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

  static long longParam(Optional<String> value, String name, long absent) {
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
}
