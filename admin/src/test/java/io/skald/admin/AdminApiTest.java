package io.skald.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.TopicPartition;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.RejectRecordException;
import io.skald.framework.consumer.RetryPolicy;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.saga.Endpoint;
import io.skald.saga.SagaDefinition;
import io.skald.saga.SagaOrchestrator;
import io.skald.saga.SagaStatus;
import io.skald.saga.Sagas;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin HTTP API against a real node, through a plain HTTP client. */
class AdminApiTest {
  record Payment(String id) {}

  record Charge(String paymentId) {}

  record Charged(String receipt) {}

  record Approved(String manager) {}

  /** A saga that only waits for a manager's approval. */
  static final SagaDefinition<Payment> APPROVE =
      SagaDefinition.named("approve", Payment.class)
          .awaitSignal("approval", Approved.class)
          .timeout(Duration.ofMinutes(5))
          .build();

  static final Endpoint<Charge> CHARGE =
      Endpoint.of("bank.charge", "bank-commands", Charge.class).replies(Charged.class);

  static final SagaDefinition<Payment> PAY =
      SagaDefinition.named("pay", Payment.class)
          .step("charge")
          .invoke(CHARGE, p -> new Charge(p.id()))
          .pivot()
          .timeout(Duration.ofMillis(500))
          .build();

  private static SkaldTestNode node;
  private static Skald skald;
  private static AdminServer server;
  private static AdminClient api;
  private static SagaOrchestrator<Payment> payments;
  private static SagaOrchestrator<Payment> approvals;
  private static final AtomicBoolean bankUp = new AtomicBoolean(false);

  @BeforeAll
  static void start() {
    node = SkaldTestNode.start();
    skald = node.skald();
    Sagas sagas = Sagas.create(skald);
    sagas
        .participant("bank")
        .on(
            CHARGE,
            (cmd, ctx) ->
                bankUp.get()
                    ? CompletableFuture.completedFuture(new Charged("R-" + cmd.paymentId()))
                    : CompletableFuture.failedFuture(
                        // dead-lettered at once, not retried: the pivot's outcome stays unknown
                        new RejectRecordException("bank down")))
        .start();
    payments = sagas.orchestrator(PAY);
    approvals = sagas.orchestrator(APPROVE);
    server =
        AdminServer.start(skald, AdminSettings.loopback(0), List.of(payments, approvals))
            .toCompletableFuture()
            .join();
    api = new AdminClient(server.url(), null);
  }

  @AfterAll
  static void stop() {
    server.close();
    node.close();
    node.deleteDataDir();
  }

  private static void assertError(AdminClient.Response r, int status, String code) {
    assertEquals(status, r.status(), r.body().toString());
    assertEquals(code, r.error(), r.body().toString());
    assertTrue(r.body().path("message").isTextual(), r.body().toString());
    assertTrue(r.contentType().startsWith("application/json"), r.contentType());
    assertFalse(r.body().toString().contains("\tat "), "no stack trace: " + r.body());
  }

