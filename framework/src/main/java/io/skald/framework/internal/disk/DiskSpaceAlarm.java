package io.skald.framework.internal.disk;

import com.typesafe.config.Config;
import io.micrometer.core.instrument.Gauge;
import io.skald.framework.admin.DiskSpace;
import io.skald.framework.internal.metrics.SkaldMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INTERNAL API: watches the free space of the filesystem that holds the embedded journal ({@code
 * skald.framework.data-dir}) and raises an alarm below {@code skald.framework.disk.free-limit}.
 * While the alarm is raised partitions refuse appends (producers get a {@code
 * BackpressureException} with limit {@code DISK_SPACE} and back off), so the disk never fills under
 * LevelDB (which would crash the JVM); fetches, commits and the small writes of groups and sagas go
 * on. It clears by itself once space is back. A journal on a database (the cluster's PostgreSQL) is
 * not watched.
 */
public final class DiskSpaceAlarm implements Extension {
  private static final Logger LOG = LoggerFactory.getLogger(DiskSpaceAlarm.class);

  /** The extension's id. */
  public static final ExtensionId<DiskSpaceAlarm> ID =
      new ExtensionId<>() {
        @Override
        public DiskSpaceAlarm createExtension(ActorSystem<?> system) {
          return new DiskSpaceAlarm(system);
        }
      };

  /**
   * The alarm of an actor system.
   *
   * @param system the actor system
   * @return its alarm
   */
  public static DiskSpaceAlarm get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  private final Path path;
  private final long limitBytes;
  private volatile boolean alarmed;
  private volatile long freeBytes = -1;

  /**
   * The free-space limit the configuration asks for.
   *
   * @param root the actor system's configuration
   * @return the limit in bytes, or -1 when nothing is watched (off, or a database journal)
   * @throws IllegalArgumentException naming the key of an invalid value
   */
  public static long limitBytes(Config root) {
    Config c = root.getConfig("skald.framework.disk");
    boolean embedded =
        root.getString("skald.framework.persistence.journal-plugin-id")
            .equals("skald.framework.persistence.leveldb-journal");
    String limit = c.getString("free-limit");
    Duration interval = c.getDuration("check-interval");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException(
          "skald.framework.disk.check-interval must be positive, was " + interval);
    }
    if (limit.equals("off")) {
      return -1;
    }
    long bytes;
    if (limit.equals("auto")) {
      long batch = root.getBytes("skald.framework.partition.max-batch-bytes");
      // room for the largest writes in flight plus LevelDB's compaction, which writes new table
      // files (2 MiB each) of a level before it deletes the old ones
      bytes = Math.max(64L << 20, 32 * batch);
    } else {
      try {
        bytes = c.getBytes("free-limit");
      } catch (com.typesafe.config.ConfigException e) {
        bytes = 0;
      }
      if (bytes < 1) {
        throw new IllegalArgumentException(
            "skald.framework.disk.free-limit must be auto, off or a positive size such as 1 GiB,"
                + " was "
                + limit);
      }
    }
    return embedded ? bytes : -1;
  }

  private DiskSpaceAlarm(ActorSystem<?> system) {
    Config root = system.settings().config();
    this.limitBytes = limitBytes(root);
    if (limitBytes < 0) {
      this.path = null;
      return;
    }
    this.path = Path.of(root.getString("skald.framework.data-dir"));
    Duration interval = root.getDuration("skald.framework.disk.check-interval");
    check();
    SkaldMetrics metrics = SkaldMetrics.get(system);
    Gauge.builder("skald.disk.free", this, a -> a.freeBytes)
        .description("Free bytes on the filesystem of the embedded journal")
        .baseUnit("bytes")
        .strongReference(true)
        .register(metrics.registry());
    Gauge.builder("skald.disk.alarm", this, a -> a.alarmed ? 1 : 0)
        .description("1 while appends are refused because free space is below the limit")
        .strongReference(true)
        .register(metrics.registry());
    system
        .scheduler()
        .scheduleWithFixedDelay(interval, interval, this::check, system.executionContext());
  }

  /** Reads the free space and raises or clears the alarm. */
  void check() {
    long free;
    try {
      Files.createDirectories(path);
      free = Files.getFileStore(path).getUsableSpace();
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot read the free space of {}: {}", path, e.toString());
      return;
    }
    freeBytes = free;
    if (free < limitBytes && !alarmed) {
      alarmed = true;
      LOG.warn(
          "disk alarm: {} MiB free on the journal's filesystem ({}), below the limit of {} MiB"
              + " (skald.framework.disk.free-limit); refusing appends until space is back",
          free >> 20,
          path,
          limitBytes >> 20);
    } else if (free >= limitBytes && alarmed) {
      alarmed = false;
      LOG.info(
          "disk alarm cleared: {} MiB free on {}; appends are accepted again", free >> 20, path);
    }
  }

  /**
   * Whether appends are refused now.
   *
   * @return true while the free space is below the limit
   */
  public boolean alarmed() {
    return alarmed;
  }

  /**
   * Why an append is refused now.
   *
   * @return a one-line reason naming the free space and the limit
   */
  public String reason() {
    return "free space on the journal's filesystem is "
        + (freeBytes >> 20)
        + " MiB, below skald.framework.disk.free-limit ("
        + (limitBytes >> 20)
        + " MiB)";
  }

  /**
   * The state of the alarm.
   *
   * @return what it watches and what it saw last, or {@link DiskSpace#unwatched()}
   */
  public DiskSpace state() {
    return path == null
        ? DiskSpace.unwatched()
        : new DiskSpace(path.toString(), freeBytes, limitBytes, alarmed);
  }
}
