package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.BackpressureException;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The disk-space alarm on a small filesystem made for the test (a 96 MiB tmpfs; mounting it needs
 * root, the test is skipped with that reason otherwise): below the free limit appends are refused
 * with a typed exception, consumers and commits go on, and production resumes by itself.
 */
class DiskSpaceAlarmTest {
  private static final String CONFIG =
      "skald.framework.disk.free-limit = 32 MiB\n"
          + "skald.framework.disk.check-interval = 100ms\n";

  private static boolean run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Fills the filesystem until less than {@code leftBytes} are free. */
  private static void fill(Path file, long leftBytes) throws IOException {
    byte[] chunk = new byte[1 << 20];
    java.util.Arrays.fill(chunk, (byte) 7);
    try (OutputStream out = Files.newOutputStream(file)) {
      while (Files.getFileStore(file.getParent()).getUsableSpace() > leftBytes) {
        out.write(chunk);
        out.flush();
      }
    }
  }

  @Test
  void belowTheFreeLimitAppendsAreRefusedAndResumeWhenSpaceIsBack() throws Exception {
    Path mount = Files.createTempDirectory("skald-disk-");
    assumeTrue(
        run("mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", mount.toString()),
        "mounting a small tmpfs for the test needs root; skipped");
    Path dataDir = mount.resolve("data");
    try {
      try (SkaldTestNode node = SkaldTestNode.start(dataDir, true, CONFIG)) {
        Skald skald = node.skald();
        assertTrue(skald.diskSpace().watched());
        assertFalse(skald.diskSpace().alarm());
        skald.admin().createTopic(TopicSpec.of("orders", 1)).toCompletableFuture().join();
        Producer<String, String> producer =
            skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
        for (int i = 0; i < 10; i++) {
          producer.send("orders", "k", "v" + i).toCompletableFuture().join();
        }

        // the disk fills up (another process's file): the alarm goes off
        Path filler = mount.resolve("filler");
        fill(filler, 16L << 20);
        Await.until(
            skald.system(), Duration.ofSeconds(10), () -> assertTrue(skald.diskSpace().alarm()));
        CompletionException refused =
            assertThrows(
                CompletionException.class,
                () -> producer.send("orders", "k", "refused").toCompletableFuture().join());
        BackpressureException full =
            assertInstanceOf(BackpressureException.class, refused.getCause());
        assertEquals(BackpressureException.Limit.DISK_SPACE, full.limit());
        assertTrue(full.getMessage().contains("free-limit"), full.getMessage());

        // consumers read what is there and commit meanwhile
        AtomicInteger read = new AtomicInteger();
        Subscription billing =
            skald.subscribe(
                SubscriptionSpec.of("billing", Codecs.string(), Codecs.string())
                    .withTopics("orders"),
                r -> {
                  read.incrementAndGet();
                  return CompletableFuture.completedFuture(null);
                });
        Await.until(
            skald.system(),
            Duration.ofSeconds(15),
            () -> {
              assertEquals(10, read.get());
              assertEquals(
                  10L,
                  skald
                      .admin()
                      .committedOffsets("billing")
                      .toCompletableFuture()
                      .join()
                      .get(new TopicPartition("orders", 0)));
            });
        assertTrue(skald.diskSpace().alarm());

        // space is back: production resumes by itself
        Files.delete(filler);
        Await.until(
            skald.system(), Duration.ofSeconds(10), () -> assertFalse(skald.diskSpace().alarm()));
        producer.send("orders", "k", "after").toCompletableFuture().join();
        Await.until(skald.system(), Duration.ofSeconds(10), () -> assertEquals(11, read.get()));
        billing.stop().toCompletableFuture().join();
      }
      try (SkaldTestNode node = SkaldTestNode.start(dataDir, true, CONFIG)) {
        // what was acknowledged is there, and only that
        assertEquals(
            11,
            node.skald()
                .admin()
                .partitionOffsets(new TopicPartition("orders", 0))
                .toCompletableFuture()
                .join()
                .logEndOffset());
      }
    } finally {
      run("umount", mount.toString());
      SkaldTestNode.deleteRecursively(mount);
    }
  }

  @Test
  void aLimitThatIsNotASizeIsRefusedNamingTheKey() {
    for (String bad : java.util.List.of("0", "-5 MiB", "lots")) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  io.skald.framework.internal.disk.DiskSpaceAlarm.limitBytes(
                      com.typesafe.config.ConfigFactory.parseString(
                              "skald.framework.disk.free-limit = \"" + bad + "\"")
                          .withFallback(com.typesafe.config.ConfigFactory.load())));
      assertTrue(e.getMessage().contains("skald.framework.disk.free-limit"), e.getMessage());
    }
    com.typesafe.config.Config defaults = com.typesafe.config.ConfigFactory.load();
    assertEquals(64L << 20, io.skald.framework.internal.disk.DiskSpaceAlarm.limitBytes(defaults));
  }
}
