package io.skald.bench;

import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.TopicPartition;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.StartPosition;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.transaction.Pipeline;
import io.skald.framework.transaction.PipelineSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Scenario {@code txn-copy}: a backlog of 100-byte keyed records in a 4-partition topic copied to
 * another 4-partition topic by a group of 4 members, measured from the start of the group to the
 * last output readable (and, for the transactional runs, committed).
 *
 * <ul>
 *   <li>{@code skald}: {@link Skald#pipeline}, one transaction per 500 records or 100 ms per input
 *       partition (the defaults).
 *   <li>{@code skald-at-least-once}: the same copy as a plain subscription whose handler returns
 *       the durable producer's send (parallelism 250 by key: up to 250 sends in flight per
 *       partition, as many as the keys allow; the pipeline's do).
 *   <li>{@code kafka-fsync} and {@code kafka}: Kafka's consume-transform-produce loop, each member
 *       a consumer ({@code read_committed}) and a transactional producer, one transaction per poll
 *       (up to 500 records), {@code sendOffsetsToTransaction} with the group's metadata.
 * </ul>
 */
final class TransactionBench {
  private static final int PARTITIONS = 4;
  private static final int MEMBERS = 4;

  private final Bench bench;

  TransactionBench(Bench bench) {
    this.bench = bench;
  }

  void run() throws Exception {
    int backlog = bench.size(200_000, 10_000);
    Bench.withNodeThen(
        dir -> {},
        "",
        skald -> {
          skald
              .admin()
              .createTopic(TopicSpec.of("copy-in", PARTITIONS))
              .toCompletableFuture()
              .join();
          Producer<String, byte[]> producer =
              skald.producer(ProducerSettings.of(Codecs.string(), Codecs.bytes()));
          MessagingBench.sendAll(producer, "copy-in", backlog, 0, 50_000);
          double[] transactional = new double[bench.runs];
          double[] atLeastOnce = new double[bench.runs];
          for (int run = bench.firstRun(); run < bench.runs; run++) {
            Progress.run(run + 1, bench.runs);
            double txn = copy(skald, backlog, "txn-" + run, true);
            double plain = copy(skald, backlog, "alo-" + run, false);
            if (run >= 0) {
              transactional[run] = txn;
              atLeastOnce[run] = plain;
            }
          }
          bench.record("copy", "copy throughput", Bench.SKALD, "records/s", transactional);
          bench.record("copy", "copy throughput", "skald-at-least-once", "records/s", atLeastOnce);
        });
    KafkaScenarios peer = bench.kafka();
    if (peer == null) {
      return;
    }
    for (String system : Bench.KAFKA_SYSTEMS) {
      String input = "copy-in-" + system;
      bench.kafka.createTopic(input, PARTITIONS, system.equals(Bench.KAFKA_FSYNC));
      int records;
      try (var producer = peer.producer()) {
        records = KafkaScenarios.prime(producer, input, PARTITIONS) + backlog;
        KafkaScenarios.sendAll(producer, input, backlog);
      }
      double[] rates = new double[bench.runs];
      for (int run = bench.firstRun(); run < bench.runs; run++) {
        Progress.run(run + 1, bench.runs);
        String output = "copy-out-" + system + "-" + (run + 1);
        bench.kafka.createTopic(output, PARTITIONS, system.equals(Bench.KAFKA_FSYNC));
        double rate = kafkaCopy(input, output, records);
        if (run >= 0) {
          rates[run] = rate;
        }
      }
      bench.record("copy", "copy throughput", system, "records/s", rates);
    }
  }

  /** Copies the backlog once; records per second until every output is in the log. */
  private static double copy(Skald skald, int backlog, String name, boolean transactional)
      throws Exception {
    String output = "copy-out-" + name;
    skald.admin().createTopic(TopicSpec.of(output, PARTITIONS)).toCompletableFuture().join();
    SubscriptionSpec<String, byte[]> input =
        SubscriptionSpec.of("copy-" + name, Codecs.string(), Codecs.bytes())
            .withTopics("copy-in")
            .withStartPosition(StartPosition.EARLIEST);
    List<Pipeline> pipelines = new ArrayList<>();
    List<Subscription> subscriptions = new ArrayList<>();
    Producer<String, byte[]> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.bytes()));
    long start = System.nanoTime();
    for (int m = 0; m < MEMBERS; m++) {
      if (transactional) {
        pipelines.add(
            skald.pipeline(
                PipelineSpec.of(input, Codecs.string(), Codecs.bytes()),
                (record, out) -> out.send(output, record.key(), record.value())));
      } else {
        subscriptions.add(
            skald.subscribe(
                input.withParallelism(250),
                record -> producer.send(output, record.key(), record.value())));
      }
    }
    long end = awaitLogEnd(skald, output, backlog);
    for (Pipeline p : pipelines) {
      p.stop().toCompletableFuture().join();
    }
    for (Subscription s : subscriptions) {
      s.stop().toCompletableFuture().join();
    }
    return backlog / Bench.seconds(end - start);
  }

  /** Polls the output's log end every 5 ms until it holds {@code records}. */
  private static long awaitLogEnd(Skald skald, String topic, int records) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
    while (System.nanoTime() < deadline) {
      long total = 0;
      for (int p = 0; p < PARTITIONS; p++) {
        total +=
            skald
                .admin()
                .partitionOffsets(new TopicPartition(topic, p))
                .toCompletableFuture()
                .join()
                .logEndOffset();
      }
      if (total >= records) {
        return System.nanoTime();
      }
      CompletableFuture.runAsync(
              () -> {}, CompletableFuture.delayedExecutor(5, TimeUnit.MILLISECONDS))
          .join();
    }
    throw new IllegalStateException("the copy to " + topic + " did not finish in 300 s");
  }

  /** Kafka's transactional copy with {@link #MEMBERS} members; records per second. */
  private double kafkaCopy(String input, String output, int records) throws Exception {
    String group = "copy-" + UUID.randomUUID();
    AtomicLong copied = new AtomicLong();
    CompletableFuture<Long> done = new CompletableFuture<>();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    long start = System.nanoTime();
    for (int m = 0; m < MEMBERS; m++) {
      String transactionalId = group + "-" + m;
      Thread thread =
          new Thread(
              () -> {
                try (KafkaConsumer<String, byte[]> consumer = consumer(group);
                    KafkaProducer<String, byte[]> producer = producer(transactionalId)) {
                  producer.initTransactions();
                  consumer.subscribe(List.of(input));
                  while (!stop.get()) {
                    ConsumerRecords<String, byte[]> polled = consumer.poll(Duration.ofMillis(50));
                    if (polled.isEmpty()) {
                      continue;
                    }
                    producer.beginTransaction();
                    Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> offsets =
                        new HashMap<>();
                    for (ConsumerRecord<String, byte[]> r : polled) {
                      producer.send(new ProducerRecord<>(output, r.key(), r.value()));
                      offsets.put(
                          new org.apache.kafka.common.TopicPartition(r.topic(), r.partition()),
                          new OffsetAndMetadata(r.offset() + 1));
                    }
                    producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                    producer.commitTransaction();
                    if (copied.addAndGet(polled.count()) >= records) {
                      done.complete(System.nanoTime());
                    }
                  }
                } catch (RuntimeException e) {
                  done.completeExceptionally(e);
                }
              },
              "kafka-copy-" + m);
      thread.start();
      threads.add(thread);
    }
    try {
      long end = done.get(300, TimeUnit.SECONDS);
      return records / Bench.seconds(end - start);
    } finally {
      stop.set(true);
      for (Thread thread : threads) {
        thread.join(30_000);
      }
    }
  }

  private KafkaConsumer<String, byte[]> consumer(String group) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bench.kafka.bootstrap());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
  }

  private KafkaProducer<String, byte[]> producer(String transactionalId) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bench.kafka.bootstrap());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }
}
