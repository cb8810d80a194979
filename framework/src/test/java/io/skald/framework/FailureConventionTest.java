package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.skald.framework.admin.GroupActiveException;
import io.skald.framework.admin.InvalidTopicException;
import io.skald.framework.admin.OffsetReset;
import io.skald.framework.admin.TopicConflictException;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.testkit.SkaldTestNode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The one rule for failures (docs/concepts.md, "Errors"): an asynchronous call's stage fails with
 * the typed exception itself, never wrapped in {@link CompletionException}, whether the failure was
 * found before the call went out or in a callback of the chain behind it; a blocking call throws
 * the same exception.
 */
class FailureConventionTest {
  private static SkaldTestNode node;
  private static Skald skald;

  @BeforeAll
  static void start() {
    node = SkaldTestNode.start();
    skald = node.skald();
    skald.admin().createTopic(TopicSpec.of("plain", 2)).toCompletableFuture().join();
  }

  @AfterAll
  static void stop() {
    node.close();
    node.deleteDataDir();
  }

  /** The exception the stage itself fails with, as a {@code whenComplete} callback receives it. */
  private static Throwable failureOf(CompletionStage<?> stage) throws Exception {
    CompletableFuture<Throwable> seen = new CompletableFuture<>();
    stage.whenComplete((value, error) -> seen.complete(error));
    Throwable error = seen.get(30, TimeUnit.SECONDS);
    assertNotNull(error, "the stage succeeded");
    return error;
  }

  @Test
  void producerFailuresAreTheTypedExceptionItself() throws Exception {
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    assertInstanceOf(UnknownTopicException.class, failureOf(producer.send("nowhere", "k", "v")));
    assertInstanceOf(
        UnknownTopicException.class,
        failureOf(
            producer.sendDelayed(
                "nowhere", "k", "v", java.util.Map.of(), java.time.Duration.ofSeconds(1))));
    producer.close();
    assertInstanceOf(IllegalStateException.class, failureOf(producer.send("plain", "k", "v")));
  }

  @Test
  void adminFailuresAreTheTypedExceptionItself() throws Exception {
    assertInstanceOf(
        TopicConflictException.class,
        failureOf(skald.admin().createTopic(TopicSpec.of("plain", 3))));
    assertInstanceOf(InvalidTopicException.class, failureOf(skald.admin().compact("plain")));
    assertInstanceOf(UnknownTopicException.class, failureOf(skald.admin().compact("nowhere")));
  }

  @Test
  void subscriptionFailuresAreTheTypedExceptionItselfAndTheBlockingCallThrowsIt() throws Exception {
    SubscriptionSpec<String, String> unknown =
        SubscriptionSpec.of("convention", Codecs.string(), Codecs.string()).withTopics("nowhere");
    assertInstanceOf(
        UnknownTopicException.class,
        failureOf(skald.subscribeAsync(unknown, r -> CompletableFuture.completedFuture(null))));
    assertThrows(
        UnknownTopicException.class,
        () -> skald.subscribe(unknown, r -> CompletableFuture.completedFuture(null)));
    // a combination of settings is refused when it is used, whatever the order of the with calls
    SubscriptionSpec<String, String> tooParallel =
        SubscriptionSpec.of("convention", Codecs.string(), Codecs.string())
            .withTopics("plain")
            .withParallelism(20)
            .withPrefetch(10);
    assertInstanceOf(
        IllegalArgumentException.class,
        failureOf(skald.subscribeAsync(tooParallel, r -> CompletableFuture.completedFuture(null))));
  }

  @Test
  void resettingTheOffsetsOfALiveGroupFailsWithGroupActive() throws Exception {
    Subscription member =
        skald.subscribe(
            SubscriptionSpec.of("live", Codecs.string(), Codecs.string()).withTopics("plain"),
            r -> CompletableFuture.completedFuture(null));
    try {
      Throwable refused =
          failureOf(skald.admin().resetOffsets("live", "plain", OffsetReset.earliest(), false));
      assertInstanceOf(GroupActiveException.class, refused);
      assertEquals(true, refused.getMessage().contains("1 active member"), refused.getMessage());
    } finally {
      member.stop().toCompletableFuture().join();
    }
  }
}
