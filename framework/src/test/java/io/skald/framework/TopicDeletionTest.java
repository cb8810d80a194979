package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.InvalidTopicException;
import io.skald.framework.admin.PartitionOffsets;
import io.skald.framework.admin.TopicSpec;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.Test;

/** Deleting a topic: its data leaves the journal, its producers and consumers get a typed error. */
class TopicDeletionTest {

  private static <T> T join(CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }

  private static Throwable failureOf(CompletionStage<?> stage) {
    return assertThrows(CompletionException.class, () -> join(stage)).getCause();
  }

  private static List<EventEnvelope> journal(Skald skald, String topic, int partition) {
    return join(
        PersistenceQuery.get(Adapter.toClassic(skald.system()))
            .getReadJournalFor(
                CurrentEventsByPersistenceIdQuery.class,
                "skald.framework.persistence.leveldb-query")
            .currentEventsByPersistenceId(
                "skald-partition|" + topic + "~" + partition, 0, Long.MAX_VALUE)
            .runWith(Sink.seq(), skald.system()));
  }

  @Test
  void aDeletedTopicsDataIsGoneAndItsClientsGetATypedError() throws Exception {
    Path dir = SkaldTestNode.newDataDir();
    try {
      try (SkaldTestNode node = SkaldTestNode.start(dir, false, "")) {
        Skald skald = node.skald();
        join(skald.admin().createTopic(TopicSpec.of("doomed", 2)));
        Producer<String, String> producer =
            skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
        for (int i = 0; i < 20; i++) {
          join(producer.send("doomed", "k" + i, "v" + i));
        }
        AtomicInteger read = new AtomicInteger();
        Subscription reader =
            skald.subscribe(
                SubscriptionSpec.of("reader", Codecs.string(), Codecs.string())
                    .withTopics("doomed"),
                r -> {
                  read.incrementAndGet();
                  return CompletableFuture.completedFuture(null);
                });
        Await.until(skald.system(), Duration.ofSeconds(15), () -> assertEquals(20, read.get()));
        assertTrue(journal(skald, "doomed", 0).size() + journal(skald, "doomed", 1).size() > 0);

        join(skald.admin().deleteTopic("doomed"));

        // the data is gone from the journal
        assertEquals(List.of(), journal(skald, "doomed", 0));
        assertEquals(List.of(), journal(skald, "doomed", 1));
        assertTrue(join(skald.admin().describeTopic("doomed")).isEmpty());
        assertTrue(
            join(skald.admin().listTopics()).stream().noneMatch(t -> t.name().equals("doomed")));
        // the producer and the subscription get a typed error, not a hang
        assertInstanceOf(
            UnknownTopicException.class, failureOf(producer.send("doomed", "k", "late")));
        CompletionException stopped =
            assertThrows(
                CompletionException.class,
                () ->
                    reader
                        .whenTerminated()
                        .toCompletableFuture()
                        .orTimeout(15, TimeUnit.SECONDS)
                        .join());
        assertInstanceOf(UnknownTopicException.class, stopped.getCause(), stopped.toString());

        // the name can be used again: a new topic, from offset 0
        join(skald.admin().createTopic(TopicSpec.of("doomed", 1)));
        assertEquals(
            new PartitionOffsets(0, 0),
            join(skald.admin().partitionOffsets(new TopicPartition("doomed", 0))).bounds());
        assertEquals(0, join(producer.send("doomed", "k", "reborn")).offset());
      }
      try (SkaldTestNode node = SkaldTestNode.start(dir, false, "")) {
        // the deletion and the new topic survive a restart
        Skald skald = node.skald();
        assertEquals(1, join(skald.admin().describeTopic("doomed")).get().partitions());
        assertEquals(
            new PartitionOffsets(0, 1),
            join(skald.admin().partitionOffsets(new TopicPartition("doomed", 0))).bounds());
        assertEquals(List.of(), journal(skald, "doomed", 1));
      }
    } finally {
      SkaldTestNode.deleteRecursively(dir);
    }
  }

  @Test
  void deletingAnUnknownOrInvalidTopicIsATypedError() {
    try (SkaldTestNode node = SkaldTestNode.start()) {
      Skald skald = node.skald();
      assertInstanceOf(
          UnknownTopicException.class, failureOf(skald.admin().deleteTopic("nowhere")));
      assertInstanceOf(
          InvalidTopicException.class, failureOf(skald.admin().deleteTopic("no/where")));
      join(skald.admin().createTopic(TopicSpec.of("once", 1)));
      join(skald.admin().deleteTopic("once"));
      assertInstanceOf(UnknownTopicException.class, failureOf(skald.admin().deleteTopic("once")));
    }
  }
}
