package io.skald.framework.internal.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.TopicPartition;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.RecordHandler;
import io.skald.framework.consumer.RejectRecordException;
import io.skald.framework.consumer.RetryPolicy;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.deadletter.DeadLetterHeaders;
import io.skald.framework.internal.deadletter.DeadLetterSink;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.RecordMetadata;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;

/**
 * A dead letter keeps the reason it was dead-lettered for, even when writing it to the dead-letter
 * topic fails at first and is retried (the worker's retry path once relabelled every such record
 * {@code retries-exhausted}).
 */
class DeadLetterReasonTest {
  private static final RetryPolicy FAST =
      RetryPolicy.exponential(Duration.ofMillis(10), Duration.ofMillis(10), 1.0).withMaxAttempts(5);

  @Test
  void aRejectedRecordKeepsItsReasonWhenItsFirstDeadLetterWriteFails() {
    assertReason(
        record -> {
          throw new RejectRecordException("bad order " + record.value());
        },
        FAST,
        "rejected");
  }

  @Test
  void aNonRetryableFailureKeepsItsReasonWhenItsFirstDeadLetterWriteFails() {
    assertReason(
        record -> {
          throw new IllegalArgumentException("unreadable order " + record.value());
        },
        FAST.withNonRetryable(Set.of(IllegalArgumentException.class)),
        "non-retryable");
  }

  private static void assertReason(
      RecordHandler<String, String> handler, RetryPolicy policy, String expectedReason) {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      // given a record that fails for good
      Skald skald = node.skald();
      skald.admin().createTopic(TopicSpec.of("orders", 1)).toCompletableFuture().join();
      skald
          .producer(ProducerSettings.of(Codecs.string(), Codecs.string()))
          .send("orders", "order-1", "-3 items")
          .toCompletableFuture()
          .join();

      // and a dead-letter topic whose first write fails (its partition could not persist)
      AtomicInteger writes = new AtomicInteger();
      List<Map<String, String>> written = new CopyOnWriteArrayList<>();
      DeadLetterSink deadLetters =
          (key, value, headers) -> {
            if (writes.getAndIncrement() == 0) {
              return CompletableFuture.failedFuture(
                  new IllegalStateException("the dead-letter partition's journal failed"));
            }
            written.add(headers);
            return CompletableFuture.completedFuture(
                new RecordMetadata("billing.dlq", 0, written.size() - 1, 0));
          };

      // when a worker handles the partition
      ActorTestKit kit = ActorTestKit.create(skald.system());
      TestProbe<ConsumerActor.Command> parent = kit.createTestProbe();
      kit.spawn(
          PartitionWorker.create(
              new PartitionWorker.Setup<>(
                  new TopicPartition("orders", 0),
                  0,
                  SubscriptionSpec.of("billing", Codecs.string(), Codecs.string())
                      .withTopics("orders")
                      .withRetryPolicy(policy),
                  handler,
                  SkaldSettings.from(skald.system().settings().config()),
                  deadLetters,
                  new MemberView(),
                  parent.getRef())));

      // then the second write carries the reason the record failed for
      Await.until(skald.system(), Duration.ofSeconds(10), () -> assertEquals(1, written.size()));
      assertEquals(expectedReason, written.get(0).get(DeadLetterHeaders.REASON));
      assertEquals(2, writes.get());
    }
  }
}
