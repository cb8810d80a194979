package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.internal.log.PartitionEntity;
import io.skald.framework.internal.log.PartitionProtocol;
import io.skald.framework.internal.log.RecordFormat;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.RecordMetadata;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.junit.jupiter.api.Test;

class IdempotentProducerTest {

  private static PartitionProtocol.Append append(
      String producerId,
      long firstSequence,
      TestProbe<PartitionProtocol.AppendResult> probe,
      String... values) {
    RecordFormat.Writer writer = new RecordFormat.Writer(64);
    for (String v : values) {
      writer.writeRecord(null, v.getBytes(StandardCharsets.UTF_8), Map.of());
    }
    return new PartitionProtocol.Append(
        values.length, writer.toByteArray(), producerId, firstSequence, probe.getRef());
  }

  private static EntityRef<PartitionProtocol.Command> partition(Skald skald) {
    return ClusterSharding.get(skald.system())
        .entityRefFor(
            PartitionEntity.ENTITY_TYPE_KEY,
            PartitionEntity.entityId(new TopicPartition("payments", 0)));
  }

  private static long logEnd(Skald skald) {
    return skald
        .admin()
        .partitionOffsets(new TopicPartition("payments", 0))
        .toCompletableFuture()
        .join()
        .logEndOffset();
  }

  @Test
  void aRetriedAppendIsWrittenOnceAlsoAfterARestart() {
    Path dataDir = SkaldTestNode.newDataDir();
    try {
      try (SkaldTestNode node = SkaldTestNode.start(dataDir, true, "")) {
        Skald skald = node.skald();
        skald.admin().createTopic(TopicSpec.of("payments", 1)).toCompletableFuture().join();
        TestProbe<PartitionProtocol.AppendResult> probe = TestProbe.create(skald.system());

        // given a batch appended by producer p-1 with sequence numbers 0..2
        partition(skald).tell(append("p-1", 0, probe, "a", "b", "c"));
        PartitionProtocol.Appended first =
            probe.expectMessageClass(PartitionProtocol.Appended.class);
        assertFalse(first.duplicate());

        // when the same batch is sent again (the producer timed out waiting for the answer)
        partition(skald).tell(append("p-1", 0, probe, "a", "b", "c"));

        // then it is acknowledged with the original offset and not written again
        PartitionProtocol.Appended retry =
            probe.expectMessageClass(PartitionProtocol.Appended.class);
        assertTrue(retry.duplicate());
        assertEquals(first.baseOffset(), retry.baseOffset());
        assertEquals(3, logEnd(skald));

        // and the next sequence numbers are written, while another producer is independent
        partition(skald).tell(append("p-1", 3, probe, "d"));
        assertFalse(probe.expectMessageClass(PartitionProtocol.Appended.class).duplicate());
        partition(skald).tell(append("p-2", 0, probe, "x"));
        assertFalse(probe.expectMessageClass(PartitionProtocol.Appended.class).duplicate());
        assertEquals(5, logEnd(skald));
      }

      // after a restart the deduplication state is still there
      try (SkaldTestNode node = SkaldTestNode.start(dataDir, true, "")) {
        Skald skald = node.skald();
        TestProbe<PartitionProtocol.AppendResult> probe = TestProbe.create(skald.system());
        partition(skald).tell(append("p-1", 3, probe, "d"));
        PartitionProtocol.Appended again =
            probe.expectMessageClass(PartitionProtocol.Appended.class);
        assertTrue(again.duplicate());
        assertEquals(3, again.baseOffset());
        partition(skald).tell(append("p-1", 0, probe, "a", "b", "c"));
        assertTrue(probe.expectMessageClass(PartitionProtocol.Appended.class).duplicate());
        assertEquals(5, logEnd(skald));
      }
    } finally {
      SkaldTestNode.deleteRecursively(dataDir);
    }
  }

