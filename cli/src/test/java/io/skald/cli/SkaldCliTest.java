package io.skald.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.skald.admin.AdminServer;
import io.skald.admin.AdminSettings;
import io.skald.framework.Codecs;
import io.skald.framework.Skald;
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
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every {@code skald} command against a real node's admin API: output, exit code, no change on bad
 * input.
 */
class SkaldCliTest {
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
  private static SagaOrchestrator<Payment> payments;
  private static SagaOrchestrator<Payment> approvals;
  private static final AtomicBoolean bankUp = new AtomicBoolean(false);

  record Run(int exit, String out, String err) {
    JsonNode json() {
      try {
        return AdminApi.JSON.readTree(out);
      } catch (java.io.IOException e) {
        throw new AssertionError("not JSON: " + out, e);
      }
    }
  }

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
        AdminServer.start(
                skald, AdminSettings.loopback(0).withToken("t0k"), List.of(payments, approvals))
            .toCompletableFuture()
            .join();
  }

  @AfterAll
  static void stop() {
    server.close();
    node.close();
    node.deleteDataDir();
  }

  private static Run skald(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    if (!all.contains("--help") && !all.contains("--url")) {
      all.addAll(List.of("--url", server.url(), "--token", "t0k"));
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = SkaldCli.run(all.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
    return new Run(exit, out.toString(), err.toString());
  }

  private static void assertRefused(Run run, int exit, String inError) {
    assertEquals(exit, run.exit(), run.toString());
    assertTrue(run.err().contains(inError), run.toString());
  }

  @Test
  void topicsCreateListDescribeAndAlter() {
    Run created =
        skald("topics", "create", "clicks", "--partitions", "3", "--retention-max-age", "7d");
    assertEquals(0, created.exit(), created.toString());
    assertTrue(created.out().contains("created topic clicks with 3 partitions"), created.out());

    Run list = skald("topics", "list");
    assertEquals(0, list.exit());
    assertTrue(list.out().startsWith("TOPIC"), list.out());
    assertTrue(
        list.out().lines().anyMatch(l -> l.startsWith("clicks") && l.contains("maxAge PT168H")),
        list.out());

    Run describe = skald("topics", "describe", "clicks");
    assertEquals(0, describe.exit(), describe.toString());
    assertTrue(describe.out().contains("partitions:    3"), describe.out());
    assertEquals(
        3 + 1, describe.out().lines().filter(l -> l.matches("^(PARTITION|\\d) .*")).count());

    // a retention option changes only its limit; the others are kept
    Run altered = skald("topics", "alter", "clicks", "--retention-max-records", "1000");
    assertEquals(0, altered.exit(), altered.toString());
    TopicSpec stored = skald.admin().describeTopic("clicks").toCompletableFuture().join().get();
    assertEquals(Duration.ofDays(7), stored.retention().maxAge());
    assertEquals(1000, stored.retention().maxRecords());

    JsonNode json = skald("topics", "describe", "clicks", "--output", "json").json();
    assertEquals(1000, json.path("retention").path("maxRecords").asLong());

    // grown, with a record limit; the describe shows both and the partitions' sizes
    Run grown =
        skald("topics", "alter", "clicks", "--partitions", "4", "--max-record-bytes", "4096");
    assertEquals(0, grown.exit(), grown.toString());
    assertTrue(grown.out().contains("partitions:    4"), grown.out());
    assertTrue(grown.out().contains("max record:    4096 bytes"), grown.out());
    Run described = skald("topics", "describe", "clicks");
    assertTrue(described.out().contains("BYTES"), described.out());
    assertTrue(described.out().contains("size:"), described.out());
    assertRefused(skald("topics", "alter", "clicks", "--partitions", "2"), 1, "can only grow");
    assertRefused(
        skald("topics", "alter", "clicks", "--max-record-bytes", "5", "--default-max-record-bytes"),
        2,
        "cannot be combined");
    stored = skald.admin().describeTopic("clicks").toCompletableFuture().join().get();
    assertEquals(4, stored.partitions());
    assertEquals(4096, stored.maxRecordBytes());

    // a quota for all producers; a negative one is refused and changes nothing
    Run quota =
        skald(
            "topics",
            "alter",
            "clicks",
            "--rate-limit-records",
            "500",
            "--rate-limit-burst",
            "200ms",
            "--rate-limit-policy",
            "refuse");
    assertEquals(0, quota.exit(), quota.toString());
    assertTrue(
        quota.out().contains("rate limit:    500 records/s, burst PT0.2S, REFUSE"), quota.out());
    assertRefused(
        skald("topics", "alter", "clicks", "--rate-limit-records", "-5"), 1, "positive number");
    assertRefused(
        skald("topics", "alter", "clicks", "--rate-limit-policy", "refuse"),
        2,
        "need --rate-limit-records");
    stored = skald.admin().describeTopic("clicks").toCompletableFuture().join().get();
    assertEquals(500.0, stored.rateLimit().recordsPerSecond());

    // bad input: a clear error, the right exit code, nothing changed
    assertRefused(skald("topics", "create", "clicks", "-p", "5"), 1, "topic_conflict");
    assertRefused(skald("topics", "describe", "nowhere"), 1, "unknown topic 'nowhere'");
    assertRefused(skald("topics", "create", "bad/name", "-p", "1"), 1, "invalid_topic");
    assertRefused(skald("topics", "create", "t2", "-p", "0"), 1, "partitions");
    assertRefused(skald("topics", "create", "t2"), 2, "--partitions");
    assertRefused(skald("topics", "create", "t2", "-p", "x"), 2, "Invalid value");
    assertRefused(skald("topics", "alter", "clicks"), 2, "nothing to change");
    assertRefused(
        skald("topics", "alter", "clicks", "--retention-max-age", "soon"), 2, "not a duration");
    assertRefused(
        skald("topics", "alter", "clicks", "--retention-forever", "--retention-max-records", "5"),
        2,
        "cannot be combined");
    assertRefused(skald("topics", "frobnicate"), 2, "Unmatched argument");
    assertEquals(stored, skald.admin().describeTopic("clicks").toCompletableFuture().join().get());
    assertTrue(skald.admin().describeTopic("t2").toCompletableFuture().join().isEmpty());

    assertRefused(skald("topics", "delete", "clicks"), 2, "--yes");
    assertTrue(skald.admin().describeTopic("clicks").toCompletableFuture().join().isPresent());
    Run deleted = skald("topics", "delete", "clicks", "--yes");
    assertEquals(0, deleted.exit(), deleted.toString());
    assertTrue(skald.admin().describeTopic("clicks").toCompletableFuture().join().isEmpty());
    assertRefused(skald("topics", "delete", "clicks", "--yes"), 1, "unknown_topic");
  }

  @Test
  void groupsListDescribeResetAndDelete() {
    skald.admin().createTopic(TopicSpec.of("orders", 2)).toCompletableFuture().join();
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    for (int i = 0; i < 8; i++) {
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
          Run d = skald("groups", "describe", "billing");
          assertEquals(0, d.exit(), d.toString());
          assertTrue(d.out().contains("STABLE") && d.out().contains("total lag 0"), d.out());
        });
    assertTrue(skald("groups", "list").out().contains("billing"));
    Run describe = skald("groups", "describe", "billing");
    assertTrue(
        describe
            .out()
            .lines()
            .anyMatch(l -> l.matches("TOPIC +PARTITION +COMMITTED +LOG-END +LAG +MEMBER")),
        describe.out());
    assertEquals(
        2,
        describe.out().lines().filter(l -> l.matches("orders +[01] +\\d+ +\\d+ +0 +.+@.+")).count(),
        describe.out());

    // a dry run on an active group is refused, and changes nothing
    assertRefused(
        skald("groups", "reset-offsets", "billing", "--topic", "orders", "--to-earliest"),
        1,
        "group_active");
    assertRefused(skald("groups", "delete", "billing"), 1, "group_active");
    billing.stop().toCompletableFuture().join();

    Run dry =
        skald(
            "groups",
            "reset-offsets",
            "billing",
            "--topic",
            "orders",
            "--to-earliest",
            "--dry-run");
    assertEquals(0, dry.exit(), dry.toString());
    assertTrue(dry.out().contains("dry run: nothing changed"), dry.out());
    assertEquals(
        8L,
        skald.admin().committedOffsets("billing").toCompletableFuture().join().values().stream()
            .mapToLong(Long::longValue)
            .sum());
    assertRefused(
        skald("groups", "reset-offsets", "billing", "--topic", "orders"), 2, "--to-earliest");
    assertRefused(
        skald(
            "groups",
            "reset-offsets",
            "billing",
            "--topic",
            "orders",
            "--to-earliest",
            "--to-latest"),
        2,
        "mutually exclusive");
    assertRefused(
        skald(
            "groups",
            "reset-offsets",
            "billing",
            "--topic",
            "orders",
            "--to-datetime",
            "yesterday"),
        2,
        "ISO-8601");
    assertRefused(
        skald(
            "groups",
            "reset-offsets",
            "billing",
            "--topic",
            "orders",
            "--to-offset",
            "-3",
            "--execute"),
        1,
        "offset");

    Run executed =
        skald(
            "groups",
            "reset-offsets",
            "billing",
            "--topic",
            "orders",
            "--to-offset",
            "1",
            "--execute");
    assertEquals(0, executed.exit(), executed.toString());
    assertEquals(
        2L,
        skald.admin().committedOffsets("billing").toCompletableFuture().join().values().stream()
            .mapToLong(Long::longValue)
            .sum());
    Run json = skald("groups", "describe", "billing", "-o", "json");
    assertEquals(6, json.json().path("totalLag").asLong());

    assertEquals(0, skald("groups", "delete", "billing").exit());
    assertRefused(skald("groups", "describe", "billing"), 1, "unknown_group");
  }

  @Test
  void deadLettersListShowReplayAndPurge() {
    skald.admin().createTopic(TopicSpec.of("invoices", 1)).toCompletableFuture().join();
    AtomicBoolean fixed = new AtomicBoolean(false);
    Subscription accounting =
        skald.subscribe(
            SubscriptionSpec.of("accounting", Codecs.string(), Codecs.string())
                .withTopics("invoices")
                .withRetryPolicy(RetryPolicy.none()),
            r -> {
              if (!fixed.get()) {
                throw new RejectRecordException("no rate for " + r.value());
              }
              return CompletableFuture.completedFuture(null);
            });
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    for (int i = 0; i < 3; i++) {
      producer.send("invoices", "c" + i, "EUR-" + i).toCompletableFuture().join();
    }
    Await.until(
        skald.system(),
        Duration.ofSeconds(15),
        () -> assertTrue(skald("dlq", "list", "accounting").out().contains("3 dead letter(s)")));
    Run page = skald("dlq", "list", "accounting", "--limit", "2");
    assertTrue(page.out().contains("more: --from 2"), page.out());
    assertTrue(page.out().contains("REJECTED"), page.out());
    Run show = skald("dlq", "show", "accounting", "1");
    assertEquals(0, show.exit(), show.toString());
    assertTrue(show.out().contains("value:         EUR-1"), show.out());
    assertTrue(show.out().contains("no rate for EUR-1"), show.out());
    assertRefused(skald("dlq", "show", "accounting", "7"), 1, "unknown_dead_letter");
    assertRefused(skald("dlq", "replay", "accounting"), 2, "OFFSET or --all");
    assertRefused(skald("dlq", "purge", "accounting"), 2, "--yes");
    assertRefused(skald("dlq", "list", "accounting", "--limit", "0"), 1, "limit");

    fixed.set(true);
    Run replay = skald("dlq", "replay", "accounting", "--all");
    assertEquals(0, replay.exit(), replay.toString());
    assertTrue(replay.out().contains("replayed 3 dead letter(s)"), replay.out());
    Run purge = skald("dlq", "purge", "accounting", "--yes");
    assertTrue(purge.out().contains("purged 3"), purge.out());
    accounting.stop().toCompletableFuture().join();
  }

  @Test
  void aSignalIsSentToAWaitingInstance() {
    approvals.start("a-7", new Payment("a-7")).toCompletableFuture().join();
    assertRefused(
        skald("sagas", "signal", "approve", "a-7", "--type", "Approved", "--json", "[1"),
        2,
        "--json");
    assertRefused(
        skald("sagas", "signal", "approve", "a-7", "--type", "Nope"), 1, "no step that waits");
    Run signalled =
        skald(
            "sagas",
            "signal",
            "approve",
            "a-7",
            "--type",
            "Approved",
            "--json",
            "{\"manager\":\"maria\"}");
    assertEquals(0, signalled.exit(), signalled.toString());
    assertRefused(skald("sagas", "migrate", "approve", "a-7", "--to", "9"), 1, "no version 9");
    assertTrue(signalled.out().contains("signal Approved: taken"), signalled.out());
    Await.until(
        skald.system(),
        Duration.ofSeconds(15),
        () ->
            assertTrue(
                skald("sagas", "show", "approve", "a-7").out().contains("status: COMPLETED")));
    Await.until(
        skald.system(),
        Duration.ofSeconds(15),
        () -> {
          Run found = skald("sagas", "find", "approve", "--status", "completed", "--version", "1");
          assertEquals(0, found.exit(), found.toString());
          assertTrue(found.out().contains("a-7"), found.out());
          assertTrue(found.out().contains("DELETED"), found.out());
        });
    assertRefused(
        skald("sagas", "find", "approve", "--status", "COMPLETED", "--from", "yesterday"),
        1,
        "ISO-8601");
  }

  @Test
  void aParkedSagaIsListedShownDiagrammedAndRetried() {
    payments.start("p-9", new Payment("p-9")).toCompletableFuture().join();
    Await.until(
        skald.system(),
        Duration.ofSeconds(15),
        () ->
            assertTrue(skald("sagas", "list", "pay", "--status", "parked").out().contains("p-9")));
    Run overview = skald("sagas", "list");
    assertTrue(overview.out().startsWith("SAGA"), overview.out());
    assertTrue(overview.out().lines().anyMatch(l -> l.startsWith("pay")), overview.out());
    Run show = skald("sagas", "show", "pay", "p-9");
    assertTrue(show.out().contains("status: PARKED"), show.out());
    assertTrue(show.out().contains("charge"), show.out());
    Run diagram = skald("sagas", "diagram", "pay", "p-9");
    assertTrue(diagram.out().startsWith("flowchart"), diagram.out());

    assertRefused(skald("sagas", "compensate", "pay", "p-9"), 1, "action_refused");
    assertRefused(skald("sagas", "show", "pay", "nope"), 1, "unknown_saga_instance");
    assertRefused(skald("sagas", "show", "nosuch", "p-9"), 1, "unknown_saga");
    assertRefused(skald("sagas", "list", "pay", "--status", "lost"), 1, "status");
    assertEquals(
        SagaStatus.PARKED, payments.get("p-9").toCompletableFuture().join().get().status());

    bankUp.set(true);
    Run retry = skald("sagas", "retry", "pay", "p-9");
    assertEquals(0, retry.exit(), retry.toString());
    Await.until(
        skald.system(),
        Duration.ofSeconds(15),
        () -> assertTrue(skald("sagas", "show", "pay", "p-9").out().contains("status: COMPLETED")));
  }

  @Test
  void healthHelpAndConnectionErrors() {
    Run health = skald("health");
    assertEquals(0, health.exit(), health.toString());
    assertTrue(health.out().contains("status: UP"), health.out());

    Run help = skald("groups", "reset-offsets", "--help");
    assertEquals(0, help.exit());
    assertTrue(help.out().contains("--to-datetime"), help.out());
    assertEquals(2, skald().exit());

    // a wrong token, and no node at all
    Run unauthorized = skald("topics", "list", "--url", server.url(), "--token", "wrong");
    assertRefused(unauthorized, 1, "unauthorized");
    int freePort = org.apache.pekko.testkit.SocketUtil.temporaryLocalPort(false);
    Run unreachable = skald("topics", "list", "--url", "http://127.0.0.1:" + freePort);
    assertRefused(unreachable, 3, "cannot reach the admin API");
  }
}
