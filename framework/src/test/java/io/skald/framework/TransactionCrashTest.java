package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.consumer.StartPosition;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.testing.PipelineNodeMain;
import io.skald.testkit.Await;
import io.skald.testkit.ForkedJvm;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A pipeline's JVM killed with SIGKILL at random points while it copies keyed records to two
 * topics: the outputs hold every input's result exactly once, in per-key order, and a consumer of
 * the outputs never saw a record that is not in them (nothing aborted was ever readable).
 */
class TransactionCrashTest {
  private static final int KILLS = 4;

  /** A record the observer saw: where, and what. */
  record Seen(String topic, int partition, long offset, String value) {}

  @Test
  void aPipelineKilledAtRandomPointsCopiesEveryRecordExactlyOnce() throws Exception {
    Path dataDir = SkaldTestNode.newDataDir();
    long seed = System.nanoTime();
    Random random = new Random(seed);
    try (ForkedJvm seeder = ForkedJvm.start(PipelineNodeMain.class, dataDir, "512m", "seed")) {
      seeder.awaitLine("SEEDED"::equals, 90);
    }
    Set<Seen> observed = ConcurrentHashMap.newKeySet();
    List<Long> positions = new CopyOnWriteArrayList<>();
    boolean done = false;
    for (int cycle = 0; cycle <= KILLS && !done; cycle++) {
      boolean last = cycle == KILLS;
      // killed at a random point once the copy made progress again (a restarted member waits
      // for its killed predecessor's lease to expire first)
      long killAfterMillis = random.nextInt(400);
      long before = positions.isEmpty() ? 0 : positions.get(positions.size() - 1);
      AtomicLong killAt = new AtomicLong(Long.MAX_VALUE);
      AtomicLong position = new AtomicLong(before);
      try (ForkedJvm child = ForkedJvm.start(PipelineNodeMain.class, dataDir, "512m", "run")) {
        String line =
            child.awaitLine(
                l -> {
                  if (l.startsWith("SAW ")) {
                    String[] p = l.split(" ");
                    observed.add(
                        new Seen(p[1], Integer.parseInt(p[2]), Long.parseLong(p[3]), p[4]));
                  } else if (l.startsWith("POSITION ")) {
                    position.set(Long.parseLong(l.substring(9)));
                    if (position.get() > before && killAt.get() == Long.MAX_VALUE) {
                      killAt.set(System.nanoTime() + killAfterMillis * 1_000_000);
                    }
                  }
                  return l.equals("DONE") || (!last && System.nanoTime() >= killAt.get());
                },
                120);
        done = line.equals("DONE");
        positions.add(position.get());
        // when it is killed (SIGKILL) mid-copy, or once it is done
        child.kill();
      }
    }
    System.out.println(
        "TransactionCrashTest: seed " + seed + ", positions at each kill " + positions);
    assertTrue(done, "not done after " + KILLS + " kills; positions " + positions);

    // then each output holds every input's result once, in per-key order
    try (SkaldTestNode node = SkaldTestNode.start(dataDir, true, "")) {
      Skald skald = node.skald();
      List<ConsumerRecord<String, String>> read = new CopyOnWriteArrayList<>();
      skald.subscribe(
          SubscriptionSpec.of("verify", Codecs.string(), Codecs.string())
              .withTopics("copy-out-a", "copy-out-b")
              .withStartPosition(StartPosition.EARLIEST),
          record -> {
            read.add(record);
            return CompletableFuture.completedFuture(null);
          });
      int expected = 2 * PipelineNodeMain.RECORDS;
      Await.until(
          skald.system(),
          Duration.ofSeconds(30),
          () -> assertTrue(read.size() >= expected, read.size() + " of " + expected));
      String context = "seed " + seed + ", positions at each kill " + positions;
      assertEquals(expected, read.size(), "no duplicates; " + context);
      Map<String, List<Integer>> perKey = new TreeMap<>();
      Set<Seen> inLog = new HashSet<>();
      for (ConsumerRecord<String, String> r : read) {
        inLog.add(new Seen(r.topic(), r.partition(), r.offset(), r.value()));
        String[] v = r.value().split(":");
        perKey
            .computeIfAbsent(r.topic() + "/" + r.key(), k -> new ArrayList<>())
            .add(Integer.parseInt(v[1]));
        assertEquals(r.topic().equals("copy-out-a") ? "a" : "b", v[0]);
      }
      Set<Integer> copied = new HashSet<>();
      for (Map.Entry<String, List<Integer>> e : perKey.entrySet()) {
        List<Integer> values = e.getValue();
        for (int i = 1; i < values.size(); i++) {
          assertTrue(values.get(i - 1) < values.get(i), e.getKey() + " in order; " + context);
        }
        if (e.getKey().startsWith("copy-out-a/")) {
          copied.addAll(values);
        }
      }
      assertEquals(PipelineNodeMain.RECORDS, copied.size(), context);

      // and what the observer read before each kill is exactly what the log holds there
      assertTrue(
          inLog.containsAll(observed),
          "observed records not in the log (aborted or lost): "
              + observed.stream().filter(s -> !inLog.contains(s)).limit(5).toList()
              + "; "
              + context);
      assertTrue(positions.size() > KILLS / 2, "the pipeline was killed mid-copy: " + positions);
    } finally {
      SkaldTestNode.deleteRecursively(dataDir);
    }
  }
}
