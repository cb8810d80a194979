package io.skald.testkit;

import com.typesafe.config.ConfigFactory;
import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.internal.group.GroupCoordinator;
import io.skald.framework.internal.log.PartitionEntity;
import io.skald.framework.producer.Acks;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * One node of {@link FailoverLoop}, in a JVM of its own so that it can be SIGKILLed: a cluster node
 * on the defaults of {@code skald-cluster.conf} that runs an idempotent durable producer at a fixed
 * rate and one member of group {@code failover} on topic {@code failover}, and writes what it does
 * to files in its data directory (each line written before the next step, so the files survive
 * SIGKILL):
 *
 * <ul>
 *   <li>{@code acks.log}: {@code A <partition> <offset> <value> <epoch micros>} per acknowledged
 *       send, {@code F <value> <error>} per failed one;
 *   <li>{@code handled.log}: {@code H <partition> <offset> <value> <epoch micros>} per record its
 *       handler was called with;
 *   <li>{@code events.log}: {@code REMOVED <port> <epoch micros>} per cluster member removed;
 *   <li>{@code status}: {@code coordinator=<port>}, the node hosting the group's coordinator, and
 *       {@code partitions.<port>=<n>}, how many partition shards each node hosts.
 * </ul>
 *
 * <p>It stops sending when a file {@code stop} appears in its directory, and prints {@code DONE}
 * once every send is answered. Values are {@code <node>.k<i>:<sequence>}; key {@code k<i>} is sent
 * to partition {@code i mod 12}, so every node sends to every partition.
 *
 * <p>Arguments: data directory, node name, port, seed ports (comma-separated), JDBC URL, records
 * per second.
 */
public final class FailoverNode {
  /** The topic and group of the loop. */
  static final String TOPIC = "failover";

  /** Its partitions. */
  static final int PARTITIONS = 12;

  private static final int KEYS = 24;
  private static final int MAX_UNACKED = 4_000;

  private FailoverNode() {}

