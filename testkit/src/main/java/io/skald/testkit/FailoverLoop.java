package io.skald.testkit;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A node-kill loop, black-box: three {@link FailoverNode} JVMs on one PostgreSQL database, each
 * producing (idempotent, durable acks) and consuming (one member of one group); a node is
 * SIGKILLed, the survivors recover, the victim is restarted as a new incarnation, and so on.
 * Everything is judged from the nodes' files: what was acknowledged (with which offset), what each
 * member handled and when, when each node saw the victim removed. Used by the cluster test suite (a
 * short loop, asserting the invariants) and by the benchmark's {@code cluster-failover} scenario
 * (the figures).
 *
 * <p>Victims alternate: the node hosting the group's coordinator first (the coordinator moves),
 * then a node that does not host it (only a member and partitions move), and so on.
 */
public final class FailoverLoop {
  private FailoverLoop() {}

  /**
   * What to run.
   *
   * @param kills how many nodes to kill, one after the other
   * @param ratePerNode records per second each node sends
   * @param steady how long the load runs undisturbed before each kill and after each restart
   */
  public record Settings(int kills, int ratePerNode, Duration steady) {}

  /**
   * One kill, as the survivors saw it.
   *
   * @param victimPort the killed node's port
   * @param coordinatorHost whether it hosted the group's coordinator
   * @param produceStallSeconds from the kill until every partition acknowledged a send again
   * @param consumeStallSeconds from the kill until every partition had a record handled again
   * @param downedSeconds from the kill until a survivor saw the victim removed from the cluster
   */
  public record Kill(
      int victimPort,
      boolean coordinatorHost,
      double produceStallSeconds,
      double consumeStallSeconds,
      double downedSeconds) {}

  /**
   * The loop's outcome.
   *
   * @param kills each kill
   * @param acked acknowledged sends
   * @param failedSends sends that failed
   * @param lost acknowledged values no member handled
   * @param logDuplicates values written at more than one offset
   * @param logConflicts offsets at which members handled different values
   * @param orderViolations keys whose values are not in send order in the log
   * @param unknownOffsets acknowledgements with a negative offset
   * @param wrongOffsets acknowledgements whose offset holds another value
   * @param overlaps times two members handled one partition during the same span
   * @param longestOverlapMillis the longest such span
   * @param survivorRedelivered records handled again although their first handler was alive
   * @param survivorRedeliverySpanMillis per partition and first handler, the longest span of such
   *     records' first handling (what a survivor's lost commit would have covered)
   * @param victimRedelivered records handled again because their first handler was killed
   * @param examples a few of the violations, for the failure message
   */
  public record Result(
      List<Kill> kills,
      int acked,
      int failedSends,
      int lost,
      int logDuplicates,
      int logConflicts,
      int orderViolations,
      int unknownOffsets,
      int wrongOffsets,
      int overlaps,
      double longestOverlapMillis,
      int survivorRedelivered,
      double survivorRedeliverySpanMillis,
      int victimRedelivered,
      List<String> examples) {

    /**
     * The figures on one line per kill plus totals.
     *
     * @return the summary
     */
    public String summary() {
      StringBuilder s = new StringBuilder();
      for (Kill k : kills) {
        s.append(
            String.format(
                "kill :%d%s: produce stall %.2f s, consume stall %.2f s, downed after %.2f s%n",
                k.victimPort(),
                k.coordinatorHost() ? " (coordinator host)" : "",
                k.produceStallSeconds(),
                k.consumeStallSeconds(),
                k.downedSeconds()));
      }
      s.append(
          String.format(
              "acked %d, failed %d, lost %d, log duplicates %d, conflicts %d, order violations %d,"
                  + " acks with unknown offset %d, wrong offset %d, overlaps %d (longest %.0f ms),"
                  + " survivor redelivered %d (span %.0f ms), victim redelivered %d",
              acked,
              failedSends,
              lost,
              logDuplicates,
              logConflicts,
              orderViolations,
              unknownOffsets,
              wrongOffsets,
              overlaps,
              longestOverlapMillis,
              survivorRedelivered,
              survivorRedeliverySpanMillis,
              victimRedelivered));
      if (!examples.isEmpty()) {
        s.append("\ne.g. ").append(examples);
      }
      return s.toString();
    }
  }

  private static final class Node {
    final String name;
    final int port;
    final Path dir;
    ForkedJvm jvm;
    long killedAtMicros = Long.MAX_VALUE;

    Node(String name, int port, Path dir) {
      this.name = name;
      this.port = port;
      this.dir = dir;
    }

