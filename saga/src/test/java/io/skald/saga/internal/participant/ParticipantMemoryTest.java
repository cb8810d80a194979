package io.skald.saga.internal.participant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skald.framework.Codecs;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.saga.Endpoint;
import io.skald.saga.Sagas;
import io.skald.saga.internal.SagaHeaders;
import io.skald.saga.internal.SagaTopics;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, behaviours 2 and 3 on the participant's side, with the real participant helper, its
 * ledger and a real journal: commands are written to the participant's topic as an orchestrator
 * writes them (resends included), and its replies are read from the reply topic.
 */
class ParticipantMemoryTest {
  record Reserve(String orderId) {}

  record Release(String orderId) {}

  record Reserved(String orderId) {}

  record OutOfStock(String orderId) {}

  static final Endpoint<Reserve> RESERVE =
      Endpoint.of("memory.reserve", "memory-inventory", Reserve.class)
          .replies(Reserved.class)
          .failures(OutOfStock.class);
  static final Endpoint<Release> RELEASE =
      Endpoint.of("memory.release", "memory-inventory", Release.class);

  private static final String REPLIES = "memory.replies";

  /** The participant under test, with counted executions and the replies it sent. */
  private static final class Inventory implements AutoCloseable {
    final SkaldTestNode node;
    final Producer<String, byte[]> producer;
    final Map<String, AtomicInteger> executions = new ConcurrentHashMap<>();
    final List<String> replies = new CopyOnWriteArrayList<>();
    final AtomicBoolean inStock;

    Inventory(Path dataDir, String config, AtomicBoolean inStock) {
      this.inStock = inStock;
      node = SkaldTestNode.start(dataDir, false, config);
      Sagas sagas = Sagas.create(node.skald());
      SagaTopics.ensure(node.skald().admin(), List.of(REPLIES), 2, Duration.ofSeconds(10), null);
      sagas
          .participant("inventory")
          .on(
              RESERVE,
              (cmd, ctx) -> {
                count("reserve/" + ctx.attempt());
                return CompletableFuture.completedFuture(
                    inStock.get() ? new Reserved(cmd.orderId()) : new OutOfStock(cmd.orderId()));
              })
          .on(
              RELEASE,
              (cmd, ctx) -> {
                count("release");
                return CompletableFuture.completedFuture(null);
              })
          .start();
      node.skald()
          .subscribe(
              SubscriptionSpec.of("memory-test", Codecs.string(), Codecs.bytes())
                  .withTopics(REPLIES),
              record -> {
                Map<String, String> h = record.headers();
                String type = h.get(SagaHeaders.TYPE);
                replies.add(
                    h.get(SagaHeaders.STEP)
                        + "/"
                        + h.get(SagaHeaders.DIRECTION)
                        + "/"
                        + h.get(SagaHeaders.ATTEMPT)
                        + ":"
                        + type.substring(type.lastIndexOf('$') + 1));
                return CompletableFuture.completedFuture(null);
              });
      producer = node.skald().producer(ProducerSettings.of(Codecs.string(), Codecs.bytes()));
    }

    private void count(String what) {
      executions.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
    }

    int executed(String what) {
      AtomicInteger n = executions.get(what);
      return n == null ? 0 : n.get();
    }

    /** Writes a command as the orchestrator of saga "orders" instance {@code id} does. */
    void command(String id, String step, boolean undo, int attempt) {
      Endpoint<?> endpoint = undo ? RELEASE : RESERVE;
      Object command = undo ? new Release(id) : new Reserve(id);
      Map<String, String> headers = new HashMap<>();
      headers.put(SagaHeaders.SAGA, "orders");
      headers.put(SagaHeaders.ID, id);
      headers.put(SagaHeaders.STEP, step);
      headers.put(SagaHeaders.DIRECTION, undo ? SagaHeaders.UNDO : SagaHeaders.DO);
      headers.put(SagaHeaders.KEY, SagaHeaders.key("orders", id, step, undo));
      headers.put(SagaHeaders.ATTEMPT, Integer.toString(attempt));
      headers.put(SagaHeaders.TYPE, endpoint.commandType().getName());
      headers.put(SagaHeaders.REPLY_TO, REPLIES);
      producer
          .send(endpoint.topic(), id, new io.skald.saga.internal.SagaJson().bytes(command), headers)
          .toCompletableFuture()
          .join();
    }

    /** Writes an instance's end marker, as its orchestrator does when it ends. */
    void ended(String id) {
      for (Endpoint<?> endpoint : List.of(RESERVE, RELEASE)) {
        producer
            .send(
                endpoint.topic(),
                id,
                new byte[0],
                Map.of(
                    SagaHeaders.SAGA,
                    "orders",
                    SagaHeaders.ID,
                    id,
                    SagaHeaders.DIRECTION,
                    SagaHeaders.END,
                    SagaHeaders.TYPE,
                    SagaHeaders.END))
            .toCompletableFuture()
            .join();
      }
    }

