package io.skald.framework.internal.group;

import io.skald.framework.TopicPartition;
import io.skald.framework.consumer.PartitionAssignor;
import io.skald.framework.internal.SkaldSettings;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** INTERNAL API: resolves assignor names to instances and checks what an assignor returned. */
public final class Assignors {
  private static final Map<String, PartitionAssignor> INSTANCES = new ConcurrentHashMap<>();

  private Assignors() {}

  public static PartitionAssignor resolve(String name, SkaldSettings settings) {
    String className = settings.assignors().get(name);
    if (className == null) {
      throw new IllegalArgumentException(
          "unknown assignor '"
              + name
              + "'; configured under skald.framework.consumer.assignors: "
              + settings.assignors().keySet());
    }
    return INSTANCES.computeIfAbsent(
        className,
        cn -> {
          try {
            return (PartitionAssignor) Class.forName(cn).getDeclaredConstructor().newInstance();
          } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalArgumentException(
                "assignor '" + name + "' class " + cn + " cannot be instantiated: " + e, e);
          }
        });
  }

  /** Throws if the assignment misses a partition, doubles one, or gives one to a non-subscriber. */
  static void check(
      Map<String, Set<TopicPartition>> assignment,
      java.util.List<PartitionAssignor.Member> members,
      Map<String, Integer> partitionsPerTopic) {
    Map<String, Set<String>> topicsOf = new java.util.HashMap<>();
    members.forEach(m -> topicsOf.put(m.memberId(), m.topics()));
    Set<TopicPartition> seen = new java.util.HashSet<>();
    for (Map.Entry<String, Set<TopicPartition>> e : assignment.entrySet()) {
      Set<String> topics = topicsOf.get(e.getKey());
      for (TopicPartition tp : e.getValue()) {
        if (topics == null || !topics.contains(tp.topic()) || !seen.add(tp)) {
          throw new IllegalStateException("invalid assignment of " + tp + " to " + e.getKey());
        }
      }
    }
    for (Map.Entry<String, Integer> topic : partitionsPerTopic.entrySet()) {
      boolean subscribed = members.stream().anyMatch(m -> m.topics().contains(topic.getKey()));
      for (int p = 0; subscribed && p < topic.getValue(); p++) {
        if (!seen.contains(new TopicPartition(topic.getKey(), p))) {
          throw new IllegalStateException(
              "assignment leaves " + topic.getKey() + "-" + p + " unowned");
        }
      }
    }
  }
}