    boolean alive() {
      return killedAtMicros == Long.MAX_VALUE;
    }
  }

  /**
   * Runs the loop on an empty database.
   *
   * @param jdbcUrl the database
   * @param workDir a directory for the nodes' files (left in place)
   * @param settings what to run
   * @return what happened
   * @throws Exception if a node does not start or the loop does not recover in time
   */
  public static Result run(String jdbcUrl, Path workDir, Settings settings) throws Exception {
    List<Node> nodes = new ArrayList<>();
    List<long[]> killTimes = new ArrayList<>(); // {killedAtMicros, port, coordinatorHost}
    try {
      int seed = LocalCluster.freePort();
      Node first = start(nodes, workDir, "n1", seed, List.of(seed), jdbcUrl, settings);
      first.jvm.awaitLine("READY"::equals, 90);
      List<Node> rest = new ArrayList<>();
      for (String name : List.of("n2", "n3")) {
        rest.add(
            start(nodes, workDir, name, LocalCluster.freePort(), List.of(seed), jdbcUrl, settings));
      }
      for (Node n : rest) {
        n.jvm.awaitLine("READY"::equals, 90);
      }
      awaitProgress(nodes, settings);
      for (int k = 0; k < settings.kills(); k++) {
        List<Node> live = live(nodes);
        if (k == 0) {
          awaitBalanced(live); // later victims are picked among the nodes that host partitions
        }
        boolean coordinatorHost = k % 2 == 0;
        // the victim must host partitions (a node that joined may not have any yet)
        await(
            Duration.ofSeconds(60),
            "a victim hosting partitions",
            () -> {
              Map<String, String> status = status(live);
              return port(
                      status.get("partitions." + pickVictim(live, status, coordinatorHost).port))
                  > 0;
            });
        Map<String, String> status = status(live);
        int coordinator = port(status.get("coordinator"));
        Node victim = pickVictim(live, status, coordinatorHost);
        long killedAt = FailoverNode.nowMicros();
        victim.jvm.kill();
        victim.killedAtMicros = killedAt;
        killTimes.add(new long[] {killedAt, victim.port, victim.port == coordinator ? 1 : 0});
        awaitRecovered(nodes, killedAt, victim.port);
        if (k == settings.kills() - 1) {
          break; // the last kill's recovery is measured; no need to restart the victim
        }
        List<Integer> seeds = live(nodes).stream().map(n -> n.port).toList();
        Node restarted =
            start(
                nodes,
                workDir,
                victim.name.replaceAll("\\..*", "") + "." + nodes.size(),
                LocalCluster.freePort(),
                seeds,
                jdbcUrl,
                settings);
        restarted.jvm.awaitLine("READY"::equals, 90);
        awaitProgress(nodes, settings);
      }
      for (Node n : live(nodes)) {
        Files.createFile(n.dir.resolve("stop"));
      }
      for (Node n : live(nodes)) {
        n.jvm.awaitLine("DONE"::equals, 90);
      }
      awaitAllHandled(nodes);
    } finally {
      for (Node n : nodes) {
        n.jvm.close();
      }
    }
    List<FailoverAnalysis.NodeFiles> files =
        nodes.stream()
            .map(n -> new FailoverAnalysis.NodeFiles(n.name, n.dir, n.killedAtMicros))
            .toList();
    return FailoverAnalysis.analyse(files, killTimes);
  }

  private static Node start(
      List<Node> nodes,
      Path workDir,
      String name,
      int port,
      List<Integer> seeds,
      String jdbcUrl,
      Settings settings)
      throws IOException {
    String fullName = name.contains(".") ? name : name + ".0";
    Path dir = Files.createDirectories(workDir.resolve(fullName));
    Node node = new Node(fullName, port, dir);
    node.jvm =
        ForkedJvm.start(
            FailoverNode.class,
            dir,
            "256m",
            fullName,
            Integer.toString(port),
            String.join(",", seeds.stream().map(String::valueOf).toList()),
            jdbcUrl,
            Integer.toString(settings.ratePerNode()));
    nodes.add(node);
    return node;
  }

  private static List<Node> live(List<Node> nodes) {
    return nodes.stream().filter(Node::alive).toList();
  }

  /** The coordinator's host, or the node hosting the most partitions among the others. */
  private static Node pickVictim(
      List<Node> live, Map<String, String> status, boolean coordinatorHost) {
    int coordinator = port(status.get("coordinator"));
    Node best = null;
    for (Node n : live) {
      if (coordinatorHost ? n.port == coordinator : n.port != coordinator) {
        if (best == null
            || port(status.get("partitions." + n.port))
                > port(status.get("partitions." + best.port))) {
          best = n;
        }
      }
    }
    return best == null ? live.get(live.size() - 1) : best;
  }

