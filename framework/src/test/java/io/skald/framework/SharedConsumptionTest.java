package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.consumer.DeliveryMode;
import io.skald.framework.consumer.LeaseLostException;
import io.skald.framework.consumer.LeasedRecordHandler;
import io.skald.framework.consumer.RetryPolicy;
import io.skald.framework.consumer.StartPosition;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.deadletter.DeadLetter;
import io.skald.framework.deadletter.DeadLetterReason;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.testing.Kill;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Shared (work-queue) consumption on a real node: more members than partitions all work, records of
 * a killed member come back after the visibility timeout, extended ones do not, releases and
 * failures are redelivered or dead-lettered, and acknowledgements and locks survive a restart.
 */
class SharedConsumptionTest {
  private static final Executor WORK = CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS);

  private static final java.util.concurrent.atomic.AtomicInteger RUN =
      new java.util.concurrent.atomic.AtomicInteger();

  /** The node of the tests that need no configuration of their own and no restart. */
  private static SkaldTestNode shared;

  /** This test's topic and group: tests on the shared node must not meet. */
  private final String jobs = "jobs-" + RUN.incrementAndGet();

  private final String workers = "workers-" + RUN.get();
  private final Path dataDir = SkaldTestNode.newDataDir();
  private SkaldTestNode node;

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
    SkaldTestNode.deleteRecursively(dataDir);
  }

  @org.junit.jupiter.api.AfterAll
  static void stopShared() {
    if (shared != null) {
      shared.close();
      shared.deleteDataDir();
    }
  }

  /** The shared node without configuration, else a node of this test's own. */
  private Skald start(String config) {
    if (config.isEmpty()) {
      if (shared == null) {
        shared = SkaldTestNode.start();
      }
      return shared.skald();
    }
    node = SkaldTestNode.start(dataDir, false, config);
    return node.skald();
  }

  /** One delivery seen by a handler. */
  record Delivery(String member, String value, int deliveryCount, Instant at) {}

  private SubscriptionSpec<String, String> spec(Duration visibility) {
    return SubscriptionSpec.of(workers, Codecs.string(), Codecs.string())
        .withTopics(jobs)
        .withSharedConsumption(visibility);
  }

  private Set<String> produce(Skald skald, int count, String prefix) {
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    List<CompletableFuture<?>> acks = new ArrayList<>();
    Set<String> values = new HashSet<>();
    for (int i = 0; i < count; i++) {
      // no key: records spread over the partitions, as in a work queue
      acks.add(producer.send(jobs, null, prefix + i).toCompletableFuture());
      values.add(prefix + i);
    }
    acks.forEach(CompletableFuture::join);
    return values;
  }

  @Test
  void eightMembersOnTwoPartitionsAllWorkAndAKilledMembersRecordsComeBackAfterTheTimeout()
      throws Exception {
    Skald skald = start("");
    skald.admin().createTopic(TopicSpec.of(jobs, 2)).toCompletableFuture().join();
    Duration visibility = Duration.ofSeconds(2);
    ConcurrentLinkedQueue<Delivery> deliveries = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Delivery> completed = new ConcurrentLinkedQueue<>();

    // given a member that takes records and never finishes them, and seven healthy ones
    Subscription victim =
        skald.subscribe(
            spec(visibility),
            (ConsumerRecord<String, String> record) -> {
              deliveries.add(
                  new Delivery("victim", record.value(), record.attempt(), Instant.now()));
              return new CompletableFuture<Void>(); // hangs
            });
    List<Subscription> members = new ArrayList<>();
    for (int m = 0; m < 7; m++) {
      String name = "member-" + m;
      members.add(
          skald.subscribe(
              spec(visibility),
              (ConsumerRecord<String, String> record) -> {
                Delivery delivery =
                    new Delivery(name, record.value(), record.attempt(), Instant.now());
                deliveries.add(delivery);
                return CompletableFuture.runAsync(() -> completed.add(delivery), WORK);
              }));
    }
    assertEquals(
        Set.of(new TopicPartition(jobs, 0), new TopicPartition(jobs, 1)),
        victim.assignment(),
        "a shared member reads every partition");

    // when 600 records are produced, and the victim is killed once it holds some
    Set<String> expected = produce(skald, 600, "job-");
    Await.until(
        skald.system(),
        Duration.ofSeconds(20),
        () -> assertTrue(deliveries.stream().anyMatch(d -> d.member().equals("victim"))));
    Kill.member(skald.system(), victim);

    // then every record is completed by a healthy member
    Await.until(
        skald.system(),
        Duration.ofSeconds(30),
        () ->
            assertEquals(
                expected,
                completed.stream().map(Delivery::value).collect(Collectors.toSet()),
                "every record is handled"));
    Map<String, Long> perMember =
        deliveries.stream().collect(Collectors.groupingBy(Delivery::member, Collectors.counting()));
    assertEquals(8, perMember.size(), "all 8 members did work on 2 partitions: " + perMember);

    // and the victim's records came back only after the visibility timeout, to another member
    List<Delivery> victims = deliveries.stream().filter(d -> d.member().equals("victim")).toList();
    for (Delivery taken : victims) {
      List<Delivery> again =
          completed.stream().filter(d -> d.value().equals(taken.value())).toList();
      assertEquals(1, again.size(), "completed once: " + again);
      assertEquals(taken.deliveryCount() + 1, again.get(0).deliveryCount(), "counted: " + again);
      Duration hidden = Duration.between(taken.at(), again.get(0).at());
      assertTrue(
          hidden.compareTo(visibility.minusMillis(100)) >= 0,
          taken.value() + " was hidden " + hidden + ", not the visibility timeout " + visibility);
    }
    // and no record completed by a healthy member was handed out twice
    Map<String, Long> completions =
        completed.stream().collect(Collectors.groupingBy(Delivery::value, Collectors.counting()));
    assertTrue(
        completions.values().stream().allMatch(n -> n == 1),
        "each record completed once: "
            + completions.entrySet().stream().filter(e -> e.getValue() > 1).toList());
    for (Subscription member : members) {
      member.stop().toCompletableFuture().join();
    }
  }

  @Test
  void anExtendedTaskIsNotRedeliveredAndAnUnextendedOneIs() throws Exception {
    Skald skald = start("");
    skald.admin().createTopic(TopicSpec.of(jobs, 1)).toCompletableFuture().join();
    Duration visibility = Duration.ofMillis(800);
    ConcurrentLinkedQueue<Delivery> deliveries = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Instant> extendedTo = new ConcurrentLinkedQueue<>();
    java.util.concurrent.ScheduledExecutorService scheduler =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    try {
      // a task takes 2.5 s, three visibility timeouts; "extend-" tasks heartbeat every 250 ms
      LeasedRecordHandler<String, String> slow =
          (record, lease) -> {
            deliveries.add(new Delivery("m", record.value(), lease.deliveryCount(), Instant.now()));
            CompletableFuture<Void> done = new CompletableFuture<>();
            java.util.concurrent.ScheduledFuture<?> heartbeat =
                record.value().startsWith("extend-")
                    ? scheduler.scheduleAtFixedRate(
                        () ->
                            lease
                                .extend(visibility)
                                .thenAccept(extendedTo::add)
                                .exceptionally(e -> null),
                        250,
                        250,
                        TimeUnit.MILLISECONDS)
                    : null;
            scheduler.schedule(
                () -> {
                  if (heartbeat != null) {
                    heartbeat.cancel(false);
                  }
                  done.complete(null);
                },
                2_500,
                TimeUnit.MILLISECONDS);
            return done;
          };
      Subscription first = skald.subscribe(spec(visibility), slow);
      Subscription second = skald.subscribe(spec(visibility), slow);
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      producer.send(jobs, null, "extend-1").toCompletableFuture().join();
      producer.send(jobs, null, "plain-1").toCompletableFuture().join();

      // the unextended task is handed out again after its timeout; the extended one is not
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () ->
              assertTrue(
                  deliveries.stream()
                      .anyMatch(d -> d.value().equals("plain-1") && d.deliveryCount() == 2),
                  "plain-1 redelivered: " + deliveries));
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () -> assertTrue(extendedTo.size() >= 5, "heartbeats: " + extendedTo));
      // wait until the extended task has completed (its 2.5 s) and a further timeout has passed
      Instant finished =
          deliveries.stream()
              .filter(d -> d.value().equals("extend-1"))
              .findFirst()
              .orElseThrow()
              .at()
              .plusMillis(2_500 + visibility.toMillis() * 2);
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () -> assertTrue(Instant.now().isAfter(finished)));
      assertEquals(
          1,
          deliveries.stream().filter(d -> d.value().equals("extend-1")).count(),
          "the extended task was handed out once: " + deliveries);
      assertTrue(
          extendedTo.stream()
              .max(Instant::compareTo)
              .orElseThrow()
              .isAfter(
                  deliveries.stream()
                      .filter(d -> d.value().equals("extend-1"))
                      .findFirst()
                      .orElseThrow()
                      .at()
                      .plusMillis(2_000)),
          "the lease moved forward with each heartbeat");
      first.stop().toCompletableFuture().join();
      second.stop().toCompletableFuture().join();
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void releasedRecordsComeBackAfterTheirDelayAndFailuresAreRetriedThenDeadLettered()
      throws Exception {
    Skald skald = start("");
    skald.admin().createTopic(TopicSpec.of(jobs, 2)).toCompletableFuture().join();
    ConcurrentLinkedQueue<Delivery> deliveries = new ConcurrentLinkedQueue<>();
    Subscription member =
        skald.subscribe(
            spec(Duration.ofSeconds(10))
                .withRetryPolicy(
                    RetryPolicy.exponential(Duration.ofMillis(50), Duration.ofMillis(50), 1.0)
                        .withMaxAttempts(3)),
            (LeasedRecordHandler<String, String>)
                (record, lease) -> {
                  deliveries.add(
                      new Delivery("m", record.value(), lease.deliveryCount(), Instant.now()));
                  if (record.value().equals("later") && lease.deliveryCount() == 1) {
                    return lease.release(Duration.ofMillis(700)); // a negative ack with a delay
                  }
                  if (record.value().equals("poison")) {
                    throw new IllegalStateException("cannot handle " + record.value());
                  }
                  return CompletableFuture.completedFuture(null);
                });
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    producer.send(jobs, null, "later").toCompletableFuture().join();
    producer.send(jobs, null, "poison").toCompletableFuture().join();
    producer.send(jobs, null, "fine").toCompletableFuture().join();

    Await.until(
        skald.system(),
        Duration.ofSeconds(15),
        () -> {
          List<DeadLetter> letters =
              skald.deadLetters(workers).list(0, 10).toCompletableFuture().join();
          assertEquals(1, letters.size(), "dead letters: " + letters);
          assertEquals("poison", letters.get(0).valueAsString());
          assertEquals(DeadLetterReason.RETRIES_EXHAUSTED, letters.get(0).reason());
          assertEquals(3, letters.get(0).attempts());
        });
    Await.until(
        skald.system(),
        Duration.ofSeconds(10),
        () -> assertEquals(2, deliveries.stream().filter(d -> d.value().equals("later")).count()));
    List<Delivery> later = deliveries.stream().filter(d -> d.value().equals("later")).toList();
    assertEquals(2, later.get(1).deliveryCount());
    Duration delay = Duration.between(later.get(0).at(), later.get(1).at());
    assertTrue(delay.toMillis() >= 650, "released for 700 ms, back after " + delay);
    assertEquals(3, deliveries.stream().filter(d -> d.value().equals("poison")).count());
    assertEquals(1, deliveries.stream().filter(d -> d.value().equals("fine")).count());
    member.stop().toCompletableFuture().join();
  }

  @Test
  void aRecordWhoseHandlersNeverAnswerIsDeadLetteredAtTheDeliveryLimit() throws Exception {
    Skald skald = start("");
    skald.admin().createTopic(TopicSpec.of(jobs, 1)).toCompletableFuture().join();
    ConcurrentLinkedQueue<Delivery> deliveries = new ConcurrentLinkedQueue<>();
    Subscription member =
        skald.subscribe(
            spec(Duration.ofMillis(300)).withRetryPolicy(RetryPolicy.defaults().withMaxAttempts(2)),
            (ConsumerRecord<String, String> record) -> {
              deliveries.add(new Delivery("m", record.value(), record.attempt(), Instant.now()));
              return new CompletableFuture<Void>(); // never answers
            });
    skald
        .producer(ProducerSettings.of(Codecs.string(), Codecs.string()))
        .send(jobs, null, "stuck")
        .toCompletableFuture()
        .join();

    Await.until(
        skald.system(),
        Duration.ofSeconds(15),
        () -> {
          List<DeadLetter> letters =
              skald.deadLetters(workers).list(0, 10).toCompletableFuture().join();
          assertEquals(1, letters.size(), "dead letters: " + letters);
          assertEquals(DeadLetterReason.DELIVERY_LIMIT, letters.get(0).reason());
          assertEquals(2, letters.get(0).attempts());
          assertEquals(LeaseLostException.class.getName(), letters.get(0).errorClass());
        });
    assertEquals(
        List.of(1, 2),
        deliveries.stream().map(Delivery::deliveryCount).toList(),
        "delivered twice, then dead-lettered instead of a third time");
    member.stop().toCompletableFuture().join();
  }

  @Test
  void acknowledgedRecordsStayDoneAcrossARestartAndHeldOnesKeepTheirLock() throws Exception {
    // snapshots every 10 events, so the restart recovers from a snapshot plus events
    String config = "skald.framework.consumer.shared.snapshot-every = 10";
    Skald skald = start(config);
    Skald first = skald;
    io.skald.framework.testing.Meters.record(skald);
    skald.admin().createTopic(TopicSpec.of(jobs, 2)).toCompletableFuture().join();
    Duration visibility = Duration.ofSeconds(2);
    ConcurrentLinkedQueue<Delivery> before = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Instant> heldDurably = new ConcurrentLinkedQueue<>();
    Subscription member =
        skald.subscribe(
            spec(visibility).withParallelism(4),
            (LeasedRecordHandler<String, String>)
                (record, lease) -> {
                  before.add(
                      new Delivery("m", record.value(), lease.deliveryCount(), Instant.now()));
                  if (!record.value().startsWith("hold-")) {
                    return CompletableFuture.completedFuture(null);
                  }
                  // still in the handler at the restart; an extension is answered once durable,
                  // and so after the acquisition before it: the lock is durable from then on
                  lease.extend(visibility).thenAccept(heldDurably::add);
                  return new CompletableFuture<Void>();
                });
    Set<String> done = produce(skald, 200, "done-");
    // every acknowledgement durable (the member counts the confirmed ones)
    Await.until(
        skald.system(),
        Duration.ofSeconds(20),
        () ->
            assertEquals(
                200.0,
                io.skald.framework.testing.Meters.count(
                    first, "skald.share.acknowledged", "group", workers)));
    assertEquals(done, before.stream().map(Delivery::value).collect(Collectors.toSet()));
    Set<String> held = produce(skald, 2, "hold-");
    Await.until(
        skald.system(),
        Duration.ofSeconds(20),
        () -> assertEquals(2, heldDurably.size(), "the held records' locks are durable"));
    // the end of the extended locks (by the share-partition's clock: this node's)
    Instant lockedUntil = heldDurably.stream().min(Instant::compareTo).orElseThrow();
    Kill.member(skald.system(), member); // dies holding them

    // when the node restarts and a new member reads the group
    node.close();
    skald = start(config);
    ConcurrentLinkedQueue<Delivery> after = new ConcurrentLinkedQueue<>();
    Subscription again =
        skald.subscribe(
            spec(visibility),
            (ConsumerRecord<String, String> record) -> {
              after.add(new Delivery("m", record.value(), record.attempt(), Instant.now()));
              return CompletableFuture.completedFuture(null);
            });

    // then only the held records come back, after their lock (kept across the restart) ran out
    Await.until(
        skald.system(),
        Duration.ofSeconds(20),
        () -> assertEquals(held, after.stream().map(Delivery::value).collect(Collectors.toSet())));
    for (Delivery delivery : after) {
      assertEquals(2, delivery.deliveryCount(), "counted across the restart: " + after);
      assertTrue(
          !delivery.at().isBefore(lockedUntil.minusMillis(100)),
          "the lock survived the restart: back at "
              + delivery.at()
              + ", the lock ran until "
              + lockedUntil);
    }
    Map<String, Long> counts = new HashMap<>();
    after.forEach(d -> counts.merge(d.value(), 1L, Long::sum));
    assertEquals(Map.of("hold-0", 1L, "hold-1", 1L), counts);
    again.stop().toCompletableFuture().join();
  }

  @Test
  void aWorkQueueOfSlowJobsOnOnePartition() {
    Skald skald = start("");
    ConcurrentLinkedQueue<String> resized = new ConcurrentLinkedQueue<>();
    Set<String> workersSeen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    // #pattern-work-queue
    // RabbitMQ: one queue, four competing consumers with manual acks.
    // SQS: a standard queue with a 30 s visibility timeout, polled by four workers.
    // Skald: a topic (one partition is enough) and a shared group with four members.
    skald.admin().createTopic(TopicSpec.of("resize-jobs", 1)).toCompletableFuture().join();
    SubscriptionSpec<String, String> resizers =
        SubscriptionSpec.of("resizers", Codecs.string(), Codecs.string())
            .withTopics("resize-jobs")
            .withSharedConsumption(Duration.ofSeconds(30)) // hidden from the others meanwhile
            .withParallelism(2); // jobs per member (and partition) at once
    List<Subscription> workers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      String worker = "worker-" + i;
      workers.add(
          skald.subscribe(
              resizers,
              (record, lease) ->
                  resize(record.value())
                      .thenRun(() -> workersSeen.add(worker))
                      .thenRun(() -> resized.add(record.value()))));
    }
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    for (int i = 0; i < 40; i++) {
      producer.send("resize-jobs", null, "image-" + i); // no key needed: any worker may take it
    }
    // #pattern-work-queue
    Await.until(
        skald.system(), Duration.ofSeconds(20), () -> assertEquals(40, resized.size(), "resized"));
    assertEquals(4, workersSeen.size(), "four workers on one partition all worked");
    workers.forEach(w -> w.stop().toCompletableFuture().join());
  }

  private static CompletableFuture<Void> resize(String image) {
    return CompletableFuture.runAsync(() -> {}, WORK);
  }

  @Test
  void urgentRecordsOvertakeABacklogLargerThanTheWindow() {
    // a window of 40 records: the backlog of 400 ordinary ones is ten windows long
    Skald skald = start("skald.framework.consumer.shared.max-in-flight = 40");
    skald.admin().createTopic(TopicSpec.of(jobs, 1)).toCompletableFuture().join();
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    List<CompletableFuture<?>> acks = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      acks.add(producer.send(jobs, null, "ordinary-" + i).toCompletableFuture());
    }
    for (int i = 0; i < 10; i++) {
      acks.add(
          producer
              .send(jobs, null, "urgent-" + i, io.skald.framework.producer.Priority.of(9))
              .toCompletableFuture());
    }
    acks.forEach(CompletableFuture::join);
    ConcurrentLinkedQueue<String> order = new ConcurrentLinkedQueue<>();
    Subscription member =
        skald.subscribe(
            spec(Duration.ofSeconds(30)).withPriorityLevels(10),
            (ConsumerRecord<String, String> record) -> {
              order.add(record.value());
              return CompletableFuture.completedFuture(null);
            });
    Await.until(
        skald.system(), Duration.ofSeconds(30), () -> assertEquals(410, order.size(), "all"));
    List<String> handled = List.copyOf(order);
    int lastUrgent = 0;
    for (int i = 0; i < handled.size(); i++) {
      if (handled.get(i).startsWith("urgent-")) {
        lastUrgent = i;
      }
    }
    // the first window of ordinary records may be handed out before the urgent ones are read
    assertTrue(
        lastUrgent < 40 + 10,
        "the urgent records were read ahead of the backlog; the last one was handled "
            + (lastUrgent + 1)
            + "th of 410: "
            + handled.subList(0, Math.min(60, handled.size())));
    assertEquals(410, Set.copyOf(handled).size(), "each once");
    member.stop().toCompletableFuture().join();
  }

  @Test
  void priorityInputIsCheckedWhereItIsGiven() {
    assertThrows(
        IllegalArgumentException.class, () -> spec(Duration.ofSeconds(1)).withPriorityLevels(11));
    assertThrows(
        IllegalArgumentException.class, () -> spec(Duration.ofSeconds(1)).withPriorityLevels(0));
    assertThrows(
        IllegalArgumentException.class,
        () -> spec(Duration.ofSeconds(1)).withPriorityAging(Duration.ZERO));
    IllegalArgumentException keyed =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SubscriptionSpec.of("g", Codecs.string(), Codecs.string())
                    .withTopics(jobs)
                    .withPriorityLevels(3)
                    .validate());
    assertTrue(keyed.getMessage().contains("shared"), keyed.getMessage());
    assertThrows(IllegalArgumentException.class, () -> io.skald.framework.producer.Priority.of(10));

    Skald skald = start("");
    skald.admin().createTopic(TopicSpec.of(jobs, 1)).toCompletableFuture().join();
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    CompletionException refused =
        assertThrows(
            CompletionException.class,
            () ->
                producer
                    .send(
                        jobs, null, "x", Map.of(io.skald.framework.producer.Priority.HEADER, "12"))
                    .toCompletableFuture()
                    .join());
    assertTrue(
        refused.getCause() instanceof io.skald.framework.producer.InvalidRecordException,
        refused.toString());
    assertTrue(refused.getCause().getMessage().contains("skald.priority"), refused.toString());
  }

  @Test
  void membersJoiningAndLeavingAndARestartLoseNothingAndRepeatNothingAcknowledged() {
    String config = "skald.framework.consumer.shared.max-in-flight = 50";
    Skald skald = start(config);
    skald.admin().createTopic(TopicSpec.of(jobs, 2)).toCompletableFuture().join();
    Duration visibility = Duration.ofSeconds(2);
    SubscriptionSpec<String, String> spec = spec(visibility).withPriorityLevels(3);
    ConcurrentLinkedQueue<Delivery> before = new ConcurrentLinkedQueue<>();
    LeasedRecordHandler<String, String> handler =
        (record, lease) ->
            CompletableFuture.runAsync(
                () -> before.add(new Delivery("m", record.value(), lease.deliveryCount(), null)),
                WORK);
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    Set<String> expected = new HashSet<>();
    List<CompletableFuture<?>> acks = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      // every tenth record urgent, every tenth + 1 of middle priority
      Map<String, String> priority =
          io.skald.framework.producer.Priority.of(i % 10 == 0 ? 2 : i % 10 == 1 ? 1 : 0);
      acks.add(producer.send(jobs, null, "job-" + i, priority).toCompletableFuture());
      expected.add("job-" + i);
    }
    acks.forEach(CompletableFuture::join);

    // two members start; two more join while they work; one of the first leaves
    Subscription first = skald.subscribe(spec, handler);
    Subscription second = skald.subscribe(spec, handler);
    Await.until(skald.system(), Duration.ofSeconds(20), () -> assertTrue(before.size() >= 150));
    Subscription third = skald.subscribe(spec, handler);
    Subscription fourth = skald.subscribe(spec, handler);
    Await.until(skald.system(), Duration.ofSeconds(20), () -> assertTrue(before.size() >= 300));
    first.stop().toCompletableFuture().join();
    second.stop().toCompletableFuture().join();
    third.stop().toCompletableFuture().join();
    fourth.stop().toCompletableFuture().join();
    Set<String> doneBefore = before.stream().map(Delivery::value).collect(Collectors.toSet());

    // the node restarts mid-stream; two new members finish the work
    node.close();
    skald = start(config);
    ConcurrentLinkedQueue<Delivery> after = new ConcurrentLinkedQueue<>();
    LeasedRecordHandler<String, String> again =
        (record, lease) ->
            CompletableFuture.runAsync(
                () -> after.add(new Delivery("m", record.value(), lease.deliveryCount(), null)),
                WORK);
    Subscription fifth = skald.subscribe(spec, again);
    Subscription sixth = skald.subscribe(spec, again);
    Await.until(
        skald.system(),
        Duration.ofSeconds(30),
        () -> {
          Set<String> all = new HashSet<>(doneBefore);
          after.forEach(d -> all.add(d.value()));
          assertEquals(expected, all, "every record handled");
        });
    Set<String> repeated =
        after.stream()
            .map(Delivery::value)
            .filter(doneBefore::contains)
            .collect(Collectors.toSet());
    assertEquals(Set.of(), repeated, "records acknowledged before the restart are not repeated");
    Map<String, Long> counts =
        after.stream().collect(Collectors.groupingBy(Delivery::value, Collectors.counting()));
    assertTrue(counts.values().stream().allMatch(n -> n == 1), "once each after: " + counts);
    fifth.stop().toCompletableFuture().join();
    sixth.stop().toCompletableFuture().join();
  }

  private static Set<String> withoutProbes(Set<String> handled) {
    return handled.stream().filter(v -> !v.equals("probe")).collect(Collectors.toSet());
  }

  @Test
  void partitionsAddedToTheTopicAreReadFromTheirFirstRecord() {
    Skald skald = start("");
    skald.admin().createTopic(TopicSpec.of(jobs, 1)).toCompletableFuture().join();
    Set<String> handled = java.util.concurrent.ConcurrentHashMap.newKeySet();
    Subscription member =
        skald.subscribe(
            spec(Duration.ofSeconds(10)).withStartPosition(StartPosition.LATEST),
            (ConsumerRecord<String, String> record) -> {
              handled.add(record.value());
              return CompletableFuture.completedFuture(null);
            });
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    // it starts at the latest record: once it reads, what follows is its work
    Await.until(
        skald.system(),
        Duration.ofSeconds(20),
        () -> {
          producer.send(jobs, null, "probe").toCompletableFuture().join();
          assertTrue(handled.contains("probe"));
        });
    Set<String> expected = produce(skald, 20, "before-");
    Await.until(
        skald.system(),
        Duration.ofSeconds(20),
        () -> assertEquals(expected, withoutProbes(handled)));

    // when the topic grows and records go to the new partitions at once
    skald.admin().alterTopic(TopicSpec.of(jobs, 3)).toCompletableFuture().join();
    for (int i = 0; i < 30; i++) {
      producer
          .sendToPartition(jobs, i % 3, null, "after-" + i, java.util.Map.of())
          .toCompletableFuture()
          .join();
      expected.add("after-" + i);
    }

    // then the member reads them all, those written before it saw the change included
    Await.until(
        skald.system(),
        Duration.ofSeconds(20),
        () -> assertEquals(expected, withoutProbes(handled)));
    assertEquals(3, member.assignment().size());
    member.stop().toCompletableFuture().join();
  }

  @Test
  void sharedConsumptionRefusesWhatItCannotKeep() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            SubscriptionSpec.of("g", Codecs.string(), Codecs.string())
                .withSharedConsumption(Duration.ZERO));
    IllegalArgumentException transactional =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                spec(Duration.ofSeconds(1))
                    .withDeliveryMode(DeliveryMode.TRANSACTIONAL)
                    .validate());
    assertTrue(transactional.getMessage().contains("TRANSACTIONAL"), transactional.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> spec(Duration.ofSeconds(1)).withoutDeadLetters().validate());

    Skald skald = start("");
    skald.admin().createTopic(TopicSpec.of(jobs, 1)).toCompletableFuture().join();
    LeasedRecordHandler<String, String> leased =
        (record, lease) -> CompletableFuture.completedFuture(null);
    IllegalArgumentException notShared =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                skald.subscribe(
                    SubscriptionSpec.of("keyed", Codecs.string(), Codecs.string()).withTopics(jobs),
                    leased));
    assertTrue(notShared.getMessage().contains("withSharedConsumption"), notShared.getMessage());
    Subscription member = skald.subscribe(spec(Duration.ofSeconds(1)), leased);
    CompletionException seek =
        assertThrows(
            CompletionException.class,
            () -> member.seek(new TopicPartition(jobs, 0), 0).toCompletableFuture().join());
    assertTrue(seek.getCause() instanceof UnsupportedOperationException, seek.toString());
    member.stop().toCompletableFuture().join();
  }
}
