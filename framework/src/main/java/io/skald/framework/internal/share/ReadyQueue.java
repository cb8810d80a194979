package io.skald.framework.internal.share;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * INTERNAL API: the records of a share-partition's window that may be handed out now, by priority
 * level, and the policy that picks the next one.
 *
 * <p><b>Policy.</b> Each record has a level ({@code 0} lowest; its priority, clamped to the
 * subscription's levels) and an <em>effective</em> level: its level plus one for every {@code
 * aging} it has been waiting, up to the top level. The next record is the head (lowest offset) of
 * the level whose head has the highest effective level; between equal effective levels, the one
 * that has waited longest. So a higher level goes first, and a record of any level competes with
 * the top level after {@code aging × (levels - 1)} and then wins over every record that arrived
 * after it: no level starves. Without aging it is strict priority; with one level, the record
 * waiting longest goes first (offset order, except for records given back).
 */
final class ReadyQueue {
  /** Records by their priority as sent (0 to {@link io.skald.framework.producer.Priority#MAX}). */
  private final java.util.List<TreeSet<Long>> levels = new java.util.ArrayList<>();

  private final Map<Long, Integer> levelOf = new HashMap<>();
  private final Map<Long, Long> readySince = new HashMap<>();
  private long agingMillis;
  private int configured = 1;

  ReadyQueue() {
    for (int i = 0; i <= io.skald.framework.producer.Priority.MAX; i++) {
      levels.add(new TreeSet<>());
    }
  }

  /**
   * The subscription's policy.
   *
   * @param priorityLevels its levels (1: priorities are ignored)
   * @param agingMillis the aging step; 0 or less for none
   */
  void policy(int priorityLevels, long agingMillis) {
    this.configured = Math.max(1, Math.min(levels.size(), priorityLevels));
    this.agingMillis = agingMillis;
  }

  int size() {
    return levelOf.size();
  }

  boolean isEmpty() {
    return levelOf.isEmpty();
  }

  /**
   * Adds a record (again) from {@code now}; a record already in keeps its place.
   *
   * @param offset the record
   * @param priority its priority as sent
   * @param now epoch millis
   */
  void add(long offset, int priority, long now) {
    if (levelOf.containsKey(offset)) {
      return;
    }
    int clamped = Math.max(0, Math.min(levels.size() - 1, priority));
    levelOf.put(offset, clamped);
    readySince.put(offset, now);
    levels.get(clamped).add(offset);
  }

  void remove(long offset) {
    Integer level = levelOf.remove(offset);
    if (level != null) {
      levels.get(level).remove(offset);
      readySince.remove(offset);
    }
  }

  /** Drops every record below an offset. */
  void removeBelow(long offset) {
    for (TreeSet<Long> level : levels) {
      for (Long dropped : level.headSet(offset)) {
        levelOf.remove(dropped);
        readySince.remove(dropped);
      }
      level.headSet(offset).clear();
    }
  }

  /** Without priorities: the lowest offset of all. */
  private long pollLowest() {
    TreeSet<Long> lowest = null;
    for (TreeSet<Long> level : levels) {
      if (!level.isEmpty() && (lowest == null || level.first() < lowest.first())) {
        lowest = level;
      }
    }
    if (lowest == null) {
      return -1;
    }
    long offset = lowest.pollFirst();
    levelOf.remove(offset);
    readySince.remove(offset);
    return offset;
  }

  /**
   * Takes the next record by the policy.
   *
   * @param now epoch millis
   * @return its offset, or -1 when empty
   */
  long poll(long now) {
    int best = -1;
    long bestEffective = -1;
    long bestSince = Long.MAX_VALUE;
    if (configured == 1) {
      return pollLowest();
    }
    int top = configured - 1;
    for (int level = levels.size() - 1; level >= 0; level--) {
      if (levels.get(level).isEmpty()) {
        continue;
      }
      long head = levels.get(level).first();
      long since = readySince.get(head);
      int base = Math.min(level, top);
      long effective =
          agingMillis > 0 ? Math.min(top, base + Math.max(0, now - since) / agingMillis) : base;
      if (effective > bestEffective
          || (effective == bestEffective && since < bestSince)
          || (effective == bestEffective
              && since == bestSince
              && head < levels.get(best).first())) {
        best = level;
        bestEffective = effective;
        bestSince = since;
      }
    }
    if (best < 0) {
      return -1;
    }
    long offset = levels.get(best).pollFirst();
    levelOf.remove(offset);
    readySince.remove(offset);
    return offset;
  }
}
