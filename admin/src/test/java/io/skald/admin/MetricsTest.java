package io.skald.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.skald.saga.Sagas;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Skald's meters, read the way Prometheus reads them: a scrape of the admin server's /metrics. */
class MetricsTest {
  record Job(String id) {}

  record Work(String jobId) {}

  record Done(String by) {}

  static final Endpoint<Work> WORK =
      Endpoint.of("worker.work", "work-commands", Work.class).replies(Done.class);

  static final SagaDefinition<Job> JOB =
      SagaDefinition.named("job", Job.class)
          .step("work")
          .invoke(WORK, j -> new Work(j.id()))
          .retriable()
          .build();

  /** One sample of the text format: name, labels, value. */
  record Sample(String name, Map<String, String> labels, double value) {}

  private static final Pattern LINE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)(?:\\s+\\d+)?$");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  static List<Sample> parse(String text) {
    List<Sample> samples = new java.util.ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = LINE.matcher(line.trim());
      if (!m.matches()) {
        throw new AssertionError("not Prometheus text format: " + line);
      }
      Map<String, String> labels = new HashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
    }
    return samples;
  }

  static double value(List<Sample> samples, String name, String... labels) {
    Map<String, String> wanted = new HashMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      wanted.put(labels[i], labels[i + 1]);
    }
    return samples.stream()
        .filter(s -> s.name().equals(name))
        .filter(s -> s.labels().entrySet().containsAll(wanted.entrySet()))
        .mapToDouble(Sample::value)
        .sum();
  }

  static String scrape(AdminServer server) {
    HttpResponse<String> response;
    try {
      response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(server.url() + "/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    assertEquals(200, response.statusCode());
    assertTrue(
        response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"),
        response.headers().toString());
    return response.body();
  }

  @Test
  void theScrapeHasEveryKindOfSkaldMeter() {
    Path dir = SkaldTestNode.newDataDir();
    try (SkaldTestNode node = SkaldTestNode.start(dir, true, "")) {
      Skald skald = node.skald();
      Sagas sagas = Sagas.create(skald);
      sagas
          .participant("worker")
          .on(WORK, (cmd, ctx) -> CompletableFuture.completedFuture(new Done("w1")))
          .start();
      SagaOrchestrator<Job> jobs = sagas.orchestrator(JOB);
      try (AdminServer server =
          AdminServer.start(skald, AdminSettings.loopback(0), List.of(jobs))
              .toCompletableFuture()
              .join()) {
        skald.admin().createTopic(TopicSpec.of("orders", 2)).toCompletableFuture().join();
        Producer<String, String> producer =
            skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
        for (int i = 0; i < 10; i++) {
          producer
              .send("orders", "k" + i, i == 3 ? "poison" : "v" + i)
              .toCompletableFuture()
              .join();
        }
        Subscription billing =
            skald.subscribe(
                SubscriptionSpec.of("billing", Codecs.string(), Codecs.string())
                    .withTopics("orders")
                    .withRetryPolicy(RetryPolicy.none()),
                r -> {
                  if (r.value().equals("poison")) {
                    throw new RejectRecordException("cannot bill poison");
                  }
                  return CompletableFuture.completedFuture(null);
                });
        jobs.start("j-1", new Job("j-1")).toCompletableFuture().join();

        Await.until(
            skald.system(),
            Duration.ofSeconds(20),
            () -> {
              List<Sample> s = parse(scrape(server));
              assertEquals(10, value(s, "skald_producer_records_total", "topic", "orders"));
              assertTrue(value(s, "skald_producer_bytes_total", "topic", "orders") > 0);
              assertEquals(10, value(s, "skald_producer_append_seconds_count", "topic", "orders"));
              assertEquals(
                  9,
                  value(s, "skald_consumer_records_total", "group", "billing", "topic", "orders"));
              assertEquals(
                  1,
                  value(
                      s,
                      "skald_consumer_dead_letters_total",
                      "group",
                      "billing",
                      "reason",
                      "REJECTED"));
              assertEquals(
                  10, value(s, "skald_consumer_handler_seconds_count", "group", "billing"));
              assertTrue(value(s, "skald_consumer_rebalances_total", "group", "billing") >= 1);
              // both partitions have a lag gauge, and the group has caught up
              assertEquals(
                  2,
                  s.stream()
                      .filter(x -> x.name().equals("skald_consumer_lag"))
                      .filter(x -> "billing".equals(x.labels().get("group")))
                      .count());
              assertEquals(0, value(s, "skald_consumer_lag", "group", "billing"));
              // the journal's group commit (fsync on)
              assertTrue(value(s, "skald_journal_fsync_seconds_count") > 0);
              assertTrue(value(s, "skald_journal_writes_per_sync_count") > 0);
              assertTrue(
                  value(s, "skald_journal_fsync_seconds_bucket", "le", "+Inf") > 0,
                  "a histogram, with buckets");
              // the saga
              assertEquals(
                  1,
                  value(s, "skald_saga_transitions_total", "saga", "job", "status", "COMPLETED"));
              assertEquals(
                  1,
                  value(
                      s,
                      "skald_saga_step_seconds_count",
                      "saga",
                      "job",
                      "step",
                      "work",
                      "outcome",
                      "SUCCEEDED"));
              assertEquals(
                  1, value(s, "skald_saga_instances", "saga", "job", "status", "COMPLETED"));
              // the JVM's
              assertTrue(value(s, "jvm_memory_used_bytes") > 0);
            });
        billing.stop().toCompletableFuture().join();

        // bounded cardinality: no series is tagged with a key, a record or an instance id
        String text = scrape(server);
        for (String forbidden : List.of("k1", "v1", "j-1", "poison")) {
          assertTrue(!text.contains("\"" + forbidden + "\""), forbidden + " in a tag");
        }
      }
      // the server's registry leaves with it
      assertTrue(skald.meterRegistry().getRegistries().isEmpty());
    } finally {
      SkaldTestNode.deleteRecursively(dir);
    }
  }
}
