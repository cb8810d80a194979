package io.skald.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The admin API of one node, over the JDK's HTTP client. */
final class AdminApi {
  static final ObjectMapper JSON = new ObjectMapper();

  /** A refusal or failure, with the exit code it means. */
  static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int exitCode;

    Failure(int exitCode, String message) {
      super(message, null, false, false);
      this.exitCode = exitCode;
    }
  }

  private final HttpClient http;
  private final String base;
  private final String token;

  AdminApi(String base, String token, Duration timeout) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.token = token == null || token.isBlank() ? null : token;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static ObjectNode object() {
    return JSON.createObjectNode();
  }

  JsonNode get(String path) {
    return call("GET", path, null);
  }

  JsonNode post(String path, JsonNode body) {
    return call("POST", path, body);
  }

  JsonNode patch(String path, JsonNode body) {
    return call("PATCH", path, body);
  }

  JsonNode delete(String path) {
    return call("DELETE", path, null);
  }

  /** The answer's body; a non-2xx answer is a {@link Failure} carrying the server's message. */
  JsonNode call(String method, String path, JsonNode body) {
    return exchange(method, path, body, false).body();
  }

  record Answer(int status, JsonNode body) {}

  /** Like {@link #call}, but a 503 answer is returned (health reports DOWN that way). */
  Answer exchange(String method, String path, JsonNode body, boolean accept503) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + "/api/v1" + path))
            .timeout(Duration.ofSeconds(30))
            .header("Accept", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body.toString()));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new Failure(
          SkaldCli.EXIT_UNAVAILABLE,
          "cannot reach the admin API at "
              + base
              + ": "
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : " " + e.getMessage())
              + " (is the node running with skald.admin.enabled = on? see --url)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure(SkaldCli.EXIT_UNAVAILABLE, "interrupted");
    }
    JsonNode json;
    try {
      json = response.body().isEmpty() ? object() : JSON.readTree(response.body());
    } catch (IOException e) {
      throw new Failure(
          SkaldCli.EXIT_UNAVAILABLE,
          "the server at "
              + base
              + " answered "
              + response.statusCode()
              + " with no JSON: is it"
              + " a Skald admin API?");
    }
    int status = response.statusCode();
    if (status / 100 == 2 || (accept503 && status == 503)) {
      return new Answer(status, json);
    }
    String message = json.path("message").asText("HTTP " + status);
    String code = json.path("error").asText("http_" + status);
    throw new Failure(
        status >= 500 ? SkaldCli.EXIT_UNAVAILABLE : SkaldCli.EXIT_REFUSED,
        message + " [" + code + "]");
  }
}
