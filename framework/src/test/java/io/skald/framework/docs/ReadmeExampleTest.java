package io.skald.framework.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.RecordMetadata;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The 30-second example of README.md, compiled and run by the suite. */
class ReadmeExampleTest {
  record OrderPlaced(String orderId, String customerId, long amountCents) {}

  private final List<OrderPlaced> billed = new CopyOnWriteArrayList<>();

  private CompletionStage<Void> bill(OrderPlaced order) {
    billed.add(order);
    return CompletableFuture.completedFuture(null);
  }

  @Test
  void theReadmeExampleRunsAsShown() {
    Path dataDir = SkaldTestNode.newDataDir();
    // the example uses the default configuration; only its data directory is a temporary one
    System.setProperty("skald.framework.data-dir", dataDir.toString());
    ConfigFactory.invalidateCaches();
    try {
      OrderPlaced order = new OrderPlaced("order-1", "customer-7", 1_999);
      // #readme-quickstart
      try (Skald skald = Skald.start("shop")) {
        skald.admin().ensureTopic(TopicSpec.of("orders", 4)).toCompletableFuture().join();

        Subscription billing =
            skald.subscribe(
                SubscriptionSpec.of("billing", Codecs.string(), Codecs.json(OrderPlaced.class))
                    .withTopics("orders"),
                record -> bill(record.value())); // a CompletionStage: completing it acknowledges

        Producer<String, OrderPlaced> producer =
            skald.producer(ProducerSettings.of(Codecs.string(), Codecs.json(OrderPlaced.class)));
        RecordMetadata written =
            producer
                .send("orders", order.customerId(), order) // same key, same partition, in order
                .toCompletableFuture()
                .join(); // returns once the record is durable
        System.out.printf(
            "durable at %s-%d@%d%n", written.topic(), written.partition(), written.offset());
        // #readme-quickstart
        Await.until(
            skald.system(), Duration.ofSeconds(20), () -> assertEquals(List.of(order), billed));
        assertTrue(written.offset() >= 0);
        // #readme-quickstart

        billing.stop().toCompletableFuture().join(); // finish what is in flight, commit, leave
      }
      // #readme-quickstart
    } finally {
      System.clearProperty("skald.framework.data-dir");
      ConfigFactory.invalidateCaches();
      SkaldTestNode.deleteRecursively(dataDir);
    }
  }
}
