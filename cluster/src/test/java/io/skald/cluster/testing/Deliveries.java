package io.skald.cluster.testing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every consumer of a cluster test handled, per member and key, in the order its handler was
 * called. Values are {@code key:sequence} with sequences counting up per key from 0.
 */
public final class Deliveries {
  private final Map<String, List<String>> byMember = new ConcurrentHashMap<>();
  private final Set<String> distinct = ConcurrentHashMap.newKeySet();

  /**
   * Records a delivery.
   *
   * @param member the member (or node) that handled it
   * @param value the record's value, {@code key:sequence}
   */
  public void add(String member, String value) {
    List<String> list = byMember.computeIfAbsent(member, m -> new ArrayList<>());
    synchronized (list) {
      list.add(value);
    }
    distinct.add(value);
  }

  /**
   * Starts a member of {@code group} on {@code node} that records every string value it handles.
   *
   * @param node the node
   * @param group the consumer group
   * @param topic the topic
   * @param member the name its deliveries are recorded under
   * @return the running member
   */
  public io.skald.framework.consumer.Subscription subscribe(
      io.skald.framework.Skald node, String group, String topic, String member) {
    return node.subscribe(
        io.skald.framework.consumer.SubscriptionSpec.of(
                group, io.skald.framework.Codecs.string(), io.skald.framework.Codecs.string())
            .withTopics(topic),
        record -> {
          add(member, record.value());
          return java.util.concurrent.CompletableFuture.completedFuture(null);
        });
  }

  /**
   * Records the deliveries of a member read back from elsewhere (e.g. a killed node's file).
   *
   * @param member the member
   * @param values its deliveries in order
   */
  public void addAll(String member, List<String> values) {
    values.forEach(v -> add(member, v));
  }

  /**
   * The values among {@code expected} nobody handled.
   *
   * @param expected the values that must have been handled
   * @return the missing ones
   */
  public Set<String> missing(Collection<String> expected) {
    Set<String> missing = new HashSet<>(expected);
    missing.removeAll(distinct);
    return missing;
  }

  /**
   * A short account of the values among {@code expected} nobody handled.
   *
   * @param expected the values that must have been handled
   * @return empty if none is missing, else how many and the first few
   */
  public String describeMissing(Collection<String> expected) {
    Set<String> missing = missing(expected);
    if (missing.isEmpty()) {
      return "";
    }
    return missing.size()
        + " of "
        + expected.size()
        + " not handled, e.g. "
        + missing.stream().sorted().limit(10).toList();
  }

  /**
   * How many distinct values were handled.
   *
   * @return the count
   */
  public int distinctCount() {
    return distinct.size();
  }

  /**
   * The members that handled something, with their delivery counts.
   *
   * @return member to number of deliveries
   */
  public Map<String, Integer> counts() {
    Map<String, Integer> counts = new HashMap<>();
    byMember.forEach(
        (member, list) -> {
          synchronized (list) {
            counts.put(member, list.size());
          }
        });
    return counts;
  }

  /**
   * Per-key order: for each member and key, the sequences it handled for the first time must grow.
   * Redeliveries (a sequence it or another member handled before, after a failover) are allowed;
   * handling sequence 7 of a key before its sequence 6 is not.
   *
   * @return the violations, empty if none
   */
  public List<String> orderViolations() {
    List<String> violations = new ArrayList<>();
    byMember.forEach(
        (member, list) -> {
          Map<String, Long> lastNew = new HashMap<>();
          Set<String> seen = new HashSet<>();
          synchronized (list) {
            for (String value : list) {
              if (!seen.add(value)) {
                continue;
              }
              int colon = value.lastIndexOf(':');
              String key = value.substring(0, colon);
              long sequence = Long.parseLong(value.substring(colon + 1));
              Long previous = lastNew.put(key, sequence);
              if (previous != null && sequence < previous) {
                violations.add(member + " handled " + value + " after " + key + ":" + previous);
              }
            }
          }
        });
    return violations;
  }
}