  @Test
  void topicsAreCreatedDescribedAndAltered() {
    AdminClient.Response created =
        api.call(
            "POST",
            "/api/v1/topics",
            "{\"name\":\"clicks\",\"partitions\":2,\"retention\":{\"maxAge\":\"7d\"}}");
    assertEquals(201, created.status(), created.body().toString());
    assertEquals("PT168H", created.body().path("retention").path("maxAge").asText());

    JsonNode list = api.get("/api/v1/topics").body();
    assertTrue(list.path("topics").toString().contains("\"name\":\"clicks\""), list.toString());

    skald
        .producer(ProducerSettings.of(Codecs.string(), Codecs.string()))
        .send("clicks", "k", "v")
        .toCompletableFuture()
        .join();
    JsonNode described = api.get("/api/v1/topics/clicks").body();
    assertEquals(2, described.path("partitions").asInt());
    assertEquals(1, described.path("records").asLong());
    assertEquals(2, described.path("partitionOffsets").size());

    AdminClient.Response altered =
        api.call(
            "PATCH",
            "/api/v1/topics/clicks",
            "{\"retention\":{\"maxRecords\":1000},\"backlogLimit\":{\"maxRecords\":50}}");
    assertEquals(200, altered.status(), altered.body().toString());
    assertEquals(
        "PT168H", altered.body().path("previous").path("retention").path("maxAge").asText());
    assertEquals(
        1000, altered.body().path("current").path("retention").path("maxRecords").asLong());
    TopicSpec stored = skald.admin().describeTopic("clicks").toCompletableFuture().join().get();
    assertEquals(1000, stored.retention().maxRecords());
    assertEquals(null, stored.retention().maxAge());
    assertEquals(50, stored.backlogLimit().maxRecords());

    // a second create with another definition names the difference, and changes nothing
    AdminClient.Response conflict =
        api.call("POST", "/api/v1/topics", "{\"name\":\"clicks\",\"partitions\":3}");
    assertError(conflict, 409, "topic_conflict");
    assertEquals("PARTITIONS", conflict.body().path("differences").get(0).path("setting").asText());
    assertTrue(described.path("sizeBytes").asLong() > 0, described.toString());
    assertTrue(described.path("partitionOffsets").get(0).has("sizeBytes"), described.toString());
    // shrinking is refused; a record limit out of range is refused; neither changes anything
    assertError(
        api.call("PATCH", "/api/v1/topics/clicks", "{\"partitions\":1}"), 409, "topic_conflict");
    assertError(
        api.call("PATCH", "/api/v1/topics/clicks", "{\"maxRecordBytes\":0}"),
        400,
        "invalid_request");
    assertError(
        api.call("PATCH", "/api/v1/topics/clicks", "{\"maxRecordBytes\":99999999}"),
        400,
        "invalid_request");
    assertError(
        api.call("PATCH", "/api/v1/topics/clicks", "{\"maxRecordBytes\":4194304}"),
        400,
        "invalid_topic");
    assertEquals(
        2, skald.admin().describeTopic("clicks").toCompletableFuture().join().get().partitions());
    // growing and a record limit are accepted
    AdminClient.Response grown =
        api.call("PATCH", "/api/v1/topics/clicks", "{\"partitions\":3,\"maxRecordBytes\":2048}");
    assertEquals(200, grown.status(), grown.body().toString());
    assertEquals(3, grown.body().path("current").path("partitions").asInt());
    assertEquals(2048, grown.body().path("current").path("maxRecordBytes").asInt());
    assertTrue(grown.body().path("previous").path("maxRecordBytes").isNull());
    assertEquals(
        2048,
        skald.admin().describeTopic("clicks").toCompletableFuture().join().get().maxRecordBytes());
    // a quota: shown, replaced, removed; a negative rate or an unknown policy is refused
    AdminClient.Response quota =
        api.call(
            "PATCH",
            "/api/v1/topics/clicks",
            "{\"rateLimit\":{\"bytesPerSecond\":1048576,\"whenExceeded\":\"REFUSE\"}}");
    assertEquals(200, quota.status(), quota.body().toString());
    JsonNode limit = quota.body().path("current").path("rateLimit");
    assertEquals(1048576, limit.path("bytesPerSecond").asLong(), limit.toString());
    assertTrue(limit.path("recordsPerSecond").isNull(), limit.toString());
    assertEquals("PT1S", limit.path("burst").asText());
    assertEquals("REFUSE", limit.path("whenExceeded").asText());
    assertError(
        api.call("PATCH", "/api/v1/topics/clicks", "{\"rateLimit\":{\"recordsPerSecond\":-1}}"),
        400,
        "invalid_request");
    assertError(
        api.call(
            "PATCH",
            "/api/v1/topics/clicks",
            "{\"rateLimit\":{\"recordsPerSecond\":5,\"whenExceeded\":\"DROP\"}}"),
        400,
        "invalid_request");
    assertError(
        api.call("PATCH", "/api/v1/topics/clicks", "{\"rateLimit\":{\"burst\":\"1s\"}}"),
        400,
        "invalid_request");
    assertEquals(
        1048576.0,
        skald
            .admin()
            .describeTopic("clicks")
            .toCompletableFuture()
            .join()
            .get()
            .rateLimit()
            .bytesPerSecond());
    AdminClient.Response removed =
        api.call("PATCH", "/api/v1/topics/clicks", "{\"rateLimit\":null}");
    assertEquals(200, removed.status(), removed.body().toString());
    assertTrue(removed.body().path("current").path("rateLimit").isNull());

    // deleted: its data gone, the name free again
    AdminClient.Response deleted = api.call("DELETE", "/api/v1/topics/clicks", null);
    assertEquals(200, deleted.status(), deleted.body().toString());
    assertError(api.get("/api/v1/topics/clicks"), 404, "unknown_topic");
    assertError(api.call("DELETE", "/api/v1/topics/clicks", null), 404, "unknown_topic");
    assertEquals(
        201, api.call("POST", "/api/v1/topics", "{\"name\":\"clicks\",\"partitions\":1}").status());
    assertEquals(0, api.get("/api/v1/topics/clicks").body().path("records").asLong());
  }