  /** The newest status a live node wrote: key to value. */
  private static Map<String, String> status(List<Node> live) {
    Map<String, String> status = new HashMap<>();
    for (Node n : live) {
      Path file = n.dir.resolve("status");
      if (Files.exists(file)) {
        try {
          for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
              status.put(line.substring(0, eq), line.substring(eq + 1).trim());
            }
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return status;
      }
    }
    return status;
  }

  private static int port(String value) {
    return value == null ? -1 : Integer.parseInt(value);
  }

  /**
   * Waits until every live node hosts at least half its share of the partitions: a failover is
   * measured on a cluster in its steady state, not on the first node while it still hosts
   * everything.
   */
  private static void awaitBalanced(List<Node> live) {
    int least = Math.max(1, FailoverNode.PARTITIONS / (2 * live.size()));
    await(
        Duration.ofSeconds(90),
        "partitions spread over the nodes",
        () -> {
          Map<String, String> status = status(live);
          return live.stream().allMatch(n -> port(status.get("partitions." + n.port)) >= least);
        });
  }

  /** Waits until the live nodes acknowledged and handled {@code steady}'s worth of records. */
  private static void awaitProgress(List<Node> nodes, Settings settings) {
    long target = settings.ratePerNode() * settings.steady().toMillis() / 1000;
    Map<Node, Long> ackStart = new HashMap<>();
    Map<Node, Long> handledStart = new HashMap<>();
    for (Node n : live(nodes)) {
      ackStart.put(n, size(n.dir.resolve("acks.log")));
      handledStart.put(n, size(n.dir.resolve("handled.log")));
    }
    await(
        Duration.ofSeconds(90),
        "progress of every live node",
        () ->
            live(nodes).stream()
                .allMatch(
                    n ->
                        lines(n.dir.resolve("acks.log"), ackStart.get(n)) >= target
                            && lines(n.dir.resolve("handled.log"), handledStart.get(n)) > 0));
  }

  /** Waits until every partition acknowledged and handled records after the kill again. */
  private static void awaitRecovered(List<Node> nodes, long killedAt, int victimPort) {
    await(
        Duration.ofSeconds(120),
        "recovery from the kill of :" + victimPort,
        () -> {
          Set<Integer> acked = new HashSet<>();
          Set<Integer> handled = new HashSet<>();
          boolean removed = false;
          for (Node n : live(nodes)) {
            for (String[] a : parse(n.dir.resolve("acks.log"), "A")) {
              if (Long.parseLong(a[4]) > killedAt) {
                acked.add(Integer.valueOf(a[1]));
              }
            }
            for (String[] h : parse(n.dir.resolve("handled.log"), "H")) {
              if (Long.parseLong(h[4]) > killedAt) {
                handled.add(Integer.valueOf(h[1]));
              }
            }
            for (String[] e : parse(n.dir.resolve("events.log"), "REMOVED")) {
              removed |= Integer.parseInt(e[1]) == victimPort;
            }
          }
          return removed
              && acked.size() == FailoverNode.PARTITIONS
              && handled.size() == FailoverNode.PARTITIONS;
        });
  }

  private static void awaitAllHandled(List<Node> nodes) {
    await(
        Duration.ofSeconds(90),
        "every acknowledged record handled",
        () -> {
          Set<String> handled = new HashSet<>();
          Set<String> acked = new HashSet<>();
          for (Node n : nodes) {
            parse(n.dir.resolve("handled.log"), "H").forEach(h -> handled.add(h[3]));
            parse(n.dir.resolve("acks.log"), "A").forEach(a -> acked.add(a[3]));
          }
          return handled.containsAll(acked);
        });
  }

  private static void await(Duration timeout, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no " + what + " within " + timeout);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
    }
  }

  private static List<String[]> parse(Path file, String kind) {
    return FailoverAnalysis.parse(file, kind);
  }

  private static long size(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Complete lines after byte {@code from}. */
  private static long lines(Path file, long from) {
    if (!Files.exists(file)) {
      return 0;
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      raf.seek(from);
      long count = 0;
      byte[] buffer = new byte[65536];
      int read;
      while ((read = raf.read(buffer)) > 0) {
        for (int i = 0; i < read; i++) {
          if (buffer[i] == '\n') {
            count++;
          }
        }
      }
      return count;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