    void awaitReplies(int count) {
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(20),
          () -> assertEquals(count, replies.size(), replies.toString()));
    }

    @Override
    public void close() {
      producer.close();
      node.close();
    }
  }

  @Test
  void aRefusalIsRememberedPerAttemptSoAResendCannotTurnItIntoASuccess() {
    AtomicBoolean inStock = new AtomicBoolean(false);
    Path dir = SkaldTestNode.newDataDir();
    try (Inventory inventory = new Inventory(dir, "", inStock)) {
      inventory.command("o1", "reserve", false, 1);
      inventory.awaitReplies(1);
      // another order's release frees stock; the orchestrator crashed before it handled the
      // refusal and resends attempt 1: before the fix the handler ran again and reserved, while
      // the orchestrator went on to handle the first reply (a refusal) and compensated without it
      inStock.set(true);
      inventory.command("o1", "reserve", false, 1);
      inventory.awaitReplies(2);
      assertEquals(1, inventory.executed("reserve/1"), "the resend was answered from memory");
      assertEquals(
          List.of("reserve/do/1:OutOfStock", "reserve/do/1:OutOfStock"), inventory.replies);
      // a retry (a new attempt) runs again
      inventory.command("o1", "reserve", false, 2);
      inventory.awaitReplies(3);
      assertEquals(1, inventory.executed("reserve/2"));
      assertEquals("reserve/do/2:Reserved", inventory.replies.get(2));
    } finally {
      SkaldTestNode.deleteRecursively(dir);
    }
  }

  @Test
  void aCompensationAlwaysRunsItsHandlerAndTheLateCommandIsDropped() {
    Path dir = SkaldTestNode.newDataDir();
    try (Inventory inventory = new Inventory(dir, "", new AtomicBoolean(true))) {
      // the forward command's effect may be in place though the ledger has no record of it (its
      // handler applied it, then failed, and the record was dead-lettered): before the fix the
      // compensation was acknowledged without running its handler
      inventory.command("o2", "reserve", true, 1);
      inventory.awaitReplies(1);
      assertEquals(1, inventory.executed("release"));
      // the forward command that the compensation overtook is dropped, without a reply; a later
      // command of the same instance (same partition, so handled after it) shows it was handled
      inventory.command("o2", "reserve", false, 1);
      inventory.command("o2", "other-step", true, 1);
      inventory.awaitReplies(2);
      assertEquals(0, inventory.executed("reserve/1"));
      assertEquals(List.of("reserve/undo/1:ack", "other-step/undo/1:ack"), inventory.replies);
    } finally {
      SkaldTestNode.deleteRecursively(dir);
    }
  }

  @Test
  void anInstancesKeysLiveUntilItEndsPlusTheGracePeriod() {
    Path dir = SkaldTestNode.newDataDir();
    try (Inventory inventory =
        new Inventory(dir, "skald.saga.participant.ledger-grace = 0s", new AtomicBoolean(true))) {
      inventory.command("o3", "reserve", false, 1);
      inventory.command("o3", "reserve", false, 1); // a duplicate while the saga runs
      inventory.awaitReplies(2);
      assertEquals(1, inventory.executed("reserve/1"));
      // the saga ended: with no grace period its keys are forgotten at once, so a command of the
      // ended instance that comes back runs again (with the default grace it is answered)
      inventory.ended("o3");
      inventory.command("o3", "reserve", false, 1);
      inventory.awaitReplies(3);
      assertEquals(2, inventory.executed("reserve/1"));
    } finally {
      SkaldTestNode.deleteRecursively(dir);
    }
  }

  @Test
  void changingTheNumberOfLedgerBucketsLosesNothing() {
    Path dir = SkaldTestNode.newDataDir();
    try {
      try (Inventory before =
          new Inventory(
              dir, "skald.saga.participant.ledger-buckets = 2", new AtomicBoolean(true))) {
        for (int i = 0; i < 8; i++) {
          before.command("b" + i, "reserve", false, 1);
        }
        before.awaitReplies(8);
      }
      try (Inventory after =
          new Inventory(
              dir, "skald.saga.participant.ledger-buckets = 7", new AtomicBoolean(true))) {
        for (int i = 0; i < 8; i++) {
          after.command("b" + i, "reserve", false, 1); // resends after the restart
        }
        after.awaitReplies(8);
        // before the fix, the instances moved to other buckets and ran again
        assertEquals(0, after.executed("reserve/1"), "every resend was answered from memory");
      }
    } finally {
      SkaldTestNode.deleteRecursively(dir);
    }
  }
}