  @Test
  void badTopicRequestsGetAClearErrorAndChangeNothing() {
    assertError(api.get("/api/v1/topics/nowhere"), 404, "unknown_topic");
    assertError(api.call("PATCH", "/api/v1/topics/nowhere", "{}"), 404, "unknown_topic");
    assertError(api.call("POST", "/api/v1/topics", "{\"name\":"), 400, "malformed_json");
    assertError(api.call("POST", "/api/v1/topics", "[1,2]"), 400, "invalid_request");
    assertError(api.call("POST", "/api/v1/topics", ""), 400, "invalid_request");
    assertError(
        api.call("POST", "/api/v1/topics", "{\"name\":\"t1\",\"partitions\":0}"),
        400,
        "invalid_request");
    assertError(
        api.call("POST", "/api/v1/topics", "{\"name\":\"t1\",\"partitions\":\"2\"}"),
        400,
        "invalid_request");
    assertError(
        api.call("POST", "/api/v1/topics", "{\"name\":\"t1\",\"partitions\":1.5}"),
        400,
        "invalid_request");
    assertError(
        api.call("POST", "/api/v1/topics", "{\"name\":\"t1\",\"partitions\":99999999999}"),
        400,
        "invalid_request");
    assertError(
        api.call("POST", "/api/v1/topics", "{\"name\":\"t1\",\"partitons\":2}"),
        400,
        "invalid_request");
    assertError(
        api.call("POST", "/api/v1/topics", "{\"name\":\"a/b\",\"partitions\":2}"),
        400,
        "invalid_topic");
    assertError(
        api.call(
            "POST",
            "/api/v1/topics",
            "{\"name\":\"t1\",\"partitions\":2,\"retention\":{\"maxAge\":\"soon\"}}"),
        400,
        "invalid_request");
    assertError(
        api.call(
            "POST",
            "/api/v1/topics",
            "{\"name\":\"t1\",\"partitions\":2,\"backlogLimit\":{\"maxRecords\":5,\"policy\":\"X\"}}"),
        400,
        "invalid_request");
    assertError(
        api.call(
            "POST",
            "/api/v1/topics",
            "{\"name\":\"t1\",\"partitions\":2,\"pad\":\"" + "x".repeat(70_000) + "\"}"),
        413,
        "too_large");
    assertError(api.get("/api/v1/nothing-here"), 404, "not_found");
    assertError(api.call("DELETE", "/api/v1/topics", null), 405, "method_not_allowed");
    assertTrue(
        skald.admin().listTopics().toCompletableFuture().join().stream()
            .noneMatch(t -> t.name().equals("t1") || t.name().equals("nowhere")));
  }