  /**
   * Issue 15, point 3: a resend of an append that is not the producer's last one written, or of one
   * still being written, is answered with its real offset (before: -1, on a durable ack).
   */
  @Test
  void aDeduplicatedResendIsAnsweredWithItsOriginalOffset() {
    Path dataDir = SkaldTestNode.newDataDir();
    try (SkaldTestNode node = SkaldTestNode.start(dataDir, false, "")) {
      Skald skald = node.skald();
      skald.admin().createTopic(TopicSpec.of("payments", 1)).toCompletableFuture().join();
      TestProbe<PartitionProtocol.AppendResult> probe = TestProbe.create(skald.system());
      partition(skald).tell(append("p-3", 0, probe, "a", "b"));
      partition(skald).tell(append("p-3", 2, probe, "c"));
      partition(skald).tell(append("p-3", 3, probe, "d", "e"));
      for (int i = 0; i < 3; i++) {
        assertFalse(probe.expectMessageClass(PartitionProtocol.Appended.class).duplicate());
      }
      // resends of the first and the second append, which are not the last one written
      partition(skald).tell(append("p-3", 0, probe, "a", "b"));
      PartitionProtocol.Appended first = probe.expectMessageClass(PartitionProtocol.Appended.class);
      assertTrue(first.duplicate());
      assertEquals(0, first.baseOffset());
      partition(skald).tell(append("p-3", 2, probe, "c"));
      PartitionProtocol.Appended second =
          probe.expectMessageClass(PartitionProtocol.Appended.class);
      assertTrue(second.duplicate());
      assertEquals(2, second.baseOffset());
      assertTrue(second.timestamp() > 0);
      // an append and its resend before the first is durable: both answered with its offset
      partition(skald).tell(append("p-3", 5, probe, "f"));
      partition(skald).tell(append("p-3", 5, probe, "f"));
      PartitionProtocol.Appended written =
          probe.expectMessageClass(PartitionProtocol.Appended.class);
      PartitionProtocol.Appended resent =
          probe.expectMessageClass(PartitionProtocol.Appended.class);
      assertEquals(5, written.baseOffset(), written.toString());
      assertEquals(5, resent.baseOffset(), resent.toString());
      assertTrue(written.duplicate() != resent.duplicate());
      assertEquals(6, logEnd(skald));
      // older than the latest 64 appends the partition remembers: a distinct, documented answer
      for (int i = 0; i < 64; i++) {
        partition(skald).tell(append("p-3", 6 + i, probe, "g" + i));
        probe.expectMessageClass(PartitionProtocol.Appended.class);
      }
      partition(skald).tell(append("p-3", 0, probe, "a", "b"));
      PartitionProtocol.Appended old = probe.expectMessageClass(PartitionProtocol.Appended.class);
      assertTrue(old.duplicate());
      assertEquals(PartitionProtocol.Appended.OFFSET_UNKNOWN, old.baseOffset());
      assertEquals(70, logEnd(skald));
    } finally {
      SkaldTestNode.deleteRecursively(dataDir);
    }
  }

  @Test
  void producerStateSurvivesSnapshotsToo() {
    Path dataDir = SkaldTestNode.newDataDir();
    String config = "skald.framework.partition.snapshot-every = 2";
    try {
      try (SkaldTestNode node = SkaldTestNode.start(dataDir, false, config)) {
        Skald skald = node.skald();
        skald.admin().createTopic(TopicSpec.of("payments", 1)).toCompletableFuture().join();
        TestProbe<PartitionProtocol.AppendResult> probe = TestProbe.create(skald.system());
        for (int i = 0; i < 5; i++) {
          partition(skald).tell(append("p-9", i, probe, "v" + i));
          probe.expectMessageClass(PartitionProtocol.Appended.class);
        }
      }
      try (SkaldTestNode node = SkaldTestNode.start(dataDir, false, config)) {
        TestProbe<PartitionProtocol.AppendResult> probe = TestProbe.create(node.skald().system());
        partition(node.skald()).tell(append("p-9", 2, probe, "v2"));
        assertTrue(probe.expectMessageClass(PartitionProtocol.Appended.class).duplicate());
        assertEquals(5, logEnd(node.skald()));
      }
    } finally {
      SkaldTestNode.deleteRecursively(dataDir);
    }
  }

