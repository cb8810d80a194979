package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.GroupActiveException;
import io.skald.framework.admin.GroupDescription;
import io.skald.framework.admin.GroupMember;
import io.skald.framework.admin.GroupState;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.admin.UnknownGroupException;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Listing, describing and deleting consumer groups. */
class GroupAdminTest {

  private static <T> T join(CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }

  private static Throwable failureOf(CompletionStage<?> stage) {
    return assertThrows(CompletionException.class, () -> join(stage)).getCause();
  }

  @Test
  void aGroupIsListedDescribedWithItsLagAndDeletedOnceInactive() {
    Path dir = SkaldTestNode.newDataDir();
    try {
      try (SkaldTestNode node = SkaldTestNode.start(dir, false, "")) {
        Skald skald = node.skald();
        join(skald.admin().createTopic(TopicSpec.of("orders", 3)));
        Producer<String, String> producer =
            skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
        CompletableFuture<?>[] sends = new CompletableFuture<?>[30];
        for (int i = 0; i < 30; i++) {
          sends[i] = producer.send("orders", "k" + i, "v" + i).toCompletableFuture();
        }
        CompletableFuture.allOf(sends).join();

        AtomicInteger handled = new AtomicInteger();
        CompletableFuture<Void> blocked = new CompletableFuture<>();
        Subscription billing =
            skald.subscribe(
                SubscriptionSpec.of("billing", Codecs.string(), Codecs.string())
                    .withTopics("orders"),
                record -> {
                  // ten records go through, then the handler waits: the group lags
                  return handled.incrementAndGet() <= 10
                      ? CompletableFuture.completedFuture(null)
                      : blocked;
                });
        Await.until(
            skald.system(),
            Duration.ofSeconds(15),
            () -> {
              GroupDescription d = join(skald.admin().describeGroup("billing"));
              assertEquals(GroupState.STABLE, d.state());
              assertEquals(1, d.members().size());
              GroupMember member = d.members().get(0);
              assertEquals(List.of("orders"), member.topics());
              assertEquals(3, member.partitions().size());
              assertEquals(3, d.partitions().size());
              assertEquals(30, d.partitions().stream().mapToLong(p -> p.logEndOffset()).sum());
              assertTrue(d.totalLag() > 0 && d.totalLag() <= 20, "lag " + d.totalLag());
            });
        assertEquals(List.of("billing"), join(skald.admin().listGroups()));
        assertInstanceOf(
            GroupActiveException.class, failureOf(skald.admin().deleteGroup("billing")));

        blocked.complete(null);
        Await.until(
            skald.system(),
            Duration.ofSeconds(15),
            () -> assertEquals(0, join(skald.admin().describeGroup("billing")).totalLag()));
        join(billing.stop());
        assertEquals(GroupState.EMPTY, join(skald.admin().describeGroup("billing")).state());
      }
      try (SkaldTestNode node = SkaldTestNode.start(dir, false, "")) {
        Skald skald = node.skald();
        // the catalogue and the offsets survive a restart
        assertEquals(List.of("billing"), join(skald.admin().listGroups()));
        GroupDescription restarted = join(skald.admin().describeGroup("billing"));
        assertEquals(GroupState.EMPTY, restarted.state());
        assertEquals(0, restarted.totalLag());

        join(skald.admin().deleteGroup("billing"));
        assertEquals(List.of(), join(skald.admin().listGroups()));
        assertTrue(join(skald.admin().committedOffsets("billing")).isEmpty());
        assertInstanceOf(
            UnknownGroupException.class, failureOf(skald.admin().describeGroup("billing")));
      }
      try (SkaldTestNode node = SkaldTestNode.start(dir, false, "")) {
        // the deletion is durable
        assertFalse(join(node.skald().admin().listGroups()).contains("billing"));
        assertTrue(join(node.skald().admin().committedOffsets("billing")).isEmpty());
      }
    } finally {
      SkaldTestNode.deleteRecursively(dir);
    }
  }

  @Test
  void unknownAndInvalidGroupsGetATypedError() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      assertInstanceOf(
          UnknownGroupException.class, failureOf(skald.admin().describeGroup("nobody")));
      assertInstanceOf(UnknownGroupException.class, failureOf(skald.admin().deleteGroup("nobody")));
      assertInstanceOf(
          IllegalArgumentException.class, failureOf(skald.admin().describeGroup("bad/name")));
      assertInstanceOf(
          IllegalArgumentException.class, failureOf(skald.admin().committedOffsets("")));
      assertEquals(List.of(), join(skald.admin().listGroups()));
    }
  }
}