  @Test
  void groupsAreDescribedResetWithADryRunFirstAndDeleted() {
    skald.admin().createTopic(TopicSpec.of("orders", 2)).toCompletableFuture().join();
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    for (int i = 0; i < 10; i++) {
      producer.send("orders", "k" + i, "v" + i).toCompletableFuture().join();
    }
    Subscription billing =
        skald.subscribe(
            SubscriptionSpec.of("billing", Codecs.string(), Codecs.string()).withTopics("orders"),
            r -> CompletableFuture.completedFuture(null));
    Await.until(
        skald.system(),
        Duration.ofSeconds(15),
        () -> {
          JsonNode d = api.get("/api/v1/groups/billing").body();
          assertEquals("STABLE", d.path("state").asText(), d.toString());
          assertEquals(0, d.path("totalLag").asLong(), d.toString());
          assertEquals(2, d.path("members").get(0).path("partitions").size(), d.toString());
        });
    assertTrue(api.get("/api/v1/groups").body().path("groups").toString().contains("billing"));

    // a reset, even a dry run, needs an inactive group
    String toEarliest = "{\"topic\":\"orders\",\"to\":\"earliest\",\"dryRun\":true}";
    assertError(
        api.call("POST", "/api/v1/groups/billing/reset-offsets", toEarliest), 409, "group_active");
    assertError(api.call("DELETE", "/api/v1/groups/billing", null), 409, "group_active");
    billing.stop().toCompletableFuture().join();

    Map<TopicPartition, Long> before =
        skald.admin().committedOffsets("billing").toCompletableFuture().join();
    AdminClient.Response dryRun =
        api.call("POST", "/api/v1/groups/billing/reset-offsets", toEarliest);
    assertEquals(200, dryRun.status(), dryRun.body().toString());
    assertTrue(dryRun.body().path("dryRun").asBoolean());
    long currentSum = 0;
    for (JsonNode o : dryRun.body().path("offsets")) {
      assertEquals(0, o.path("target").asLong());
      currentSum += o.path("current").asLong();
    }
    assertEquals(10, currentSum);
    assertEquals(before, skald.admin().committedOffsets("billing").toCompletableFuture().join());

    assertError(
        api.call(
            "POST", "/api/v1/groups/billing/reset-offsets", "{\"topic\":\"orders\",\"to\":\"x\"}"),
        400,
        "invalid_request");
    assertError(
        api.call(
            "POST",
            "/api/v1/groups/billing/reset-offsets",
            "{\"topic\":\"orders\",\"to\":\"offset\",\"offset\":-1}"),
        400,
        "invalid_request");
    assertError(
        api.call(
            "POST",
            "/api/v1/groups/billing/reset-offsets",
            "{\"topic\":\"nowhere\",\"to\":\"earliest\",\"dryRun\":false}"),
        404,
        "unknown_topic");
    assertEquals(before, skald.admin().committedOffsets("billing").toCompletableFuture().join());

    AdminClient.Response executed =
        api.call(
            "POST",
            "/api/v1/groups/billing/reset-offsets",
            "{\"topic\":\"orders\",\"to\":\"earliest\",\"dryRun\":false}");
    assertEquals(200, executed.status(), executed.body().toString());
    assertEquals(
        0L,
        skald.admin().committedOffsets("billing").toCompletableFuture().join().values().stream()
            .mapToLong(Long::longValue)
            .sum());
    assertEquals(10, api.get("/api/v1/groups/billing").body().path("totalLag").asLong());

    assertEquals(200, api.call("DELETE", "/api/v1/groups/billing", null).status());
    assertError(api.get("/api/v1/groups/billing"), 404, "unknown_group");
    assertError(api.get("/api/v1/groups/bad%2Fname"), 400, "invalid_request");
  }

  @Test
  void deadLettersAreListedShownReplayedAndPurged() {
    skald.admin().createTopic(TopicSpec.of("invoices", 1)).toCompletableFuture().join();
    AtomicBoolean fixed = new AtomicBoolean(false);
    Subscription accounting =
        skald.subscribe(
            SubscriptionSpec.of("accounting", Codecs.string(), Codecs.string())
                .withTopics("invoices")
                .withRetryPolicy(RetryPolicy.none()),
            r -> {
              if (!fixed.get()) {
                throw new RejectRecordException("no exchange rate for " + r.value());
              }
              return CompletableFuture.completedFuture(null);
            });
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    for (int i = 0; i < 3; i++) {
      producer
          .send("invoices", "c" + i, "EUR-" + i, Map.of("tenant", "acme"))
          .toCompletableFuture()
          .join();
    }
    Await.until(
        skald.system(),
        Duration.ofSeconds(15),
        () ->
            assertEquals(
                3, api.get("/api/v1/groups/accounting/dead-letters").body().path("size").asLong()));
    JsonNode page = api.get("/api/v1/groups/accounting/dead-letters?from=0&limit=2").body();
    assertEquals(2, page.path("deadLetters").size());
    assertEquals(2, page.path("next").asLong());
    JsonNode first = page.path("deadLetters").get(0);
    assertEquals("REJECTED", first.path("reason").asText());
    assertEquals("invoices", first.path("topic").asText());

    JsonNode one = api.get("/api/v1/groups/accounting/dead-letters/0").body();
    assertEquals("EUR-0", one.path("value").asText());
    assertEquals("acme", one.path("headers").path("tenant").asText());
    assertTrue(one.path("errorMessage").asText().contains("no exchange rate"));
    assertError(api.get("/api/v1/groups/accounting/dead-letters/99"), 404, "unknown_dead_letter");
    assertError(api.get("/api/v1/groups/accounting/dead-letters?limit=0"), 400, "invalid_request");
    assertError(api.get("/api/v1/groups/accounting/dead-letters?from=abc"), 400, "invalid_request");

    fixed.set(true);
    AdminClient.Response replayed =
        api.call("POST", "/api/v1/groups/accounting/dead-letters/0/replay", null);
    assertEquals(200, replayed.status(), replayed.body().toString());
    assertEquals(1, replayed.body().path("replayed").asLong());
    AdminClient.Response purged =
        api.call("DELETE", "/api/v1/groups/accounting/dead-letters", null);
    assertEquals(3, purged.body().path("purged").asLong());
    assertEquals(0, api.get("/api/v1/groups/accounting/dead-letters").body().path("size").asLong());
    accounting.stop().toCompletableFuture().join();
  }

