package io.skald.examples.orders.compat;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.examples.orders.Shop;
import io.skald.examples.orders.common.OrderLine;
import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.TopicPartition;
import io.skald.framework.admin.Compaction;
import io.skald.framework.admin.Retention;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.RejectRecordException;
import io.skald.framework.consumer.RetryPolicy;
import io.skald.framework.consumer.StartPosition;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.deadletter.DeadLetter;
import io.skald.framework.producer.ProducerSettings;
import io.skald.saga.SagaStatus;
import io.skald.saga.SagaView;
import io.skald.testkit.Await;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A small journal written through every persisted format Skald and the sample have (topic registry,
 * record batches, truncations, partition and group snapshots, group generations and commits,
 * delayed deliveries, dead-letter replays, saga instances, trackers, indexes, participant ledgers,
 * the sample's entities), and the observation of it that must not change when the code that reads
 * it moves. {@link #write} made the fixture under {@code src/test/resources/fixtures/}; {@code
 * PersistedFormatsTest} reads it back with today's code.
 */
final class PersistedFixture {
  static final String LOG_TOPIC = "fixture-log";
  static final String COMPACTED_TOPIC = "fixture-latest";
  static final String DELAYED_TOPIC = "fixture-delayed";
  static final String BILLING = "fixture-billing";
  static final int ORCHESTRATED_ORDERS = 12;
  static final int CHOREOGRAPHED_ORDERS = 6;

  /** Settings that make the small fixture snapshot partitions and groups and truncate a log. */
  static final String CONFIG =
      "skald.framework.partition.snapshot-every = 5\n"
          + "skald.framework.group.snapshot-every = 5\n";

  private PersistedFixture() {}

  static List<String> ids(String prefix, int count) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ids.add(prefix + i);
    }
    return ids;
  }

  static List<String> orchestratedIds() {
    return ids("order-o", ORCHESTRATED_ORDERS);
  }

  static List<String> choreographedIds() {
    return ids("order-c", CHOREOGRAPHED_ORDERS);
  }

  static List<String> orderIds() {
    List<String> ids = new ArrayList<>(orchestratedIds());
    ids.addAll(choreographedIds());
    return ids;
  }

  /** Seeds the shop and the framework topics (orchestrated phase). */
  static void writeFrameworkAndOrchestratedPhase(Skald skald, Shop shop) throws Exception {
    var admin = skald.admin();
    admin
        .createTopic(
            TopicSpec.of(LOG_TOPIC, 2).withRetention(Retention.forever().withMaxRecords(30)))
        .toCompletableFuture()
        .join();
    admin
        .createTopic(
            TopicSpec.of(COMPACTED_TOPIC, 1)
                .withCompaction(Compaction.latestPerKey().withMinDirtyRecords(10)))
        .toCompletableFuture()
        .join();
    admin.createTopic(TopicSpec.of(DELAYED_TOPIC, 1)).toCompletableFuture().join();

    var producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()).withIdempotence());
    List<CompletableFuture<?>> sends = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      sends.add(
          producer
              .send(LOG_TOPIC, "k" + (i % 7), "v" + i, Map.of("n", Integer.toString(i)))
              .toCompletableFuture());
      // one at a time in small batches so partitions see many events (snapshots, truncation)
      if (i % 4 == 3) {
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
      }
    }
    for (int i = 0; i < 40; i++) {
      producer.send(COMPACTED_TOPIC, "key-" + (i % 5), "latest-" + i).toCompletableFuture().join();
    }
    producer.sendTombstone(COMPACTED_TOPIC, "key-0").toCompletableFuture().join();
    admin.compact(COMPACTED_TOPIC).toCompletableFuture().join();
    // due two minutes after the fixture was written: the reader finds it overdue and delivers it
    producer
        .sendAt(
            DELAYED_TOPIC,
            "later",
            "delayed-value",
            Map.of(),
            Instant.now().plus(Duration.ofMinutes(2)))
        .toCompletableFuture()
        .join();

    // a group that handles the log, rejects every tenth record and replays one dead letter
    Set<String> rejectedOnce = ConcurrentHashMap.newKeySet();
    Subscription billing =
        skald.subscribe(
            SubscriptionSpec.of(BILLING, Codecs.string(), Codecs.string())
                .withTopics(LOG_TOPIC)
                .withStartPosition(StartPosition.EARLIEST)
                .withRetryPolicy(RetryPolicy.none()),
            record -> {
              if (record.value().endsWith("0") && rejectedOnce.add(record.value())) {
                throw new RejectRecordException("fixture rejects " + record.value());
              }
              return CompletableFuture.completedFuture(null);
            });
    awaitLag(skald, BILLING, LOG_TOPIC);
    var dlq = skald.deadLetters(BILLING);
    await(skald, () -> dlq.size().toCompletableFuture().join() >= 3);
    dlq.replay(0).toCompletableFuture().join();
    awaitLag(skald, BILLING, LOG_TOPIC);
    billing.stop().toCompletableFuture().get(30, TimeUnit.SECONDS);
    producer.close();

    placeOrders(shop, orchestratedIds());
  }

  static void seedShop(Shop shop) {
    List<CompletableFuture<?>> seeding = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      seeding.add(shop.addStock("sku-" + i, 4).toCompletableFuture());
    }
    for (int i = 0; i < 4; i++) {
      seeding.add(shop.openCustomer("customer-" + i, 900).toCompletableFuture());
    }
    CompletableFuture.allOf(seeding.toArray(CompletableFuture[]::new)).join();
  }

  static void placeOrders(Shop shop, List<String> ids) {
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      shop.placeOrder(
              id,
              "customer-" + (i % 5), // customer-4 is unknown: that saga compensates
              List.of(new OrderLine("sku-" + (i % 3), 1 + i % 2, 100 + 40 * i)))
          .toCompletableFuture()
          .join();
    }
    for (String id : ids) {
      await(
          shop.skald(),
          () ->
              shop.placeOrder()
                  .get(id)
                  .toCompletableFuture()
                  .join()
                  .map(SagaView::status)
                  .filter(s -> s == SagaStatus.COMPLETED || s == SagaStatus.COMPENSATED)
                  .isPresent());
    }
  }

  private static void awaitLag(Skald skald, String group, String topic) {
    await(
        skald,
        () ->
            skald.admin().lag(group, topic).toCompletableFuture().join().stream()
                .allMatch(l -> l.lag() == 0));
  }

  static void await(Skald skald, BooleanSupplier condition) {
    Await.until(
        skald.system(),
        Duration.ofSeconds(60),
        () -> assertTrue(condition.getAsBoolean(), "the fixture did not reach the expected state"));
  }

  /**
   * What a user can see of the fixture through the public API, as sorted lines: topics, offsets,
   * committed offsets, dead letters, the records of every retained offset, sagas, orders, stock and
   * accounts. Reading the records uses a new group each time, which does not change any line.
   */
  static Map<String, String> observe(Skald skald, Shop shop, List<String> sagaIds)
      throws Exception {
    Map<String, String> seen = new TreeMap<>();
    var admin = skald.admin();
    for (TopicSpec spec : admin.listTopics().toCompletableFuture().join()) {
      if (spec.name().startsWith("fixture-")) {
        seen.put(
            "topic " + spec.name(),
            spec.partitions() + " partitions, compacted " + spec.compacted());
      }
    }
    for (String topic : List.of(LOG_TOPIC, COMPACTED_TOPIC)) {
      int partitions = admin.describeTopic(topic).toCompletableFuture().join().get().partitions();
      for (int p = 0; p < partitions; p++) {
        var offsets =
            admin.partitionOffsets(new TopicPartition(topic, p)).toCompletableFuture().join();
        seen.put(
            "offsets " + topic + "-" + p, offsets.logStartOffset() + ".." + offsets.logEndOffset());
      }
    }
    admin
        .committedOffsets(BILLING)
        .toCompletableFuture()
        .join()
        .forEach(
            (tp, offset) -> seen.put("committed " + BILLING + " " + tp, Long.toString(offset)));
    var dlq = skald.deadLetters(BILLING);
    for (DeadLetter letter : dlq.list(0, 100).toCompletableFuture().join()) {
      seen.put(
          "dead letter " + letter.dlqOffset(),
          letter.original() + "@" + letter.originalOffset() + " " + letter.reason().header());
    }
    Map<String, String> records = new ConcurrentHashMap<>();
    Subscription reader =
        skald.subscribe(
            SubscriptionSpec.of("observer-" + System.nanoTime(), Codecs.string(), Codecs.string())
                .withTopics(LOG_TOPIC, COMPACTED_TOPIC)
                .withStartPosition(StartPosition.EARLIEST)
                .withoutDeadLetters(),
            record -> {
              records.put(
                  "record "
                      + record.topic()
                      + "-"
                      + record.partition()
                      + "@"
                      + String.format("%03d", record.offset()),
                  record.key() + "=" + record.value() + " " + new TreeMap<>(record.headers()));
              return CompletableFuture.completedFuture(null);
            });
    try {
      // every partition read up to its end offset
      await(
          skald,
          () -> {
            for (String topic : List.of(LOG_TOPIC, COMPACTED_TOPIC)) {
              int partitions =
                  admin.describeTopic(topic).toCompletableFuture().join().get().partitions();
              for (int p = 0; p < partitions; p++) {
                var offsets =
                    admin
                        .partitionOffsets(new TopicPartition(topic, p))
                        .toCompletableFuture()
                        .join();
                long last = offsets.logEndOffset() - 1;
                String prefix = "record " + topic + "-" + p + "@";
                boolean reached =
                    offsets.logEndOffset() == offsets.logStartOffset()
                        || records.keySet().stream()
                                .filter(k -> k.startsWith(prefix))
                                .mapToLong(k -> Long.parseLong(k.substring(prefix.length())))
                                .max()
                                .orElse(-1)
                            >= last;
                if (!reached) {
                  return false;
                }
              }
            }
            return true;
          });
    } finally {
      reader.stop().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    seen.putAll(records);
    seen.put("records read", Integer.toString(records.size()));
    for (String id : sagaIds) {
      shop.placeOrder()
          .get(id)
          .toCompletableFuture()
          .join()
          .ifPresent(
              view ->
                  seen.put(
                      "saga " + id,
                      view.status() + " " + view.reason() + " " + view.steps().size() + " steps"));
    }
    for (String id : orderIds()) {
      seen.put("order " + id, shop.order(id).toCompletableFuture().join().toString());
    }
    for (int i = 0; i < 5; i++) {
      seen.put(
          "account customer-" + i,
          shop.account("customer-" + i).toCompletableFuture().join().toString());
    }
    for (int i = 0; i < 3; i++) {
      seen.put("stock sku-" + i, shop.stock("sku-" + i).toCompletableFuture().join().toString());
    }
    return seen;
  }
}