  /**
   * Runs until killed.
   *
   * @param args data directory, name, port, seed ports, JDBC URL, records per second
   * @throws Exception on a start failure
   */
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, "UTF-8");
    Path dir = Path.of(args[0]);
    // The parent reads stdout only for READY and DONE: logs go to a file, or a full pipe would
    // block the logging threads.
    System.setOut(
        new PrintStream(
            Files.newOutputStream(dir.resolve("node.log")), true, StandardCharsets.UTF_8));
    String name = args[1];
    int port = Integer.parseInt(args[2]);
    List<Integer> seeds = Arrays.stream(args[3].split(",")).map(Integer::valueOf).toList();
    String url = args[4];
    int rate = Integer.parseInt(args[5]);
    // SKALD_FAILOVER_DEBUG=<logger>,<logger>... in the environment: those loggers at DEBUG
    String debug = System.getenv().getOrDefault("SKALD_FAILOVER_DEBUG", "");
    if (!debug.isEmpty()) {
      Path config = dir.resolve("logback-debug.xml");
      StringBuilder loggers = new StringBuilder();
      for (String logger : debug.split(",")) {
        loggers.append("<logger name=\"").append(logger).append("\" level=\"DEBUG\"/>");
      }
      Files.writeString(
          config,
          "<configuration><appender name=\"OUT\" class=\"ch.qos.logback.core.ConsoleAppender\">"
              + "<encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern>"
              + "</encoder></appender>"
              + loggers
              + "<root level=\"WARN\"><appender-ref ref=\"OUT\"/></root></configuration>");
      System.setProperty("logback.configurationFile", config.toString());
    }
    Skald skald =
        LocalCluster.start(
            port,
            seeds,
            url,
            ConfigFactory.parseString(
                (debug.isEmpty()
                    ? "pekko.loglevel = WARNING\n"
                    : "pekko.loglevel = DEBUG\n"
                        + "pekko.logging-filter ="
                        + " \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"\n")));
    BufferedWriter events = writer(dir.resolve("events.log"));
    watchRemovals(skald, events);
    skald.admin().createTopic(TopicSpec.of(TOPIC, PARTITIONS)).toCompletableFuture().join();
    BufferedWriter handled = writer(dir.resolve("handled.log"));
    skald.subscribe(
        SubscriptionSpec.of(TOPIC, Codecs.string(), Codecs.string()).withTopics(TOPIC),
        record -> {
          line(
              handled,
              "H "
                  + record.partition()
                  + " "
                  + record.offset()
                  + " "
                  + record.value()
                  + " "
                  + nowMicros());
          return CompletableFuture.completedFuture(null);
        });
    Thread status = new Thread(() -> reportStatus(skald, dir), "failover-status");
    status.setDaemon(true);
    status.start();
    out.println("READY");
    Producer<String, String> producer =
        skald.producer(
            ProducerSettings.of(Codecs.string(), Codecs.string())
                .withAcks(Acks.DURABLE)
                .withIdempotence());
    sendUntilStopped(producer, name, rate, dir);
    out.println("DONE");
  }

  private static void sendUntilStopped(
      Producer<String, String> producer, String name, int rate, Path dir) throws IOException {
    BufferedWriter acks = writer(dir.resolve("acks.log"));
    Semaphore unacked = new Semaphore(MAX_UNACKED);
    long[] sequences = new long[KEYS];
    long intervalNanos = TimeUnit.SECONDS.toNanos(1) / rate;
    long next = System.nanoTime();
    Path stop = dir.resolve("stop");
    for (long n = 0; !Files.exists(stop); n++) {
      for (int i = 0; i < 25 && !Files.exists(stop); i++) {
        LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
        next += intervalNanos;
        int k = (int) ((n * 25 + i) % KEYS);
        String key = name + ".k" + k;
        String value = key + ":" + sequences[k]++;
        unacked.acquireUninterruptibly();
        // key k<i> goes to partition i mod 12, so every node sends to every partition
        producer
            .sendToPartition(TOPIC, k % PARTITIONS, key, value, Map.of())
            .whenComplete(
                (meta, error) -> {
                  if (error == null) {
                    line(
                        acks,
                        "A "
                            + meta.partition()
                            + " "
                            + meta.offset()
                            + " "
                            + value
                            + " "
                            + nowMicros());
                  } else {
                    line(acks, "F " + value + " " + error.toString().replace('\n', ' '));
                  }
                  unacked.release();
                });
      }
    }
    unacked.acquireUninterruptibly(MAX_UNACKED);
  }

  private static void watchRemovals(Skald skald, BufferedWriter events) {
    org.apache.pekko.actor.typed.ActorRef<ClusterEvent.MemberRemoved> listener =
        skald
            .system()
            .systemActorOf(
                org.apache.pekko.actor.typed.javadsl.Behaviors.receiveMessage(
                    (ClusterEvent.MemberRemoved removed) -> {
                      Address address = removed.member().address();
                      line(events, "REMOVED " + address.getPort().get() + " " + nowMicros());
                      return org.apache.pekko.actor.typed.javadsl.Behaviors.same();
                    }),
                "failover-removals",
                org.apache.pekko.actor.typed.Props.empty());
    Cluster.get(skald.system())
        .subscriptions()
        .tell(Subscribe.create(listener, ClusterEvent.MemberRemoved.class));
  }

  /** Writes where the group's coordinator lives, every 300 ms (atomically replaced). */
  private static void reportStatus(Skald skald, Path dir) {
    while (true) {
      try {
        Map<Address, Integer> groups =
            ClusterTestNode.shardsByNode(skald, GroupCoordinator.ENTITY_TYPE_KEY);
        Map<Address, Integer> partitions =
            ClusterTestNode.shardsByNode(skald, PartitionEntity.ENTITY_TYPE_KEY);
        StringBuilder status = new StringBuilder();
        groups.forEach(
            (address, count) -> {
              if (count > 0) {
                status.append("coordinator=").append(address.getPort().get()).append('\n');
              }
            });
        partitions.forEach(
            (address, count) ->
                status
                    .append("partitions.")
                    .append(address.getPort().get())
                    .append('=')
                    .append(count)
                    .append('\n'));
        Path tmp = dir.resolve("status.tmp");
        Files.writeString(tmp, status);
        Files.move(
            tmp,
            dir.resolve("status"),
            StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (RuntimeException | AssertionError e) {
        // no answer while the cluster changes: try again
      }
      LockSupport.parkNanos(Duration.ofMillis(300).toNanos());
    }
  }

  private static BufferedWriter writer(Path file) throws IOException {
    return Files.newBufferedWriter(file, StandardCharsets.UTF_8);
  }

  private static void line(BufferedWriter writer, String line) {
    try {
      synchronized (writer) {
        writer.write(line);
        writer.newLine();
        writer.flush();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static long nowMicros() {
    return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
  }
}
