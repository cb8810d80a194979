package io.skald.framework.testing;

import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.TopicPartition;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.testkit.SkaldTestNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The process a durability test kills: it produces records with durable acks to topic {@code
 * ledger} forever, printing {@code ACK partition offset value} for each acknowledged one, while
 * group {@code auditors} acknowledges the first {@link #HANDLED} records of each partition and
 * holds the rest; once both positions are committed it prints {@code COMMITTED}.
 */
public final class CrashingNodeMain {
  /** Records per partition the group acknowledges. */
  public static final int HANDLED = 300;

  private CrashingNodeMain() {}

  /**
   * Runs until killed.
   *
   * @param args the data directory, and optionally extra configuration (HOCON)
   * @throws Exception never expected
   */
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, "UTF-8");
    SkaldTestNode node =
        SkaldTestNode.start(Path.of(args[0]), true, args.length > 1 ? args[1] : "");
    Skald skald = node.skald();
    skald.admin().createTopic(TopicSpec.of("ledger", 2)).toCompletableFuture().join();
    skald.subscribe(
        SubscriptionSpec.of("auditors", Codecs.string(), Codecs.string()).withTopics("ledger"),
        record ->
            record.offset() < HANDLED
                ? CompletableFuture.completedFuture(null)
                : new CompletableFuture<>());
    Thread watcher =
        new Thread(
            () -> {
              while (true) {
                Map<TopicPartition, Long> committed =
                    skald.admin().committedOffsets("auditors").toCompletableFuture().join();
                if (committed.getOrDefault(new TopicPartition("ledger", 0), 0L) == HANDLED
                    && committed.getOrDefault(new TopicPartition("ledger", 1), 0L) == HANDLED) {
                  out.println("COMMITTED");
                  return;
                }
                // poll again in 50 ms
                CompletableFuture.runAsync(
                        () -> {}, CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS))
                    .join();
              }
            });
    watcher.setDaemon(true);
    watcher.start();
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    Semaphore window = new Semaphore(1_000);
    for (long i = 0; ; i++) {
      window.acquire();
      String value = "v" + i;
      producer
          .send("ledger", "k" + (i % 50), value)
          .whenComplete(
              (meta, error) -> {
                if (error == null) {
                  out.println("ACK " + meta.partition() + " " + meta.offset() + " " + value);
                }
                window.release();
              });
    }
  }
}
