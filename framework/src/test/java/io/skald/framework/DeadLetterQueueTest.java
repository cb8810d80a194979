package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.RetryPolicy;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.deadletter.DeadLetter;
import io.skald.framework.deadletter.DeadLetterQueue;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class DeadLetterQueueTest {

  @Test
  void deadLettersAreListedReplayedOnceAfterTheFixAndPurged() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      skald.admin().createTopic(TopicSpec.of("invoices", 2)).toCompletableFuture().join();
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));

      // given a handler with a bug that rejects every invoice in EUR
      AtomicBoolean fixed = new AtomicBoolean(false);
      ConcurrentLinkedQueue<String> handled = new ConcurrentLinkedQueue<>();
      Subscription billing =
          skald.subscribe(
              SubscriptionSpec.of("billing", Codecs.string(), Codecs.string())
                  .withTopics("invoices")
                  .withRetryPolicy(RetryPolicy.none()),
              record -> {
                if (record.value().endsWith("EUR") && !fixed.get()) {
                  throw new IllegalStateException("no exchange rate for EUR");
                }
                handled.add(
                    record.value()
                        + (record.headers().containsKey(DeadLetterQueue.REPLAYED_FROM)
                            ? " (replayed)"
                            : ""));
                return CompletableFuture.completedFuture(null);
              });
      for (int i = 0; i < 6; i++) {
        producer
            .send(
                "invoices",
                "customer-" + i,
                "invoice-" + i + (i % 2 == 0 ? " EUR" : " USD"),
                Map.of("tenant", "acme"))
            .toCompletableFuture()
            .join();
      }
      DeadLetterQueue dlq = skald.deadLetters("billing");
      Await.until(
          skald.system(),
          Duration.ofSeconds(10),
          () -> {
            assertEquals(3L, dlq.size().toCompletableFuture().join());
            assertEquals(3, handled.size());
          });

      // when they are inspected, page by page
      List<DeadLetter> firstPage = dlq.list(0, 2).toCompletableFuture().join();
      List<DeadLetter> secondPage =
          dlq.list(firstPage.get(1).dlqOffset() + 1, 2).toCompletableFuture().join();
      assertEquals(2, firstPage.size());
      assertEquals(1, secondPage.size());
      DeadLetter letter = firstPage.get(0);
      assertEquals("invoices", letter.original().topic());
      assertTrue(letter.valueAsString().endsWith("EUR"));
      assertEquals("acme", letter.headers().get("tenant"));
      assertEquals(1, letter.attempts());
      assertEquals("no exchange rate for EUR", letter.errorMessage());
      assertEquals(IllegalStateException.class.getName(), letter.errorClass());

      // and replayed after the fix
      fixed.set(true);
      assertEquals(3L, dlq.replayAll().toCompletableFuture().join());

      // then the handler gets them again, from their original partitions, and succeeds
      Await.until(skald.system(), Duration.ofSeconds(10), () -> assertEquals(6, handled.size()));
      assertEquals(3, handled.stream().filter(v -> v.endsWith("EUR (replayed)")).count());

      // a second replay of all, or of one, writes nothing
      assertEquals(0L, dlq.replayAll().toCompletableFuture().join());
      assertEquals(0L, dlq.replay(letter.dlqOffset()).toCompletableFuture().join());
      long written =
          skald
                  .admin()
                  .partitionOffsets(new TopicPartition("invoices", 0))
                  .toCompletableFuture()
                  .join()
                  .logEndOffset()
              + skald
                  .admin()
                  .partitionOffsets(new TopicPartition("invoices", 1))
                  .toCompletableFuture()
                  .join()
                  .logEndOffset();
      assertEquals(9, written, "6 originals + 3 replays, no duplicates");

      // and purge empties the queue
      assertEquals(3L, dlq.purge().toCompletableFuture().join());
      assertEquals(0L, dlq.size().toCompletableFuture().join());
      assertEquals(List.of(), dlq.list(0, 10).toCompletableFuture().join());
      billing.stop().toCompletableFuture().join();
      node.deleteDataDir();
    }
  }
}
