package io.skald.framework.internal.health;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * INTERNAL API: the partitions this node hosts and which of them are still recovering their log (a
 * partition is recovered once its journal replay and its topic's settings are loaded, so it serves
 * appends and fetches). Partition entities report here; readiness reads it.
 */
public final class LocalPartitions implements Extension {

  /** The extension's id. */
  public static final ExtensionId<LocalPartitions> ID =
      new ExtensionId<>() {
        @Override
        public LocalPartitions createExtension(ActorSystem<?> system) {
          return new LocalPartitions();
        }
      };

  /**
   * The tracker of an actor system.
   *
   * @param system the actor system
   * @return its tracker
   */
  public static LocalPartitions get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** A partition still recovering, and for how long. */
  public record Recovering(String partition, Duration elapsed) {}

  /** What this node hosts now. */
  public record Status(int hosted, List<Recovering> recovering) {}

  private final Map<String, Long> recovering = new ConcurrentHashMap<>();
  private final Set<String> recovered = ConcurrentHashMap.newKeySet();

  private LocalPartitions() {}

  /**
   * A partition entity started on this node and is replaying its log.
   *
   * @param partition the partition's entity id
   */
  public void recovering(String partition) {
    recovered.remove(partition);
    recovering.put(partition, System.nanoTime());
  }

  /**
   * A partition finished its recovery.
   *
   * @param partition the partition's entity id
   */
  public void recovered(String partition) {
    recovering.remove(partition);
    recovered.add(partition);
  }

  /**
   * A partition entity stopped (passivated, handed off, deleted or restarting).
   *
   * @param partition the partition's entity id
   */
  public void stopped(String partition) {
    recovering.remove(partition);
    recovered.remove(partition);
  }

  /**
   * The partitions hosted here and those still recovering, longest first.
   *
   * @return the status now
   */
  public Status status() {
    long now = System.nanoTime();
    List<Recovering> slow =
        recovering.entrySet().stream()
            .map(e -> new Recovering(e.getKey(), Duration.ofNanos(now - e.getValue())))
            .sorted(Comparator.comparing(Recovering::elapsed).reversed())
            .toList();
    return new Status(recovered.size() + slow.size(), slow);
  }
}
