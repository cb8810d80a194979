package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.TopicSpec;
import io.skald.framework.producer.BackpressureException;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.RecordMetadata;
import io.skald.testkit.SkaldTestNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class ProducerBackpressureTest {
  private static final String SMALL_BUFFER =
      "skald.framework.producer.max-buffered-bytes = 4096\n"
          + "skald.framework.producer.batch-max-bytes = 1024\n";

  private static long logEnd(Skald skald) {
    return skald
        .admin()
        .partitionOffsets(new TopicPartition("burst", 0))
        .toCompletableFuture()
        .join()
        .logEndOffset();
  }

  @Test
  void aFullBufferFailsFastWithATypedErrorAndKeepsWhatItAccepted() {
    try (SkaldTestNode node =
        SkaldTestNode.start(
            SkaldTestNode.newDataDir(),
            false,
            SMALL_BUFFER + "skald.framework.producer.when-full = fail")) {
      Skald skald = node.skald();
      skald.admin().createTopic(TopicSpec.of("burst", 1)).toCompletableFuture().join();
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
      for (int i = 0; i < 20_000; i++) {
        sends.add(producer.send("burst", "k", "x".repeat(100)).toCompletableFuture());
      }
      int accepted = 0;
      int rejected = 0;
      for (CompletableFuture<RecordMetadata> send : sends) {
        try {
          send.join();
          accepted++;
        } catch (CompletionException e) {
          assertEquals(
              BackpressureException.Limit.PRODUCER_BUFFER,
              assertInstanceOf(BackpressureException.class, e.getCause()).limit());
          rejected++;
        }
      }
      assertTrue(rejected > 0, "the buffer filled up");
      assertTrue(accepted > 0);
      assertEquals(accepted, logEnd(skald), "every accepted record is written");
      node.deleteDataDir();
    }
  }

  @Test
  void aBlockingProducerWaitsForRoomAndLosesNothing() {
    try (SkaldTestNode node =
        SkaldTestNode.start(
            SkaldTestNode.newDataDir(),
            false,
            SMALL_BUFFER + "skald.framework.producer.when-full = block")) {
      Skald skald = node.skald();
      skald.admin().createTopic(TopicSpec.of("burst", 1)).toCompletableFuture().join();
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
      for (int i = 0; i < 5_000; i++) {
        sends.add(producer.send("burst", "k", "x".repeat(100)).toCompletableFuture());
      }
      CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
      assertEquals(5_000, logEnd(skald));
      node.deleteDataDir();
    }
  }
}
