package io.skald.framework.internal.group;

import io.skald.framework.TopicPartition;
import io.skald.framework.consumer.PartitionAssignor;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * INTERNAL API: the {@code round-robin} strategy. All partitions of all topics, sorted by topic and
 * number, are dealt one by one to the members (sorted by id), skipping members not subscribed to
 * the partition's topic.
 */
public final class RoundRobinAssignor implements PartitionAssignor {

  /** Creates the assignor. */
  public RoundRobinAssignor() {}

  @Override
  public Map<String, Set<TopicPartition>> assign(
      List<Member> members, Map<String, Integer> partitionsPerTopic) {
    Map<String, Set<TopicPartition>> result = new HashMap<>();
    members.forEach(m -> result.put(m.memberId(), new HashSet<>()));
    if (members.isEmpty()) {
      return result;
    }
    int cursor = 0;
    for (Map.Entry<String, Integer> topic : new TreeMap<>(partitionsPerTopic).entrySet()) {
      if (members.stream().noneMatch(m -> m.topics().contains(topic.getKey()))) {
        continue;
      }
      for (int p = 0; p < topic.getValue(); p++) {
        while (!members.get(cursor % members.size()).topics().contains(topic.getKey())) {
          cursor++;
        }
        result
            .get(members.get(cursor % members.size()).memberId())
            .add(new TopicPartition(topic.getKey(), p));
        cursor++;
      }
    }
    return result;
  }
}
