package io.skald.saga.internal.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.skald.framework.Codecs;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.saga.SagaDefinition;
import io.skald.saga.Sagas;
import io.skald.saga.TestShopAccess;
import io.skald.saga.internal.SagaHeaders;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.sharding.ShardRegion.CurrentShardRegionState;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, behaviour 9 (stray replies): a reply for a saga id that never started must not leave a
 * remembered instance behind (instances are remembered entities: one that never passivates is
 * restarted after every rebalance, forever).
 */
class StrayReplyTest {

  @Test
  void aReplyForAnUnknownSagaLeavesNoInstanceBehind() {
    SkaldTestNode node = SkaldTestNode.start();
    try {
      SagaDefinition<?> definition = TestShopAccess.threeSteps("stray");
      Sagas.create(node.skald()).orchestrator(definition);
      Producer<String, byte[]> producer =
          node.skald().producer(ProducerSettings.of(Codecs.string(), Codecs.bytes()));
      producer
          .send(
              definition.replyTopic(),
              "nobody",
              "{}".getBytes(StandardCharsets.UTF_8),
              Map.of(
                  SagaHeaders.SAGA, definition.name(),
                  SagaHeaders.ID, "nobody",
                  SagaHeaders.STEP, "reserve-stock",
                  SagaHeaders.DIRECTION, SagaHeaders.DO,
                  SagaHeaders.TYPE, "ack"))
          .toCompletableFuture()
          .join();
      // the reply was handled (and refused: no such saga) ...
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(20),
          () ->
              assertEquals(
                  1L,
                  node
                      .skald()
                      .admin()
                      .committedOffsets("skald-saga." + definition.name())
                      .toCompletableFuture()
                      .join()
                      .entrySet()
                      .stream()
                      .filter(e -> e.getKey().topic().equals(definition.replyTopic()))
                      .mapToLong(Map.Entry::getValue)
                      .sum()));
      // ... and the instance it woke passivated (before: it stayed, remembered)
      TestProbe<CurrentShardRegionState> probe = TestProbe.create(node.skald().system());
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(20),
          () -> {
            ClusterSharding.get(node.skald().system())
                .shardState()
                .tell(
                    new GetShardRegionState(
                        SagaInstance.typeKey(definition.name()), probe.getRef()));
            CurrentShardRegionState state = probe.receiveMessage(Duration.ofSeconds(5));
            state
                .getShards()
                .forEach(
                    shard ->
                        assertFalse(shard.getEntityIds().contains("nobody"), shard.toString()));
          });
      producer.close();
    } finally {
      node.close();
      node.deleteDataDir();
    }
  }
}
