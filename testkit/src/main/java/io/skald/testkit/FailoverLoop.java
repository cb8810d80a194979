package io.skald.testkit;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
  private static final long ACTIVITY_GAP_MICROS = 100_000;

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
        int coordinator = coordinatorPort(live);
        Node victim = pickVictim(live, coordinator, k % 2 == 0);
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
    return analyse(nodes, killTimes);
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

  private static Node pickVictim(List<Node> live, int coordinatorPort, boolean coordinatorHost) {
    for (Node n : live) {
      if ((n.port == coordinatorPort) == coordinatorHost) {
        return n;
      }
    }
    return live.get(live.size() - 1);
  }

  private static int coordinatorPort(List<Node> live) throws IOException {
    for (Node n : live) {
      Path status = n.dir.resolve("status");
      if (Files.exists(status)) {
        String line = Files.readString(status).trim();
        return Integer.parseInt(line.substring(line.indexOf('=') + 1));
      }
    }
    return -1;
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

  private record Handling(String member, int partition, long offset, String value, long micros) {}

  private static Result analyse(List<Node> nodes, List<long[]> killTimes) {
    Map<String, long[]> ackedAt = new HashMap<>(); // value -> {partition, offset}
    int failed = 0;
    List<Handling> handlings = new ArrayList<>();
    Map<String, Long> killedAt = new HashMap<>();
    for (Node n : nodes) {
      killedAt.put(n.name, n.killedAtMicros);
      for (String[] a : parse(n.dir.resolve("acks.log"), "A")) {
        ackedAt.put(a[3], new long[] {Long.parseLong(a[1]), Long.parseLong(a[2])});
      }
      failed += parse(n.dir.resolve("acks.log"), "F").size();
      for (String[] h : parse(n.dir.resolve("handled.log"), "H")) {
        handlings.add(
            new Handling(
                n.name, Integer.parseInt(h[1]), Long.parseLong(h[2]), h[3], Long.parseLong(h[4])));
      }
    }
    List<String> examples = new ArrayList<>();
    // The log as the members read it: offset -> value, and value -> offsets.
    Map<String, String> log = new HashMap<>();
    Map<String, Set<String>> positions = new HashMap<>();
    int conflicts = 0;
    for (Handling h : handlings) {
      String at = h.partition() + "@" + h.offset();
      String previous = log.putIfAbsent(at, h.value());
      if (previous != null && !previous.equals(h.value())) {
        conflicts++;
        example(examples, at + " holds " + previous + " and " + h.value());
      }
      positions.computeIfAbsent(h.value(), v -> new HashSet<>()).add(at);
    }
    int duplicates = 0;
    for (Map.Entry<String, Set<String>> e : positions.entrySet()) {
      if (e.getValue().size() > 1) {
        duplicates++;
        example(examples, e.getKey() + " written at " + e.getValue());
      }
    }
    int lost = 0;
    int unknown = 0;
    int wrong = 0;
    for (Map.Entry<String, long[]> e : ackedAt.entrySet()) {
      long[] pos = e.getValue();
      if (!positions.containsKey(e.getKey())) {
        lost++;
        example(examples, "lost " + e.getKey());
      }
      if (pos[1] < 0) {
        unknown++;
        example(examples, e.getKey() + " acked with offset " + pos[1]);
      } else {
        String there = log.get(pos[0] + "@" + pos[1]);
        if (there != null && !there.equals(e.getKey())) {
          wrong++;
          example(
              examples, e.getKey() + " acked at " + pos[0] + "@" + pos[1] + " holding " + there);
        }
      }
    }
    int order = orderViolations(log, examples);
    double[] overlap = overlaps(handlings, examples);
    double[] redelivery = redeliveries(handlings, killedAt);
    List<Kill> kills = new ArrayList<>();
    for (long[] k : killTimes) {
      kills.add(kill(nodes, k[0], (int) k[1], k[2] == 1, handlings));
    }
    return new Result(
        kills,
        ackedAt.size(),
        failed,
        lost,
        duplicates,
        conflicts,
        order,
        unknown,
        wrong,
        (int) overlap[0],
        overlap[1],
        (int) redelivery[0],
        redelivery[1],
        (int) redelivery[2],
        List.copyOf(examples));
  }

  /** Per key, the sequences in offset order must grow (each partition's log keeps send order). */
  private static int orderViolations(Map<String, String> log, List<String> examples) {
    Map<String, TreeMap<Long, Long>> byKey = new HashMap<>();
    log.forEach(
        (at, value) -> {
          int colon = value.lastIndexOf(':');
          byKey
              .computeIfAbsent(value.substring(0, colon), k -> new TreeMap<>())
              .put(
                  Long.parseLong(at.substring(at.indexOf('@') + 1)),
                  Long.parseLong(value.substring(colon + 1)));
        });
    int violations = 0;
    for (Map.Entry<String, TreeMap<Long, Long>> e : byKey.entrySet()) {
      long last = -1;
      for (long sequence : e.getValue().values()) {
        if (sequence < last) {
          violations++;
          example(examples, e.getKey() + ":" + sequence + " after " + e.getKey() + ":" + last);
        }
        last = sequence;
      }
    }
    return violations;
  }

  /**
   * Per partition and member, the spans in which the member handled the partition (records at most
   * 100 ms apart); two members' spans of one partition must not intersect.
   *
   * @return {count, longest in ms}
   */
  private static double[] overlaps(List<Handling> handlings, List<String> examples) {
    Map<Integer, Map<String, List<long[]>>> spans = new TreeMap<>();
    Map<String, List<Handling>> byMemberPartition = new HashMap<>();
    for (Handling h : handlings) {
      byMemberPartition
          .computeIfAbsent(h.member() + "/" + h.partition(), k -> new ArrayList<>())
          .add(h);
    }
    byMemberPartition.forEach(
        (key, list) -> {
          list.sort(Comparator.comparingLong(Handling::micros));
          List<long[]> memberSpans = new ArrayList<>();
          long[] current = null;
          for (Handling h : list) {
            if (current == null || h.micros() - current[1] > ACTIVITY_GAP_MICROS) {
              current = new long[] {h.micros(), h.micros()};
              memberSpans.add(current);
            } else {
              current[1] = h.micros();
            }
          }
          spans
              .computeIfAbsent(list.get(0).partition(), p -> new TreeMap<>())
              .put(list.get(0).member(), memberSpans);
        });
    int count = 0;
    double longest = 0;
    for (Map.Entry<Integer, Map<String, List<long[]>>> p : spans.entrySet()) {
      List<String> members = new ArrayList<>(p.getValue().keySet());
      for (int i = 0; i < members.size(); i++) {
        for (int j = i + 1; j < members.size(); j++) {
          for (long[] a : p.getValue().get(members.get(i))) {
            for (long[] b : p.getValue().get(members.get(j))) {
              long from = Math.max(a[0], b[0]);
              long to = Math.min(a[1], b[1]);
              if (from < to) {
                count++;
                longest = Math.max(longest, (to - from) / 1000.0);
                example(
                    examples,
                    "partition "
                        + p.getKey()
                        + " handled by "
                        + members.get(i)
                        + " and "
                        + members.get(j)
                        + " for "
                        + (to - from) / 1000
                        + " ms");
              }
            }
          }
        }
      }
    }
    return new double[] {count, longest};
  }

  /**
   * Records handled more than once, split by whether the first handler was still alive when the
   * record was handled again.
   *
   * @return {survivor count, survivor span in ms, victim count}
   */
  private static double[] redeliveries(List<Handling> handlings, Map<String, Long> killedAt) {
    Map<String, List<Handling>> byRecord = new HashMap<>();
    for (Handling h : handlings) {
      byRecord.computeIfAbsent(h.partition() + "@" + h.offset(), k -> new ArrayList<>()).add(h);
    }
    int survivor = 0;
    int victim = 0;
    Map<String, long[]> spans = new HashMap<>(); // partition/first member -> {min, max}
    for (List<Handling> list : byRecord.values()) {
      if (list.size() < 2) {
        continue;
      }
      list.sort(Comparator.comparingLong(Handling::micros));
      Handling first = list.get(0);
      for (Handling again : list.subList(1, list.size())) {
        if (killedAt.get(first.member()) < again.micros()) {
          victim++;
        } else {
          survivor++;
          spans.merge(
              first.partition() + "/" + first.member(),
              new long[] {first.micros(), first.micros()},
              (x, y) -> new long[] {Math.min(x[0], y[0]), Math.max(x[1], y[1])});
        }
      }
    }
    double span = spans.values().stream().mapToLong(s -> s[1] - s[0]).max().orElse(0) / 1000.0;
    return new double[] {survivor, span, victim};
  }

  private static Kill kill(
      List<Node> nodes, long killedAt, int victimPort, boolean coordinator, List<Handling> all) {
    Map<Integer, Long> firstAck = new HashMap<>();
    long removedAt = Long.MAX_VALUE;
    for (Node n : nodes) {
      if (n.killedAtMicros <= killedAt) {
        continue; // dead by then
      }
      for (String[] a : parse(n.dir.resolve("acks.log"), "A")) {
        long at = Long.parseLong(a[4]);
        if (at > killedAt) {
          firstAck.merge(Integer.valueOf(a[1]), at, Math::min);
        }
      }
      for (String[] e : parse(n.dir.resolve("events.log"), "REMOVED")) {
        long at = Long.parseLong(e[2]);
        if (Integer.parseInt(e[1]) == victimPort && at > killedAt) {
          removedAt = Math.min(removedAt, at);
        }
      }
    }
    Map<Integer, Long> firstHandled = new HashMap<>();
    for (Handling h : all) {
      if (h.micros() > killedAt) {
        firstHandled.merge(h.partition(), h.micros(), Math::min);
      }
    }
    return new Kill(
        victimPort,
        coordinator,
        (firstAck.values().stream().mapToLong(Long::longValue).max().orElse(killedAt) - killedAt)
            / 1e6,
        (firstHandled.values().stream().mapToLong(Long::longValue).max().orElse(killedAt)
                - killedAt)
            / 1e6,
        (removedAt - killedAt) / 1e6);
  }

  private static void example(List<String> examples, String example) {
    if (examples.size() < 10) {
      examples.add(example);
    }
  }

  private static List<String[]> parse(Path file, String kind) {
    List<String[]> rows = new ArrayList<>();
    if (!Files.exists(file)) {
      return rows;
    }
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String[] row = line.split(" ");
        // a line being written may be read in part: only complete rows count
        if (row[0].equals(kind)
            && row.length >= (kind.equals("F") ? 2 : kind.equals("REMOVED") ? 3 : 5)) {
          rows.add(row);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
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