  @Test
  void anIdempotentProducerThatTimesOutRetriesWithoutDuplicates() {
    // given request timeouts so short that appends routinely time out while their write succeeds
    try (SkaldTestNode node =
        SkaldTestNode.start(
            SkaldTestNode.newDataDir(), true, "skald.framework.producer.request-timeout = 1ms")) {
      Skald skald = node.skald();
      skald.admin().createTopic(TopicSpec.of("payments", 1)).toCompletableFuture().join();
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()).withIdempotence());

      // when records are sent
      List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        sends.add(producer.send("payments", "k", "v" + i).toCompletableFuture());
      }
      CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();

      // then each is in the log exactly once, in order
      assertEquals(200, logEnd(skald));
      List<String> values = new ArrayList<>();
      skald.subscribe(
          SubscriptionSpec.of("check", Codecs.string(), Codecs.string()).withTopics("payments"),
          record -> {
            values.add(record.value());
            return CompletableFuture.completedFuture(null);
          });
      Await.until(skald.system(), Duration.ofSeconds(10), () -> assertEquals(200, values.size()));
      for (int i = 0; i < 200; i++) {
        assertEquals("v" + i, values.get(i));
      }
      node.deleteDataDir();
    }
  }

  private static PartitionProtocol.Append inOrder(
      String producerId,
      long firstSequence,
      TestProbe<PartitionProtocol.AppendResult> probe,
      String... values) {
    PartitionProtocol.Append a = append(producerId, firstSequence, probe, values);
    return new PartitionProtocol.Append(
        a.count(), a.payload(), producerId, firstSequence, probe.getRef(), null, true, true);
  }

  private static PartitionProtocol.AppendFailed.Refusal refusal(
      TestProbe<PartitionProtocol.AppendResult> probe) {
    return probe.expectMessageClass(PartitionProtocol.AppendFailed.class).refusal();
  }

  @Test
  void aPipelinedAppendThatSkipsASequenceIsRefusedNotWritten() {
    Path dataDir = SkaldTestNode.newDataDir();
    try (SkaldTestNode node = SkaldTestNode.start(dataDir, false, "")) {
      Skald skald = node.skald();
      skald.admin().createTopic(TopicSpec.of("payments", 1)).toCompletableFuture().join();
      TestProbe<PartitionProtocol.AppendResult> probe = TestProbe.create(skald.system());
      // a producer the partition does not know must start at 0: its first append was lost
      partition(skald).tell(inOrder("p-7", 2, probe, "c"));
      assertEquals(PartitionProtocol.AppendFailed.Refusal.UNKNOWN_PRODUCER, refusal(probe));
      partition(skald).tell(inOrder("p-7", 0, probe, "a", "b"));
      assertEquals(0, probe.expectMessageClass(PartitionProtocol.Appended.class).baseOffset());
      // 2 is next; 3 overtook it and is refused, so the resend of 2 then 3 keeps the order
      partition(skald).tell(inOrder("p-7", 3, probe, "d"));
      assertEquals(PartitionProtocol.AppendFailed.Refusal.OUT_OF_ORDER_SEQUENCE, refusal(probe));
      partition(skald).tell(inOrder("p-7", 2, probe, "c"));
      partition(skald).tell(inOrder("p-7", 3, probe, "d"));
      assertEquals(2, probe.expectMessageClass(PartitionProtocol.Appended.class).baseOffset());
      assertEquals(3, probe.expectMessageClass(PartitionProtocol.Appended.class).baseOffset());
      // a duplicate is still a duplicate, answered with its offset, also while both are pending
      partition(skald).tell(inOrder("p-7", 0, probe, "a", "b"));
      PartitionProtocol.Appended dup = probe.expectMessageClass(PartitionProtocol.Appended.class);
      assertTrue(dup.duplicate());
      assertEquals(0, dup.baseOffset());
      assertEquals(4, logEnd(skald));
      // appends that number across partitions (not in order) may skip sequences, as before
      partition(skald).tell(append("delay:x", 5, probe, "e"));
      assertFalse(probe.expectMessageClass(PartitionProtocol.Appended.class).duplicate());
      partition(skald).tell(append("delay:x", 9, probe, "f"));
      assertFalse(probe.expectMessageClass(PartitionProtocol.Appended.class).duplicate());
      assertEquals(6, logEnd(skald));
    } finally {
      SkaldTestNode.deleteRecursively(dataDir);
    }
  }

  @Test
  void aNewerEpochFencesTheOlderOneAlsoAfterARestart() {
    Path dataDir = SkaldTestNode.newDataDir();
    try {
      try (SkaldTestNode node = SkaldTestNode.start(dataDir, false, "")) {
        Skald skald = node.skald();
        skald.admin().createTopic(TopicSpec.of("payments", 1)).toCompletableFuture().join();
        TestProbe<PartitionProtocol.AppendResult> probe = TestProbe.create(skald.system());
        partition(skald).tell(inOrder("p-9", 0, probe, "a", "b"));
        assertEquals(0, probe.expectMessageClass(PartitionProtocol.Appended.class).baseOffset());
        // the producer gave up on its next append (delivery timeout) and moved to epoch 1
        partition(skald).tell(inOrder("p-9#1", 0, probe, "c"));
        assertEquals(2, probe.expectMessageClass(PartitionProtocol.Appended.class).baseOffset());
        // a late copy of the abandoned append must not land after the new epoch's records
        partition(skald).tell(inOrder("p-9", 2, probe, "late"));
        assertEquals(PartitionProtocol.AppendFailed.Refusal.PRODUCER_FENCED, refusal(probe));
        // while the new epoch goes on, also while its appends are pending
        partition(skald).tell(inOrder("p-9#1", 1, probe, "d"));
        partition(skald).tell(inOrder("p-9#2", 0, probe, "e"));
        partition(skald).tell(inOrder("p-9#1", 2, probe, "late too"));
        // (refusals are answered at once, writes once durable: in any order)
        List<PartitionProtocol.AppendResult> answers =
            probe.receiveSeveralMessages(3, Duration.ofSeconds(5));
        assertEquals(
            List.of("3", "4", "PRODUCER_FENCED"),
            answers.stream()
                .map(
                    a ->
                        a instanceof PartitionProtocol.Appended ok
                            ? Long.toString(ok.baseOffset())
                            : ((PartitionProtocol.AppendFailed) a).refusal().name())
                .sorted()
                .toList());
        assertEquals(5, logEnd(skald));
      }
      // the epochs are part of the partition's persisted producer state
      try (SkaldTestNode node = SkaldTestNode.start(dataDir, false, "")) {
        Skald skald = node.skald();
        TestProbe<PartitionProtocol.AppendResult> probe = TestProbe.create(skald.system());
        partition(skald).tell(inOrder("p-9#1", 2, probe, "late"));
        assertEquals(PartitionProtocol.AppendFailed.Refusal.PRODUCER_FENCED, refusal(probe));
        partition(skald).tell(inOrder("p-9#2", 0, probe, "e"));
        PartitionProtocol.Appended dup = probe.expectMessageClass(PartitionProtocol.Appended.class);
        assertTrue(dup.duplicate());
        assertEquals(4, dup.baseOffset());
        partition(skald).tell(inOrder("p-9#2", 1, probe, "f"));
        assertEquals(5, probe.expectMessageClass(PartitionProtocol.Appended.class).baseOffset());
        // other producers are not affected, nor writers that number across partitions
        partition(skald).tell(inOrder("q-1", 0, probe, "g"));
        assertEquals(6, probe.expectMessageClass(PartitionProtocol.Appended.class).baseOffset());
        assertEquals(7, logEnd(skald));
      }
    } finally {
      SkaldTestNode.deleteRecursively(dataDir);
    }
  }
}
