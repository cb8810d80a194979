package io.skald.framework.testing;

import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.TopicPartition;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.StartPosition;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.transaction.PipelineSpec;
import io.skald.testkit.SkaldTestNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The process a transaction crash test kills. With {@code seed} it writes {@link #RECORDS} keyed
 * records to {@code copy-in} and prints {@code SEEDED}. With {@code run} it runs pipeline {@code
 * copier}, which writes each input {@code v} as {@code a:v} to {@code copy-out-a} and {@code b:v}
 * to {@code copy-out-b}, while group {@code observer} reads both outputs and prints {@code SAW
 * topic partition offset value} for every record it sees; it prints {@code POSITION n} (the
 * pipeline's committed input positions, summed) every 50 ms and {@code DONE} once all are copied.
 */
public final class PipelineNodeMain {
  /** Input records. */
  public static final int RECORDS = 2_000;

  /** Keys of the input records. */
  public static final int KEYS = 40;

  /** Input partitions. */
  public static final int PARTITIONS = 3;

  private PipelineNodeMain() {}

  /**
   * Seeds or runs until killed.
   *
   * @param args the data directory, then {@code seed} or {@code run}
   * @throws Exception never expected
   */
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, "UTF-8");
    SkaldTestNode node = SkaldTestNode.start(Path.of(args[0]), true, "");
    Skald skald = node.skald();
    if (args[1].equals("seed")) {
      skald.admin().createTopic(TopicSpec.of("copy-in", PARTITIONS)).toCompletableFuture().join();
      skald.admin().createTopic(TopicSpec.of("copy-out-a", 2)).toCompletableFuture().join();
      skald.admin().createTopic(TopicSpec.of("copy-out-b", 1)).toCompletableFuture().join();
      Producer<String, String> producer =
          skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
      List<CompletableFuture<?>> sent = new ArrayList<>();
      for (int i = 0; i < RECORDS; i++) {
        sent.add(
            producer.send("copy-in", "k" + (i % KEYS), Integer.toString(i)).toCompletableFuture());
      }
      sent.forEach(CompletableFuture::join);
      out.println("SEEDED");
      new java.util.concurrent.CountDownLatch(1).await();
    }
    skald.subscribe(
        SubscriptionSpec.of("observer", Codecs.string(), Codecs.string())
            .withTopics("copy-out-a", "copy-out-b")
            .withStartPosition(StartPosition.EARLIEST),
        record -> {
          out.println(
              "SAW "
                  + record.topic()
                  + " "
                  + record.partition()
                  + " "
                  + record.offset()
                  + " "
                  + record.value());
          return CompletableFuture.completedFuture(null);
        });
    skald.pipeline(
        PipelineSpec.of(
                SubscriptionSpec.of("copier", Codecs.string(), Codecs.string())
                    .withTopics("copy-in")
                    .withStartPosition(StartPosition.EARLIEST),
                Codecs.string(),
                Codecs.string())
            .withBatchSize(25)
            .withCommitInterval(Duration.ofMillis(20)),
        (record, output) -> {
          output.send("copy-out-a", record.key(), "a:" + record.value());
          output.send("copy-out-b", record.key(), "b:" + record.value());
        });
    out.println("RUNNING");
    while (true) {
      Map<TopicPartition, Long> committed =
          skald.admin().committedOffsets("copier").toCompletableFuture().join();
      long position = committed.values().stream().mapToLong(Long::longValue).sum();
      out.println("POSITION " + position);
      if (position == RECORDS) {
        out.println("DONE");
      }
      CompletableFuture.runAsync(
              () -> {}, CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS))
          .join();
    }
  }
}
