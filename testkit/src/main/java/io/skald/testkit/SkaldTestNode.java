package io.skald.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skald.framework.Skald;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A Skald node for tests: its own actor system on a free port, a fresh data directory, fast commit
 * and heartbeat intervals. Closing it terminates the system; {@link #deleteDataDir()} removes the
 * directory.
 */
public final class SkaldTestNode implements AutoCloseable {
  private final Path dataDir;
  private final Skald skald;

  private SkaldTestNode(Path dataDir, Skald skald) {
    this.dataDir = dataDir;
    this.skald = skald;
  }

  /**
   * Starts a node on a new temp directory, without fsync (tests that check durability use {@link
   * #start(Path, boolean, String)}).
   *
   * @return the node
   */
  public static SkaldTestNode start() {
    return start(newDataDir(), false, "");
  }

  /**
   * Starts a node.
   *
   * @param dataDir the data directory
   * @param fsync whether the journal fsyncs every write
   * @param extraConfig HOCON overriding the test defaults
   * @return the node
   */
  public static SkaldTestNode start(Path dataDir, boolean fsync, String extraConfig) {
    return new SkaldTestNode(
        dataDir, Skald.start("skald-test", config(dataDir, fsync, extraConfig)));
  }

  /**
   * The test configuration.
   *
   * @param dataDir the data directory
   * @param fsync whether to fsync
   * @param extraConfig overrides
   * @return the configuration
   */
  public static Config config(Path dataDir, boolean fsync, String extraConfig) {
    return ConfigFactory.parseString(extraConfig)
        .withFallback(
            ConfigFactory.parseString(
                "skald.framework.data-dir = \""
                    + dataDir.toAbsolutePath().toString().replace("\\", "/")
                    + "\"\n"
                    + "skald.framework.persistence.leveldb-journal.fsync = "
                    + (fsync ? "on" : "off")
                    + "\n"
                    + "skald.framework.consumer.commit-interval = 100ms\n"
                    + "skald.framework.consumer.heartbeat-interval = 200ms\n"
                    + "skald.framework.consumer.ownership-lease = 1s\n"
                    + "skald.framework.consumer.fetch-max-wait = 1s\n"
                    + "pekko.cluster.jmx.enabled = off\n"
                    + "pekko.loglevel = WARNING\n"));
  }

  /**
   * A new empty temp directory.
   *
   * @return its path
   */
  public static Path newDataDir() {
    try {
      return Files.createTempDirectory("skald-test-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The Skald instance.
   *
   * @return the instance
   */
  public Skald skald() {
    return skald;
  }

  /**
   * The data directory.
   *
   * @return the path
   */
  public Path dataDir() {
    return dataDir;
  }

  @Override
  public void close() {
    skald.close();
  }

  /** Deletes the data directory recursively. */
  public void deleteDataDir() {
    deleteRecursively(dataDir);
  }

  /**
   * Deletes a directory tree.
   *
   * @param dir the directory
   */
  public static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