  @Test
  void aSignalIsSentToAWaitingInstanceAndBadOnesAreRefused() {
    approvals.start("a-1", new Payment("a-1")).toCompletableFuture().join();
    String path = "/api/v1/sagas/approve/a-1/signal";
    assertError(
        api.call("POST", path, "{\"type\":\"Nope\",\"signal\":{}}"), 400, "invalid_request");
    assertError(api.call("POST", path, "{\"type\":\"Approved\"}"), 400, "invalid_request");
    assertError(
        api.call("POST", path, "{\"type\":\"Approved\",\"signal\":{\"manager\":[1]}}"),
        400,
        "invalid_request");
    assertError(
        api.call(
            "POST",
            "/api/v1/sagas/approve/a-404/signal",
            "{\"type\":\"Approved\",\"signal\":{\"manager\":\"maria\"}}"),
        404,
        "unknown_saga_instance");
    AdminClient.Response taken =
        api.call("POST", path, "{\"type\":\"Approved\",\"signal\":{\"manager\":\"maria\"}}");
    assertEquals(200, taken.status(), taken.body().toString());
    assertTrue(taken.body().path("taken").asBoolean(), taken.body().toString());
    Await.until(
        skald.system(),
        Duration.ofSeconds(15),
        () ->
            assertEquals(
                "COMPLETED", api.get("/api/v1/sagas/approve/a-1").body().path("status").asText()));
    AdminClient.Response again =
        api.call("POST", path, "{\"type\":\"Approved\",\"signal\":{\"manager\":\"maria\"}}");
    assertEquals(200, again.status(), again.body().toString());
    assertFalse(again.body().path("taken").asBoolean(), again.body().toString());
    assertEquals(1, api.get("/api/v1/sagas/approve/a-1").body().path("version").asInt());
    assertError(
        api.call("POST", "/api/v1/sagas/approve/a-1/migrate", "{\"toVersion\":9}"),
        400,
        "invalid_request");
    assertError(
        api.call("POST", "/api/v1/sagas/approve/a-1/migrate", "{\"toVersion\":\"x\"}"),
        400,
        "invalid_request");
    assertError(
        api.call("POST", "/api/v1/sagas/approve/a-404/migrate", "{\"toVersion\":1}"),
        404,
        "unknown_saga_instance");

    // the summaries query: by status, time and version, paged
    Await.until(
        skald.system(),
        Duration.ofSeconds(15),
        () -> {
          JsonNode summaries =
              api.get("/api/v1/sagas/approve?status=COMPLETED&version=1&limit=10").body();
          assertEquals(1, summaries.path("items").size(), summaries.toString());
          JsonNode one = summaries.path("items").get(0);
          assertEquals("a-1", one.path("sagaId").asText());
          assertEquals(1, one.path("version").asInt());
          assertFalse(one.path("deleted").asBoolean());
          java.time.Instant.parse(one.path("at").asText());
          assertTrue(summaries.path("next").isNull(), summaries.toString());
        });
    assertEquals(
        0,
        api.get("/api/v1/sagas/approve?status=COMPLETED&to=2020-01-01T00:00:00Z")
            .body()
            .path("items")
            .size());
    assertError(api.get("/api/v1/sagas/approve?from=2020-01-01T00:00:00Z"), 400, "invalid_request");
    assertError(
        api.get("/api/v1/sagas/approve?status=COMPLETED&from=yesterday"), 400, "invalid_request");
    assertError(api.get("/api/v1/sagas/approve?status=COMPLETED&limit=0"), 400, "invalid_request");
    assertError(
        api.get("/api/v1/sagas/approve?status=COMPLETED&after=nonsense"), 400, "invalid_request");
    assertError(
        api.get(
            "/api/v1/sagas/approve?status=COMPLETED&from=2026-01-02T00:00:00Z"
                + "&to=2026-01-01T00:00:00Z"),
        400,
        "invalid_request");
  }

