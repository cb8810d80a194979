package io.skald.examples.orders.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skald.examples.orders.Shop;
import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.consumer.StartPosition;
import io.skald.framework.consumer.Subscription;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Today's code reads journals and snapshots written by earlier code: every committed fixture under
 * {@code src/test/resources/fixtures/} is started on and must look exactly as it did to the code
 * that wrote it. A class moved or renamed without keeping its persisted name fails here.
 */
class PersistedFormatsTest {

  @Test
  void aJournalWrittenBeforeThePackageSplitReadsBackUnchanged() throws Exception {
    readsBack("pre-release-51f655e");
  }

  private static void readsBack(String fixture) throws Exception {
    // given a copy of the fixture (reading it writes: recovery, new groups)
    Path source = fixtureDir(fixture);
    Path data = SkaldTestNode.newDataDir();
    copy(source.resolve("data"), data);

    // when today's code starts on it, then it sees what the writer saw
    try (Skald skald = WritePersistedFixture.start(data)) {
      Shop shop = Shop.start(skald, WritePersistedFixture.options(Shop.Flow.CHOREOGRAPHY));
      assertSame(
          source.resolve("expected-choreography.txt"),
          PersistedFixture.observe(skald, shop, PersistedFixture.choreographedIds()));
      // and the delayed delivery it had scheduled is still delivered
      ConcurrentLinkedQueue<String> delivered = new ConcurrentLinkedQueue<>();
      Subscription delayed =
          skald.subscribe(
              SubscriptionSpec.of("fixture-delayed-reader", Codecs.string(), Codecs.string())
                  .withTopics(PersistedFixture.DELAYED_TOPIC)
                  .withStartPosition(StartPosition.EARLIEST)
                  .withoutDeadLetters(),
              record -> {
                delivered.add(record.key() + "=" + record.value());
                return CompletableFuture.completedFuture(null);
              });
      Await.until(
          skald.system(),
          Duration.ofSeconds(30),
          () -> assertEquals(List.of("later=delayed-value"), List.copyOf(delivered)));
      delayed.stop().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    try (Skald skald = WritePersistedFixture.start(data)) {
      Shop shop = Shop.start(skald, WritePersistedFixture.options(Shop.Flow.ORCHESTRATION));
      assertSame(
          source.resolve("expected-orchestration.txt"),
          PersistedFixture.observe(skald, shop, PersistedFixture.orchestratedIds()));
    }
  }

  private static void assertSame(Path expectedFile, Map<String, String> seen) throws IOException {
    Map<String, String> expected = new TreeMap<>();
    for (String line : Files.readAllLines(expectedFile)) {
      int tab = line.indexOf('\t');
      expected.put(line.substring(0, tab), line.substring(tab + 1));
    }
    assertEquals(
        String.join("\n", render(expected)),
        String.join("\n", render(seen)),
        "what the public API shows of " + expectedFile.getParent().getFileName());
  }

  private static List<String> render(Map<String, String> lines) {
    return lines.entrySet().stream().map(e -> e.getKey() + "\t" + e.getValue()).toList();
  }

  private static Path fixtureDir(String name) throws URISyntaxException {
    return Path.of(PersistedFormatsTest.class.getResource("/fixtures/" + name).toURI());
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      files.forEach(
          file -> {
            try {
              Path target = to.resolve(from.relativize(file).toString());
              if (Files.isDirectory(file)) {
                Files.createDirectories(target);
              } else {
                Files.copy(file, target);
              }
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    }
  }
}
