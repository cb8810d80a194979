package io.skald.bench;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.ConcurrentHistogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Scenarios 1–3 against the Kafka peer, written to match Skald's side of {@link Bench}: the same
 * record size and keys, the same window of unconfirmed sends, {@code acks=all}, the same number of
 * partitions and consumers, the official Java client with its defaults otherwise (idempotent
 * producer, {@code linger.ms=5}, automatic offset commits, the classic group protocol) but for one
 * setting in Kafka's favour: a producer batch of 128 KiB instead of 16 KiB (Kafka's own advice for
 * throughput; Skald's group commit has no such limit). The broker starts group rebalances without
 * delay ({@code group.initial.rebalance.delay.ms=0}). The KIP-848 protocol ({@code
 * group.protocol=consumer}) was tried and is not used: a joining member waited for a later
 * heartbeat (5 s by default) for its assignment, which dominated the catch-up figures.
 */
final class KafkaScenarios {
  /** The unconfirmed sends the harness allows, on both sides. */
  static final int WINDOW = 50_000;

  private final KafkaPeer peer;

  KafkaScenarios(KafkaPeer peer) {
    this.peer = peer;
  }

  /** A producer as the scenarios use it. */
  KafkaProducer<String, byte[]> producer() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, peer.bootstrap());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }

  /**
   * Sends one record to each partition and waits for it, before any pipelined send. The idempotent
   * producer can otherwise loop on OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery timeout when the
   * first request to a partition fails with a retriable error while later ones succeed
   * (KAFKA-14359), which a freshly created topic can trigger.
   *
   * @return the records sent
   */
  static int prime(KafkaProducer<String, byte[]> producer, String topic, int partitions)
      throws Exception {
    for (int p = 0; p < partitions; p++) {
      producer
          .send(new ProducerRecord<>(topic, p, "prime", Bench.value(System.nanoTime())))
          .get(60, TimeUnit.SECONDS);
    }
    return partitions;
  }

  /**
   * Sends records asynchronously with at most {@link #WINDOW} unconfirmed and waits for every
   * acknowledgement.
   *
   * @return the wall time in nanoseconds
   */
  static long sendAll(KafkaProducer<String, byte[]> producer, String topic, int records)
      throws InterruptedException {
    Semaphore window = new Semaphore(WINDOW);
    AtomicLong failures = new AtomicLong();
    AtomicReference<Exception> firstFailure = new AtomicReference<>();
    long start = System.nanoTime();
    for (int i = 0; i < records; i++) {
      window.acquire();
      producer.send(
          new ProducerRecord<>(topic, "key-" + (i % 1024), Bench.value(System.nanoTime())),
          (meta, error) -> {
            if (error != null) {
              failures.incrementAndGet();
              firstFailure.compareAndSet(null, error);
            }
            window.release();
          });
    }
    window.acquire(WINDOW);
    window.release(WINDOW);
    long elapsed = System.nanoTime() - start;
    if (failures.get() > 0) {
      throw new IllegalStateException(failures.get() + " sends failed", firstFailure.get());
    }
    return elapsed;
  }

  static void sendPaced(
      KafkaProducer<String, byte[]> producer, String topic, int records, int perSecond) {
    Bench.paced(
        records,
        perSecond,
        i ->
            producer.send(
                new ProducerRecord<>(topic, "key-" + (i % 1024), Bench.value(System.nanoTime()))));
  }

  /** One end-to-end run: throughput from the first send to the last record polled, and latency. */
  record EndToEnd(double recordsPerSecond, ConcurrentHistogram latencyMicros) {}

  /**
   * Produce → consume through one consumer of a new group that starts at the log's end.
   *
   * @param ratePerSecond 0 for the maximum rate
   */
  EndToEnd endToEnd(
      KafkaProducer<String, byte[]> producer,
      String topic,
      int partitions,
      int records,
      int ratePerSecond)
      throws Exception {
    ConcurrentHistogram latency = new ConcurrentHistogram(3);
    CountDownLatch ready = new CountDownLatch(1);
    CompletableFuture<Long> allPolled = new CompletableFuture<>();
    AtomicBoolean stop = new AtomicBoolean();
    Thread consumerThread =
        new Thread(
            () -> {
              try (KafkaConsumer<String, byte[]> consumer =
                  consumer("e2e-" + UUID.randomUUID(), "latest")) {
                consumer.subscribe(List.of(topic));
                long handled = 0;
                while (!stop.get()) {
                  var polled = consumer.poll(Duration.ofMillis(50));
                  long now = System.nanoTime();
                  if (ready.getCount() > 0 && consumer.assignment().size() == partitions) {
                    consumer.assignment().forEach(consumer::position); // resolve "latest" now
                    ready.countDown();
                  }
                  for (ConsumerRecord<String, byte[]> record : polled) {
                    latency.recordValue(
                        Math.max(0, (now - ByteBuffer.wrap(record.value()).getLong()) / 1_000));
                    if (++handled == records) {
                      allPolled.complete(now);
                    }
                  }
                }
              } catch (RuntimeException e) {
                allPolled.completeExceptionally(e);
                ready.countDown();
              }
            },
            "kafka-e2e-consumer");
    consumerThread.start();
    try {
      if (!ready.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the Kafka consumer got no assignment in 60 s");
      }
      long start = System.nanoTime();
      if (ratePerSecond == 0) {
        sendAll(producer, topic, records);
      } else {
        sendPaced(producer, topic, records, ratePerSecond);
      }
      long end = allPolled.get(120, TimeUnit.SECONDS);
      return new EndToEnd(records / ((end - start) / 1e9), latency);
    } finally {
      stop.set(true);
      consumerThread.join(30_000);
    }
  }

  /**
   * A group of {@code members} consumers, each on its own thread, catching up {@code backlog}
   * records from the beginning of the topic.
   *
   * @return records per second from the first member's start to the last record polled
   */
  double catchUp(String topic, int members, int backlog) throws Exception {
    String group = "catch-up-" + UUID.randomUUID();
    AtomicLong handled = new AtomicLong();
    CompletableFuture<Long> done = new CompletableFuture<>();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    long start = System.nanoTime();
    for (int m = 0; m < members; m++) {
      Thread thread =
          new Thread(
              () -> {
                try (KafkaConsumer<String, byte[]> consumer = consumer(group, "earliest")) {
                  consumer.subscribe(List.of(topic));
                  while (!stop.get()) {
                    int polled = consumer.poll(Duration.ofMillis(50)).count();
                    if (polled > 0 && handled.addAndGet(polled) >= backlog) {
                      done.complete(System.nanoTime());
                    }
                  }
                } catch (RuntimeException e) {
                  done.completeExceptionally(e);
                }
              },
              "kafka-catch-up-" + m);
      thread.start();
      threads.add(thread);
    }
    try {
      long end = done.get(300, TimeUnit.SECONDS);
      return backlog / ((end - start) / 1e9);
    } finally {
      stop.set(true);
      for (Thread thread : threads) {
        thread.join(30_000);
      }
    }
  }

  private KafkaConsumer<String, byte[]> consumer(String group, String reset) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, peer.bootstrap());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, reset);
    return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
  }
}
