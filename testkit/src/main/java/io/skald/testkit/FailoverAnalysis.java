package io.skald.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Judges a {@link FailoverLoop} from the nodes' files alone: the log as the members read it, what
 * was acknowledged where, who handled which partition when, and what each kill cost.
 */
final class FailoverAnalysis {
  private static final long ACTIVITY_GAP_MICROS = 100_000;

  private FailoverAnalysis() {}

  /**
   * One node incarnation's files.
   *
   * @param name its name
   * @param dir its directory
   * @param killedAtMicros when it was killed (epoch micros), or {@code Long.MAX_VALUE}
   */
  record NodeFiles(String name, Path dir, long killedAtMicros) {}

  private record Handling(String member, int partition, long offset, String value, long micros) {}

  static FailoverLoop.Result analyse(List<NodeFiles> nodes, List<long[]> killTimes) {
    Map<String, long[]> ackedAt = new HashMap<>(); // value -> {partition, offset}
    int failed = 0;
    List<Handling> handlings = new ArrayList<>();
    Map<String, Long> killedAt = new HashMap<>();
    for (NodeFiles n : nodes) {
      killedAt.put(n.name(), n.killedAtMicros());
      for (String[] a : parse(n.dir().resolve("acks.log"), "A")) {
        ackedAt.put(a[3], new long[] {Long.parseLong(a[1]), Long.parseLong(a[2])});
      }
      failed += parse(n.dir().resolve("acks.log"), "F").size();
      for (String[] h : parse(n.dir().resolve("handled.log"), "H")) {
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
    List<FailoverLoop.Kill> kills = new ArrayList<>();
    for (long[] k : killTimes) {
      kills.add(kill(nodes, k[0], (int) k[1], k[2] == 1, handlings));
    }
    return new FailoverLoop.Result(
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

  private static FailoverLoop.Kill kill(
      List<NodeFiles> nodes,
      long killedAt,
      int victimPort,
      boolean coordinator,
      List<Handling> all) {
    Map<Integer, Long> firstAck = new HashMap<>();
    long removedAt = Long.MAX_VALUE;
    for (NodeFiles n : nodes) {
      if (n.killedAtMicros() <= killedAt) {
        continue; // dead by then
      }
      for (String[] a : parse(n.dir().resolve("acks.log"), "A")) {
        long at = Long.parseLong(a[4]);
        if (at > killedAt) {
          firstAck.merge(Integer.valueOf(a[1]), at, Math::min);
        }
      }
      for (String[] e : parse(n.dir().resolve("events.log"), "REMOVED")) {
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
    return new FailoverLoop.Kill(
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

  static List<String[]> parse(Path file, String kind) {
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
}