  @Test
  void aParkedSagaIsShownDiagrammedAndRetried() {
    payments.start("p-1", new Payment("p-1")).toCompletableFuture().join();
    Await.until(
        skald.system(),
        Duration.ofSeconds(15),
        () ->
            assertEquals(
                "PARKED", api.get("/api/v1/sagas/pay/p-1").body().path("status").asText()));
    JsonNode sagas = api.get("/api/v1/sagas").body();
    assertEquals("pay", sagas.path("sagas").get(0).path("name").asText());
    assertEquals(1, sagas.path("sagas").get(0).path("counts").path("PARKED").asLong());
    JsonNode parked = api.get("/api/v1/sagas/pay?status=PARKED").body();
    assertEquals(List.of("p-1"), List.of(parked.path("ids").get(0).asText()));
    JsonNode view = api.get("/api/v1/sagas/pay/p-1").body();
    assertTrue(view.path("reason").asText().contains("pivot"), view.toString());
    assertTrue(view.path("history").size() > 0);
    String mermaid = api.get("/api/v1/sagas/pay/p-1/diagram").body().path("mermaid").asText();
    assertTrue(mermaid.startsWith("flowchart"), mermaid);
    assertTrue(mermaid.contains("charge"), mermaid);

    // the pivot cannot be compensated: refused, nothing changes
    assertError(api.call("POST", "/api/v1/sagas/pay/p-1/compensate", null), 409, "action_refused");
    assertError(api.call("POST", "/api/v1/sagas/pay/p-1/explode", null), 404, "not_found");
    assertError(
        api.call("POST", "/api/v1/sagas/pay/p-404/retry", null), 404, "unknown_saga_instance");
    assertError(api.get("/api/v1/sagas/nosuch"), 404, "unknown_saga");
    assertError(api.get("/api/v1/sagas/pay?status=LOST"), 400, "invalid_request");
    assertEquals(
        SagaStatus.PARKED, payments.get("p-1").toCompletableFuture().join().get().status());

    bankUp.set(true);
    AdminClient.Response retried = api.call("POST", "/api/v1/sagas/pay/p-1/retry", null);
    assertEquals(200, retried.status(), retried.body().toString());
    Await.until(
        skald.system(),
        Duration.ofSeconds(15),
        () ->
            assertEquals(
                "COMPLETED", api.get("/api/v1/sagas/pay/p-1").body().path("status").asText()));
  }

  @Test
  void healthReportsTheNodeReady() {
    AdminClient.Response health = api.get("/api/v1/health");
    assertEquals(200, health.status(), health.body().toString());
    assertEquals("UP", health.body().path("status").asText());
    assertEquals(5, health.body().path("checks").size());
    assertEquals("UP", api.get("/api/v1/health/live").body().path("status").asText());
  }

  @Test
  void aTokenIsRequiredWhenConfigured() {
    try (AdminServer secured =
        AdminServer.start(skald, AdminSettings.loopback(0).withToken("s3cret"), List.of())
            .toCompletableFuture()
            .join()) {
      assertEquals("127.0.0.1", secured.address().getAddress().getHostAddress());
      assertError(new AdminClient(secured.url(), null).get("/api/v1/topics"), 401, "unauthorized");
      assertError(
          new AdminClient(secured.url(), "wrong").get("/api/v1/topics"), 401, "unauthorized");
      assertEquals(200, new AdminClient(secured.url(), "s3cret").get("/api/v1/topics").status());
    }
  }
}
