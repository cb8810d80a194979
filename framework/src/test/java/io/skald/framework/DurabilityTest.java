package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.testing.CrashingNodeMain;
import io.skald.testkit.Await;
import io.skald.testkit.ForkedJvm;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurabilityTest {

  record Position(int partition, long offset) {}

  /**
   * With the default journal (an fsync per group of writes), and with the journal's fsync off: a
   * killed process loses nothing either way, since acknowledged writes are in the operating
   * system's page cache (only a power loss or an OS crash tells them apart, which no test here can
   * cause).
   */
  @ParameterizedTest(name = "journal config: [{0}]")
  @ValueSource(strings = {"", "skald.framework.persistence.leveldb-journal.fsync = off"})
  void acknowledgedRecordsAndCommittedOffsetsSurviveKillMinus9(String journalConfig)
      throws Exception {
    // given a separate JVM producing with durable acks and committing, on a fresh data directory
    Path dataDir = SkaldTestNode.newDataDir();
    Map<Position, String> acknowledged = new ConcurrentHashMap<>();
    AtomicBoolean committed = new AtomicBoolean();
    try (ForkedJvm child =
        ForkedJvm.start(CrashingNodeMain.class, dataDir, "512m", journalConfig)) {
      child.awaitLine(
          line -> {
            if (line.startsWith("ACK ")) {
              String[] parts = line.split(" ");
              acknowledged.put(
                  new Position(Integer.parseInt(parts[1]), Long.parseLong(parts[2])), parts[3]);
            } else if (line.equals("COMMITTED")) {
              committed.set(true);
            }
            return committed.get() && acknowledged.size() >= 5_000;
          },
          90);
      // when it is killed with SIGKILL while it is still producing
      child.kill();
    }
    Map<Position, String> mustExist = Map.copyOf(acknowledged);

    // then after a restart on the same directory every acknowledged record is at its offset
    try (SkaldTestNode node = SkaldTestNode.start(dataDir, true, "")) {
      Skald skald = node.skald();
      Map<Position, String> read = new ConcurrentHashMap<>();
      Subscription verify =
          skald.subscribe(
              SubscriptionSpec.of("verify", Codecs.string(), Codecs.string()).withTopics("ledger"),
              record -> {
                read.put(new Position(record.partition(), record.offset()), record.value());
                return CompletableFuture.completedFuture(null);
              });
      Await.until(
          skald.system(),
          Duration.ofSeconds(30),
          () -> assertTrue(read.keySet().containsAll(mustExist.keySet())));
      mustExist.forEach(
          (position, value) -> assertEquals(value, read.get(position), "value at " + position));

      // and the group resumes from its committed offsets
      Map<Integer, Long> firstSeen = new ConcurrentHashMap<>();
      Subscription auditors =
          skald.subscribe(
              SubscriptionSpec.of("auditors", Codecs.string(), Codecs.string())
                  .withTopics("ledger"),
              record -> {
                firstSeen.putIfAbsent(record.partition(), record.offset());
                return CompletableFuture.completedFuture(null);
              });
      Await.until(skald.system(), Duration.ofSeconds(20), () -> assertEquals(2, firstSeen.size()));
      assertEquals(
          Map.of(0, (long) CrashingNodeMain.HANDLED, 1, (long) CrashingNodeMain.HANDLED),
          firstSeen);
      verify.stop().toCompletableFuture().join();
      auditors.stop().toCompletableFuture().join();
    } finally {
      SkaldTestNode.deleteRecursively(dataDir);
    }
  }
}
