package io.skald.framework.testing;

import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.ScheduledDelivery;
import io.skald.testkit.SkaldTestNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The process a delayed-delivery test kills: it schedules one record 2 s ahead on topic {@code
 * reminders}, prints {@code SCHEDULED <due epoch ms>} once the schedule is durable, and waits to be
 * killed.
 */
public final class DelayedSchedulerMain {
  private DelayedSchedulerMain() {}

  /**
   * Runs until killed.
   *
   * @param args the data directory
   * @throws Exception never expected
   */
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, "UTF-8");
    SkaldTestNode node = SkaldTestNode.start(Path.of(args[0]), true, "");
    Skald skald = node.skald();
    skald.admin().createTopic(TopicSpec.of("reminders", 1)).toCompletableFuture().join();
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    ScheduledDelivery scheduled =
        producer
            .sendDelayed("reminders", "invoice-7", "pay now", Map.of(), Duration.ofSeconds(2))
            .toCompletableFuture()
            .join();
    out.println("SCHEDULED " + scheduled.due().toEpochMilli());
    new java.util.concurrent.CountDownLatch(1).await();
  }
}
