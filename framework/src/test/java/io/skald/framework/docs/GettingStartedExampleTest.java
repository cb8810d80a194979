package io.skald.framework.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.consumer.StartPosition;
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
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The code of docs/getting-started.md, compiled and run by the test suite. */
class GettingStartedExampleTest {

  /** The value type of the example topic. */
  // #gs-event
  public record OrderPlaced(String orderId, String customerId, long amountCents) {}

  // #gs-event

  @Test
  void gettingStartedRunsAsDocumented() throws Exception {
    Path dataDir = SkaldTestNode.newDataDir();
    try {
      run(dataDir);
    } finally {
      SkaldTestNode.deleteRecursively(dataDir);
    }
  }

  private static void run(Path dataDir) throws Exception {
    // #gs-start
    Skald skald =
        Skald.start(
            "shop", ConfigFactory.parseString("skald.framework.data-dir = \"" + dataDir + "\""));
    // #gs-start
    try {
      // #gs-create-topic
      skald.admin().ensureTopic(TopicSpec.of("orders", 4)).toCompletableFuture().join();
      // #gs-create-topic

      // #gs-subscribe
      List<String> billed = new CopyOnWriteArrayList<>();
      Subscription billing =
          skald.subscribe(
              SubscriptionSpec.of("billing", Codecs.string(), Codecs.json(OrderPlaced.class))
                  .withTopics("orders")
                  .withStartPosition(StartPosition.EARLIEST),
              (ConsumerRecord<String, OrderPlaced> record) -> {
                billed.add(record.value().orderId());
                return CompletableFuture.completedFuture(null); // completing = acknowledging
              });
      // #gs-subscribe

      // #gs-produce
      Producer<String, OrderPlaced> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.json(OrderPlaced.class)));
      for (int i = 1; i <= 3; i++) {
        OrderPlaced order = new OrderPlaced("order-" + i, "customer-7", 1_999);
        // the key picks the partition: every order of customer-7 stays in order
        RecordMetadata written =
            producer.send("orders", order.customerId(), order).toCompletableFuture().join();
        System.out.printf(
            "%s written to partition %d at offset %d%n",
            order.orderId(), written.partition(), written.offset());
      }
      // #gs-produce

      Await.until(
          skald.system(),
          Duration.ofSeconds(20),
          () -> assertEquals(List.of("order-1", "order-2", "order-3"), billed));

      // #gs-stop
      billing.stop().toCompletableFuture().join(); // finish in-flight records, commit, leave
      producer.close();
      // #gs-stop
    } finally {
      // #gs-stop
      skald.close();
      // #gs-stop
    }
  }
}
