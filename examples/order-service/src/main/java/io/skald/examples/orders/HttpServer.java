package io.skald.examples.orders;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.skald.examples.orders.common.OrderLine;
import io.skald.examples.orders.inventory.Warehouse;
import io.skald.examples.orders.order.OrderEntity;
import io.skald.examples.orders.payment.CustomerAccount;
import io.skald.examples.orders.saga.PlaceOrder;
import io.skald.framework.Skald;
import io.skald.saga.SagaStatus;
import io.skald.saga.SagaView;
import io.skald.saga.StepPhase;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The HTTP API of {@code serve} (pekko-http, JSON by Jackson). An order is answered {@code 202}
 * only once its saga's start is durable, so an accepted order survives a crash of the server.
 */
public final class HttpServer extends AllDirectives {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Shop shop;
  private final OpenTelemetry openTelemetry;
  private final Tracer tracer;

  /**
   * Creates the API of a shop.
   *
   * @param shop the shop
   */
  public HttpServer(Shop shop) {
    this(shop, OpenTelemetry.noop());
  }

  /**
   * Creates the API of a shop, traced: {@code POST /orders} runs in a SERVER span (continuing the
   * caller's {@code traceparent}, if any) that the order's saga carries through every step.
   *
   * @param shop the shop
   * @param openTelemetry the OpenTelemetry to trace with
   */
  public HttpServer(Shop shop, OpenTelemetry openTelemetry) {
    this.shop = shop;
    this.openTelemetry = openTelemetry;
    this.tracer = openTelemetry.getTracer("io.skald.examples.orders");
  }

  /**
   * Binds the API.
   *
   * @param skald the node (its actor system runs the server)
   * @param host the interface
   * @param port the port (0 for any free one)
   * @return the binding
   */
  public CompletionStage<ServerBinding> bind(Skald skald, String host, int port) {
    return Http.get(skald.system()).newServerAt(host, port).bind(routes());
  }

  /**
   * The routes.
   *
   * @return the route tree
   */
  public Route routes() {
    return concat(
        path("health", () -> get(() -> json(StatusCodes.OK, obj().put("status", "ok")))),
        pathPrefix(
            "customers",
            () ->
                concat(
                    pathEnd(() -> post(() -> body(this::createCustomer))),
                    path(
                        segment ->
                            get(
                                () ->
                                    onSuccess(shop.account(segment), a -> customer(segment, a)))))),
        pathPrefix(
            "inventory",
            () ->
                concat(
                    pathEnd(() -> post(() -> body(this::addStock))),
                    path(
                        sku ->
                            get(
                                () ->
                                    onSuccess(
                                        shop.stock(sku),
                                        stock ->
                                            stock
                                                .map(s -> json(StatusCodes.OK, stockJson(sku, s)))
                                                .orElseGet(
                                                    () ->
                                                        error(
                                                            StatusCodes.NOT_FOUND,
                                                            "unknown SKU " + sku))))))),
        pathPrefix(
            "orders",
            () ->
                concat(
                    pathEnd(
                        () ->
                            concat(
                                post(this::tracedPlaceOrder),
                                get(
                                    () ->
                                        parameter(
                                            "status",
                                            status ->
                                                parameterOptional(
                                                    "page",
                                                    page ->
                                                        parameterOptional(
                                                            "size",
                                                            size ->
                                                                listOrders(
                                                                    status,
                                                                    page.map(Integer::parseInt)
                                                                        .orElse(0),
                                                                    size.map(Integer::parseInt)
                                                                        .orElse(50)))))))),
                    path(
                        orderId ->
                            get(() -> onSuccess(shop.order(orderId), o -> order(orderId, o)))))),
        pathPrefix(
            "sagas",
            () ->
                path(
                    sagaId ->
                        get(
                            () ->
                                onSuccess(
                                    shop.placeOrder().get(sagaId),
                                    view ->
                                        view.map(v -> json(StatusCodes.OK, sagaJson(v)))
                                            .orElseGet(
                                                () ->
                                                    error(
                                                        StatusCodes.NOT_FOUND,
                                                        "unknown saga " + sagaId)))))));
  }

