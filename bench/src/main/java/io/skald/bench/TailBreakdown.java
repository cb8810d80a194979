package io.skald.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.skald.framework.Skald;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * Where the tail of an end-to-end latency comes from, measured during one run: the send → durable
 * acknowledgement latency (the append hop: producer, partition, journal write and fsync), the
 * journal's fsync durations (from Skald's own timer, through a registry bound for the run), and the
 * JVM's garbage-collection pauses (from the collectors' notifications). What the end-to-end figure
 * has beyond the append hop is the delivery hop: fetch wake-up, the consumer and the handler.
 */
final class TailBreakdown implements AutoCloseable {
  final ConcurrentHistogram ack = new ConcurrentHistogram(3);
  private final Skald skald;
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final List<Runnable> unsubscribe = new ArrayList<>();
  private final ConcurrentHistogram gcPauses = new ConcurrentHistogram(3);
  private volatile long gcPauseMillisTotal;

  TailBreakdown(Skald skald) {
    this.skald = skald;
    skald.meterRegistry().add(registry);
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter emitter) {
        NotificationListener listener =
            (notification, handback) -> {
              if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
                  notification.getType())) {
                GarbageCollectionNotificationInfo info =
                    GarbageCollectionNotificationInfo.from(
                        (CompositeData) notification.getUserData());
                long millis = info.getGcInfo().getDuration();
                // G1's concurrent cycle is reported too; only pauses stop the application
                if (!info.getGcAction().contains("concurrent")
                    && !info.getGcName().contains("Concurrent")) {
                  gcPauses.recordValue(Math.max(0, millis));
                  gcPauseMillisTotal += millis;
                }
              }
            };
        emitter.addNotificationListener(listener, null, null);
        unsubscribe.add(
            () -> {
              try {
                emitter.removeNotificationListener(listener);
              } catch (javax.management.ListenerNotFoundException e) {
                // gone already
              }
            });
      }
    }
  }

  /** The journal's fsync duration at a quantile, from its histogram's buckets, in ms. */
  double fsyncMillis(double quantile) {
    Timer fsync = registry.find("skald.journal.fsync").timer();
    if (fsync == null || fsync.count() == 0) {
      return 0;
    }
    CountAtBucket[] buckets = fsync.takeSnapshot().histogramCounts();
    double wanted = quantile * fsync.count();
    for (CountAtBucket bucket : buckets) {
      if (bucket.count() >= wanted) {
        return bucket.bucket(TimeUnit.MILLISECONDS);
      }
    }
    return fsync.max(TimeUnit.MILLISECONDS);
  }

  double fsyncMaxMillis() {
    Timer fsync = registry.find("skald.journal.fsync").timer();
    return fsync == null ? 0 : fsync.max(TimeUnit.MILLISECONDS);
  }

  double gcMaxPauseMillis() {
    return gcPauses.getTotalCount() == 0 ? 0 : gcPauses.getMaxValue();
  }

  long gcPauses() {
    return gcPauses.getTotalCount();
  }

  long gcPauseMillisTotal() {
    return gcPauseMillisTotal;
  }

  @Override
  public void close() {
    unsubscribe.forEach(Runnable::run);
    skald.meterRegistry().remove(registry);
    registry.close();
  }
}
