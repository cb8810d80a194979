package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.consumer.DeliveryMode;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.RecordMetadata;
import io.skald.framework.transaction.ProducerFencedException;
import io.skald.framework.transaction.TransactionAbortedException;
import io.skald.framework.transaction.TransactionStateException;
import io.skald.framework.transaction.TransactionTooLargeException;
import io.skald.framework.transaction.TransactionalProducer;
import io.skald.framework.transaction.TransactionalSettings;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TransactionTest {
  private static SkaldTestNode node;
  private static Skald skald;

  @BeforeAll
  static void start() {
    node = SkaldTestNode.start();
    skald = node.skald();
  }

  @AfterAll
  static void stop() {
    node.close();
    node.deleteDataDir();
  }

  private static TransactionalProducer<String, String> producer(String id) {
    return skald.transactionalProducer(
        TransactionalSettings.of(id, Codecs.string(), Codecs.string()));
  }

  private static long logEnd(String topic, int partition) {
    return skald
        .admin()
        .partitionOffsets(new TopicPartition(topic, partition))
        .toCompletableFuture()
        .join()
        .logEndOffset();
  }

  private static Throwable failure(java.util.concurrent.CompletionStage<?> stage) {
    CompletionException e =
        assertThrows(CompletionException.class, () -> stage.toCompletableFuture().join());
    return e.getCause();
  }

  @Test
  void aCommittedTransactionWritesAllItsRecordsAndAnAbortedOneNothing() {
    skald.admin().createTopic(TopicSpec.of("tx-a", 2)).toCompletableFuture().join();
    skald.admin().createTopic(TopicSpec.of("tx-b", 1)).toCompletableFuture().join();
    TransactionalProducer<String, String> producer = producer("tx-basic");

    // given a transaction over two topics, then an aborted one
    producer.begin();
    List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      sends.add(producer.send("tx-a", "k" + i, "a" + i).toCompletableFuture());
    }
    sends.add(producer.send("tx-b", "k", "b").toCompletableFuture());
    producer.commit().toCompletableFuture().join();
    producer.begin();
    CompletableFuture<RecordMetadata> dropped =
        producer.send("tx-b", "k", "never").toCompletableFuture();
    producer.abort().toCompletableFuture().join();

    // then every committed record has its offset, and the aborted one is not in the log
    long inA = 0;
    for (CompletableFuture<RecordMetadata> send : sends) {
      RecordMetadata meta = send.join();
      assertTrue(meta.offset() >= 0, "offset of " + meta);
      if (meta.topic().equals("tx-a")) {
        inA++;
      }
    }
    assertEquals(10, inA);
    assertEquals(10, logEnd("tx-a", 0) + logEnd("tx-a", 1));
    assertEquals(1, logEnd("tx-b", 0));
    assertInstanceOf(TransactionAbortedException.class, failure(dropped));
    producer.close();
  }

  @Test
  void aNewInstanceFencesTheOldOneAndAbortsWhatItLeftOpen() {
    skald.admin().createTopic(TopicSpec.of("tx-fence", 1)).toCompletableFuture().join();
    TransactionalProducer<String, String> zombie = producer("tx-fence-id");
    zombie.begin();
    CompletableFuture<RecordMetadata> lost =
        zombie.send("tx-fence", "k", "from-zombie").toCompletableFuture();

    // when a new instance with the same id starts
    TransactionalProducer<String, String> fresh = producer("tx-fence-id");

    // then the old one can commit nothing, and its records never appear
    assertInstanceOf(ProducerFencedException.class, failure(zombie.commit()));
    assertTrue(failure(lost) instanceof ProducerFencedException);
    assertThrows(ProducerFencedException.class, zombie::begin);
    fresh.begin();
    fresh.send("tx-fence", "k", "from-fresh");
    fresh.commit().toCompletableFuture().join();
    assertEquals(1, logEnd("tx-fence", 0));
    fresh.close();
  }

  @Test
  void misuseIsATypedErrorAndAFailedSendAbortsTheWholeTransaction() {
    skald.admin().createTopic(TopicSpec.of("tx-bad", 1)).toCompletableFuture().join();
    TransactionalProducer<String, String> producer = producer("tx-bad-id");
    assertThrows(TransactionStateException.class, producer::commit);
    assertThrows(TransactionStateException.class, () -> producer.send("tx-bad", "k", "v"));
    assertThrows(
        IllegalArgumentException.class,
        () -> TransactionalSettings.of("bad id!", Codecs.string(), Codecs.string()));

    // given a transaction with one good record and one for an unknown topic
    producer.begin();
    assertThrows(TransactionStateException.class, producer::begin);
    CompletableFuture<RecordMetadata> good =
        producer.send("tx-bad", "k", "good").toCompletableFuture();
    CompletableFuture<RecordMetadata> bad =
        producer.send("no-such-topic", "k", "bad").toCompletableFuture();

    // then the commit aborts it: the good record is not written either
    Throwable commit = failure(producer.commit());
    assertInstanceOf(TransactionAbortedException.class, commit);
    assertInstanceOf(UnknownTopicException.class, commit.getCause());
    assertInstanceOf(UnknownTopicException.class, failure(bad));
    assertInstanceOf(TransactionAbortedException.class, failure(good));
    assertEquals(0, logEnd("tx-bad", 0));

    // and the producer runs the next transaction normally
    producer.begin();
    producer.send("tx-bad", "k", "next");
    producer.commit().toCompletableFuture().join();
    assertEquals(1, logEnd("tx-bad", 0));
    producer.close();
  }

  @Test
  void consumeTransformProduceCommitsOutputsAndInputPositionsTogether() {
    skald.admin().createTopic(TopicSpec.of("tx-in", 1)).toCompletableFuture().join();
    skald.admin().createTopic(TopicSpec.of("tx-out", 1)).toCompletableFuture().join();
    Producer<String, String> input =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    for (int i = 0; i < 20; i++) {
      input.send("tx-in", "k", "v" + i).toCompletableFuture().join();
    }
    TransactionalProducer<String, String> producer = producer("tx-copy-tx-in-0");
    Subscription[] self = new Subscription[1];
    CompletableFuture<Subscription> started = new CompletableFuture<>();
    List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    Subscription subscription =
        skald.subscribe(
            SubscriptionSpec.of("tx-copier", Codecs.string(), Codecs.string())
                .withTopics("tx-in")
                .withDeliveryMode(DeliveryMode.TRANSACTIONAL),
            record ->
                copy(record, producer, started)
                    .whenComplete(
                        (done, error) -> {
                          if (error != null) {
                            failures.add(record.offset() + ": " + error);
                          }
                        }));
    self[0] = subscription;
    started.complete(subscription);

    TestProbe<Object> probe = TestProbe.create(skald.system());
    probe.awaitAssert(
        Duration.ofSeconds(20),
        () -> {
          assertEquals(20, logEnd("tx-out", 0), () -> "handler failures: " + failures);
          assertEquals(
              20L,
              skald
                  .admin()
                  .committedOffsets("tx-copier")
                  .toCompletableFuture()
                  .join()
                  .get(new TopicPartition("tx-in", 0)));
          return null;
        });
    self[0].stop().toCompletableFuture().join();
    producer.close();
  }

  @Test
  void inTransactionAbortsWhenItsBodyFailsAndLeavesTheProducerReady() {
    skald.admin().createTopic(TopicSpec.of("tx-body", 1)).toCompletableFuture().join();
    TransactionalProducer<String, String> producer = producer("tx-body-id");

    // a body that throws after a send, and one whose stage fails: both abort, nothing is written
    Throwable thrown =
        failure(
            producer.inTransaction(
                () -> {
                  producer.send("tx-body", "k", "lost");
                  throw new IllegalStateException("boom");
                }));
    assertInstanceOf(IllegalStateException.class, thrown);
    Throwable failed =
        failure(
            producer.inTransaction(
                () -> {
                  producer.send("tx-body", "k", "lost too");
                  return CompletableFuture.failedFuture(new IllegalArgumentException("bad"));
                }));
    assertInstanceOf(IllegalArgumentException.class, failed);
    assertEquals(0, logEnd("tx-body", 0));

    // a sendOffsets refused for a partition not owned dooms its transaction: commit aborts it
    producer.begin();
    producer.send("tx-body", "k", "doomed");
    Subscription none =
        skald.subscribe(
            SubscriptionSpec.of("tx-body-group", Codecs.string(), Codecs.string())
                .withTopics("tx-body")
                .withDeliveryMode(DeliveryMode.TRANSACTIONAL),
            record -> CompletableFuture.completedFuture(null));
    assertThrows(
        io.skald.framework.transaction.NotPartitionOwnerException.class,
        () -> producer.sendOffsets(none, Map.of(new TopicPartition("tx-other", 0), 1L)));
    Throwable commit = failure(producer.commit());
    assertInstanceOf(TransactionAbortedException.class, commit);
    assertInstanceOf(
        io.skald.framework.transaction.NotPartitionOwnerException.class, commit.getCause());
    assertEquals(0, logEnd("tx-body", 0));

    // and the next one commits, with the body's result
    assertEquals(
        "ok",
        producer
            .inTransaction(
                () -> {
                  producer.send("tx-body", "k", "kept");
                  return CompletableFuture.completedFuture("ok");
                })
            .toCompletableFuture()
            .join());
    assertEquals(1, logEnd("tx-body", 0));
    none.stop().toCompletableFuture().join();
    producer.close();
  }

  private static CompletionStage<Void> copy(
      ConsumerRecord<String, String> record,
      TransactionalProducer<String, String> producer,
      CompletableFuture<Subscription> started) {
    return
    // #txn-in-transaction
    producer.inTransaction(
        () -> {
          producer.send("tx-out", record.key(), record.value().toUpperCase());
          producer.sendOffsets(
              started.join(), Map.of(record.topicPartition(), record.offset() + 1));
          return CompletableFuture.completedFuture(null);
        })
    // #txn-in-transaction
    ;
  }

  @Test
  void aTransactionOverMaxBytesIsRefusedAndWritesNothing() {
    try (SkaldTestNode small =
        SkaldTestNode.start(
            SkaldTestNode.newDataDir(), true, "skald.framework.transactions.max-bytes = 1048576")) {
      Skald node = small.skald();
      node.admin().createTopic(TopicSpec.of("tx-big", 2)).toCompletableFuture().join();
      TransactionalProducer<String, String> producer =
          node.transactionalProducer(
              TransactionalSettings.of("tx-big-id", Codecs.string(), Codecs.string()));
      String value = "x".repeat(300_000);

      // given a transaction whose fourth record takes it past 1 MiB
      producer.begin();
      List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        sends.add(producer.send("tx-big", "k" + i, value).toCompletableFuture());
      }

      // then that send fails with the typed error, and the commit aborts the whole transaction
      assertInstanceOf(TransactionTooLargeException.class, failure(sends.get(3)));
      Throwable commit = failure(producer.commit());
      assertInstanceOf(TransactionAbortedException.class, commit);
      assertInstanceOf(TransactionTooLargeException.class, commit.getCause());
      for (int i = 0; i < 3; i++) {
        assertInstanceOf(TransactionAbortedException.class, failure(sends.get(i)));
      }
      for (int p = 0; p < 2; p++) {
        assertEquals(
            0,
            node.admin()
                .partitionOffsets(new TopicPartition("tx-big", p))
                .toCompletableFuture()
                .join()
                .logEndOffset());
      }
      producer.close();
      small.deleteDataDir();
    }
  }

  @Test
  void offsetsOfAGroupThatTheProducerDoesNotOwnAreATypedErrorAndNothingIsWritten() {
    skald.admin().createTopic(TopicSpec.of("tx-own-in", 2)).toCompletableFuture().join();
    skald.admin().createTopic(TopicSpec.of("tx-own-out", 1)).toCompletableFuture().join();
    Subscription plain =
        skald.subscribe(
            SubscriptionSpec.of("tx-plain", Codecs.string(), Codecs.string())
                .withTopics("tx-own-in"),
            record -> CompletableFuture.completedFuture(null));
    Subscription transactional =
        skald.subscribe(
            SubscriptionSpec.of("tx-owner", Codecs.string(), Codecs.string())
                .withTopics("tx-own-in")
                .withDeliveryMode(DeliveryMode.TRANSACTIONAL),
            record -> CompletableFuture.completedFuture(null));
    TestProbe<Object> probe = TestProbe.create(skald.system());
    probe.awaitAssert(
        Duration.ofSeconds(10),
        () -> {
          assertEquals(2, transactional.assignment().size());
          return null;
        });
    TransactionalProducer<String, String> producer = producer("tx-own-id");
    producer.begin();
    producer.send("tx-own-out", "k", "v");

    // a subscription that commits its own positions, a partition of another topic, a bad offset
    assertThrows(
        TransactionStateException.class,
        () -> producer.sendOffsets(plain, Map.of(new TopicPartition("tx-own-in", 0), 1L)));
    assertThrows(
        io.skald.framework.transaction.NotPartitionOwnerException.class,
        () -> producer.sendOffsets(transactional, Map.of(new TopicPartition("tx-own-out", 0), 1L)));
    assertThrows(
        IllegalArgumentException.class,
        () -> producer.sendOffsets(transactional, Map.of(new TopicPartition("tx-own-in", 0), -5L)));

    // and after an abort nothing of it is written, and sending is an error until the next begin
    producer.abort().toCompletableFuture().join();
    assertThrows(TransactionStateException.class, () -> producer.send("tx-own-out", "k", "v"));
    assertThrows(TransactionStateException.class, producer::abort);
    assertEquals(0, logEnd("tx-own-out", 0));
    assertEquals(
        null,
        skald
            .admin()
            .committedOffsets("tx-owner")
            .toCompletableFuture()
            .join()
            .get(new TopicPartition("tx-own-in", 0)));
    plain.stop().toCompletableFuture().join();
    transactional.stop().toCompletableFuture().join();
    producer.close();
  }
}