  private Route body(java.util.function.Function<JsonNode, CompletionStage<Route>> handler) {
    return extractRequestEntity(
        request ->
            request.getContentLengthOption().orElse(0L) > MAX_BODY_BYTES
                ? error(
                    StatusCodes.CONTENT_TOO_LARGE,
                    "the request body is larger than " + MAX_BODY_BYTES + " bytes")
                : withSizeLimit(MAX_BODY_BYTES, () -> parsed(handler)));
  }

  private Route parsed(java.util.function.Function<JsonNode, CompletionStage<Route>> handler) {
    return entity(
        Unmarshaller.entityToString(),
        text -> {
          JsonNode node;
          try {
            node = JSON.readTree(text);
          } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return error(StatusCodes.BAD_REQUEST, "malformed JSON: " + e.getOriginalMessage());
          }
          if (node == null || !node.isObject()) {
            return error(StatusCodes.BAD_REQUEST, "expected a JSON object");
          }
          CompletionStage<Route> route;
          try {
            route = handler.apply(node);
          } catch (IllegalArgumentException e) {
            return error(StatusCodes.BAD_REQUEST, e.getMessage());
          }
          return onSuccess(
              route.exceptionally(
                  e -> {
                    Throwable cause =
                        e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
                    return cause instanceof IllegalArgumentException
                        ? error(StatusCodes.BAD_REQUEST, cause.getMessage())
                        : error(StatusCodes.SERVICE_UNAVAILABLE, "try again: " + cause);
                  }),
              r -> r);
        });
  }

  /** The limits of what the API accepts; anything beyond is a 400 that changes nothing. */
  static final int MAX_ID_LENGTH = 64;

  private static final java.util.regex.Pattern ID =
      java.util.regex.Pattern.compile("[A-Za-z0-9._-]+");

  /** The most lines of one order. */
  static final int MAX_LINES = 100;

  /** The largest request body, in bytes. */
  static final long MAX_BODY_BYTES = 64 * 1024;

  /** The largest quantity of a line, stock addition or credit and price in cents. */
  static final long MAX_QUANTITY = 1_000_000;

  static final long MAX_AMOUNT = 1_000_000_000_000L;

  /**
   * An id (customer, SKU): 1 to 64 characters from {@code [A-Za-z0-9._-]}, so that it is safe in
   * this API's own URLs ({@code /customers/<id>}).
   */
  private static String id(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null
        || !value.isTextual()
        || value.asText().length() > MAX_ID_LENGTH
        || !ID.matcher(value.asText()).matches()) {
      throw new IllegalArgumentException(
          "\"" + field + "\" must be 1 to " + MAX_ID_LENGTH + " characters from [A-Za-z0-9._-]");
    }
    return value.asText();
  }

  /** An exact integer in [min, max]: {@code 1.5}, {@code "2"} or {@code 1e3} are refused. */
  private static long number(JsonNode node, String field, long min, long max) {
    JsonNode value = node.get(field);
    if (value == null
        || !value.isIntegralNumber()
        || !value.canConvertToLong()
        || value.asLong() < min
        || value.asLong() > max) {
      throw new IllegalArgumentException(
          "\"" + field + "\" must be a whole number from " + min + " to " + max);
    }
    return value.asLong();
  }

  private CompletionStage<Route> createCustomer(JsonNode body) {
    String id = id(body, "customerId");
    long credit = number(body, "credit", 0, MAX_AMOUNT);
    return shop.openCustomer(id, credit)
        .thenCompose(
            created ->
                created
                    ? shop.account(id)
                        .thenApply(a -> json(StatusCodes.CREATED, customerJson(id, a)))
                    : CompletableFuture.completedFuture(
                        error(StatusCodes.CONFLICT, "customer " + id + " exists")));
  }

  private CompletionStage<Route> addStock(JsonNode body) {
    String sku = id(body, "sku");
    long quantity = number(body, "quantity", 0, MAX_QUANTITY);
    return shop.addStock(sku, quantity)
        .thenCompose(done -> shop.stock(sku))
        .thenApply(stock -> json(StatusCodes.OK, stockJson(sku, stock.orElseThrow())));
  }

  private static final TextMapGetter<Map<String, String>> HEADERS =
      new TextMapGetter<>() {
        @Override
        public String get(Map<String, String> carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };

  /** {@code POST /orders} in a SERVER span, child of the caller's trace context if it sent one. */
  private Route tracedPlaceOrder() {
    return optionalHeaderValueByName(
        "traceparent",
        traceparent ->
            optionalHeaderValueByName(
                "tracestate",
                tracestate ->
                    body(
                        json -> {
                          Map<String, String> carrier = new HashMap<>();
                          traceparent.ifPresent(v -> carrier.put("traceparent", v));
                          tracestate.ifPresent(v -> carrier.put("tracestate", v));
                          Context parent =
                              openTelemetry
                                  .getPropagators()
                                  .getTextMapPropagator()
                                  .extract(Context.root(), carrier, HEADERS);
                          Span span =
                              tracer
                                  .spanBuilder("POST /orders")
                                  .setSpanKind(SpanKind.SERVER)
                                  .setParent(parent)
                                  .setAttribute("http.request.method", "POST")
                                  .setAttribute("http.route", "/orders")
                                  .startSpan();
                          CompletionStage<Route> placed;
                          try (Scope scope = span.makeCurrent()) {
                            placed = placeOrder(json);
                          } catch (RuntimeException e) {
                            span.recordException(e);
                            span.end();
                            throw e;
                          }
                          return placed.whenComplete(
                              (route, error) -> {
                                if (error != null) {
                                  span.recordException(error);
                                  span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR);
                                }
                                span.end();
                              });
                        })));
  }

  private CompletionStage<Route> placeOrder(JsonNode body) {
    String customerId = id(body, "customerId");
    JsonNode items = body.get("items");
    if (items == null || !items.isArray() || items.isEmpty() || items.size() > MAX_LINES) {
      throw new IllegalArgumentException(
          "\"items\" must be an array of 1 to " + MAX_LINES + " lines");
    }
    List<OrderLine> lines = new ArrayList<>();
    for (JsonNode item : items) {
      lines.add(
          new OrderLine(
              id(item, "sku"),
              (int) number(item, "quantity", 1, MAX_QUANTITY),
              number(item, "unitPrice", 0, MAX_AMOUNT)));
    }
    String orderId = "order-" + UUID.randomUUID();
    // the saga starts on the thread that answers the account lookup: in the request's context
    Context request = Context.current();
    return shop.account(customerId)
        .thenCompose(
            request.wrapFunction(
                account -> {
                  if (!account.open()) {
                    throw new IllegalArgumentException("unknown customer " + customerId);
                  }
                  return shop.placeOrder(orderId, customerId, lines);
                }))
        .thenApply(
            placed ->
                json(StatusCodes.ACCEPTED, obj().put("orderId", orderId).put("sagaId", orderId)));
  }

  private Route listOrders(String status, int page, int size) {
    if (page < 0 || size < 1 || size > 1000) {
      return error(StatusCodes.BAD_REQUEST, "page must be >= 0 and size between 1 and 1000");
    }
    List<SagaStatus> statuses =
        switch (status) {
          case "CONFIRMED" -> List.of(SagaStatus.COMPLETED);
          case "REJECTED" -> List.of(SagaStatus.COMPENSATED);
          case "PENDING" -> List.of(SagaStatus.RUNNING, SagaStatus.COMPENSATING, SagaStatus.PARKED);
          default -> null;
        };
    if (statuses == null) {
      return error(StatusCodes.BAD_REQUEST, "status must be PENDING, CONFIRMED or REJECTED");
    }
    List<CompletableFuture<List<String>>> parts = new ArrayList<>();
    statuses.forEach(s -> parts.add(shop.placeOrder().list(s).toCompletableFuture()));
    CompletionStage<Route> route =
        CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
            .thenApply(
                ignored -> {
                  List<String> all = new ArrayList<>();
                  parts.forEach(p -> all.addAll(p.join()));
                  ArrayNode orders = JSON.createArrayNode();
                  all.stream().skip((long) page * size).limit(size).forEach(orders::add);
                  ObjectNode result =
                      obj()
                          .put("status", status)
                          .put("page", page)
                          .put("size", size)
                          .put("total", all.size());
                  result.set("orders", orders);
                  return json(StatusCodes.OK, result);
                });
    return onSuccess(route, r -> r);
  }

  private Route customer(String id, CustomerAccount.State account) {
    return account.open()
        ? json(StatusCodes.OK, customerJson(id, account))
        : error(StatusCodes.NOT_FOUND, "unknown customer " + id);
  }

  private Route order(String id, OrderEntity.State order) {
    if (order.status() == OrderEntity.Status.NONE) {
      return error(StatusCodes.NOT_FOUND, "unknown order " + id);
    }
    ObjectNode json = obj().put("orderId", id).put("status", order.status().name());
    json.put("reason", order.reason());
    return json(StatusCodes.OK, json);
  }

  private static ObjectNode customerJson(String id, CustomerAccount.State account) {
    return obj()
        .put("customerId", id)
        .put("credit", account.credit())
        .put("available", account.available());
  }

  private static ObjectNode stockJson(String sku, Warehouse.Stock stock) {
    return obj()
        .put("sku", sku)
        .put("available", stock.available())
        .put("reserved", stock.reserved())
        .put("sold", stock.sold());
  }

  private static ObjectNode sagaJson(SagaView<PlaceOrder.Data> view) {
    ObjectNode json = obj().put("sagaId", view.sagaId()).put("state", view.status().name());
    json.put("reason", view.reason());
    ArrayNode current = JSON.createArrayNode();
    view.steps().stream()
        .filter(s -> s.forward() == StepPhase.RUNNING || s.compensation() == StepPhase.RUNNING)
        .forEach(s -> current.add(s.name()));
    json.set("currentSteps", current);
    ArrayNode history = JSON.createArrayNode();
    for (SagaView.HistoryEntry h : view.history()) {
      ObjectNode entry = obj().put("at", h.at().toString()).put("what", h.what());
      entry.put("step", h.step());
      history.add(entry);
    }
    json.set("history", history);
    return json;
  }

  private static ObjectNode obj() {
    return JSON.createObjectNode();
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

  private Route error(StatusCode status, String message) {
    return json(status, obj().put("error", message));
  }

  /** {@code serve}: the HTTP API until the process is stopped. */
  @Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve the HTTP API.")
  static final class ServeCommand implements Callable<Integer> {
    @CommandLine.Mixin OrderServiceApp.Common common = new OrderServiceApp.Common();

    @Option(
        names = "--port",
        defaultValue = "8080",
        description = "port (default: ${DEFAULT-VALUE}; 0: any free one)")
    int port;

    @Option(
        names = "--host",
        defaultValue = "127.0.0.1",
        description = "interface (default: ${DEFAULT-VALUE})")
    String host;

    @Option(
        names = "--admin-port",
        defaultValue = "9470",
        description =
            "port of the admin API and metrics on 127.0.0.1, for bin/skald (default:"
                + " ${DEFAULT-VALUE}; 0: any free one; -1: off)")
    int adminPort;

    @Override
    public Integer call() throws Exception {
      PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
      Path dataDir = common.dataDir();
      Skald skald = Skald.start("order-service", OrderServiceApp.config(dataDir));
      // traced when an OpenTelemetry SDK is installed (e.g. the OpenTelemetry Java agent)
      skald.useOpenTelemetry(GlobalOpenTelemetry.get());
      Shop shop = Shop.start(skald, common.options());
      ServerBinding binding =
          new HttpServer(shop, GlobalOpenTelemetry.get())
              .bind(skald, host, port)
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
      out.printf(
          "listening on http://%s:%d (%s flow, data in %s)%n",
          host,
          binding.localAddress().getPort(),
          common.flow().name().toLowerCase(java.util.Locale.ROOT),
          dataDir);
      if (adminPort >= 0) {
        io.skald.admin.AdminServer admin =
            io.skald.admin.AdminServer.start(
                    skald,
                    io.skald.admin.AdminSettings.loopback(adminPort),
                    java.util.List.of(shop.placeOrder()))
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        out.printf("admin API on %s (bin/skald --url %s ...)%n", admin.url(), admin.url());
      }
      skald.system().getWhenTerminated().toCompletableFuture().get();
      return 0;
    }
  }
}
