package io.skald.framework.internal.group;

import io.skald.framework.TopicPartition;
import io.skald.framework.consumer.PartitionAssignor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * INTERNAL API: the {@code range} strategy. Per topic, the subscribed members (sorted by id) get
 * contiguous ranges of partitions; the first {@code partitions % members} get one extra.
 */
public final class RangeAssignor implements PartitionAssignor {

  /** Creates the assignor. */
  public RangeAssignor() {}

  @Override
  public Map<String, Set<TopicPartition>> assign(
      List<Member> members, Map<String, Integer> partitionsPerTopic) {
    Map<String, Set<TopicPartition>> result = new HashMap<>();
    members.forEach(m -> result.put(m.memberId(), new HashSet<>()));
    for (Map.Entry<String, Integer> topic : new TreeMap<>(partitionsPerTopic).entrySet()) {
      List<String> subscribers = new ArrayList<>();
      for (Member m : members) {
        if (m.topics().contains(topic.getKey())) {
          subscribers.add(m.memberId());
        }
      }
      if (subscribers.isEmpty()) {
        continue;
      }
      int partitions = topic.getValue();
      int each = partitions / subscribers.size();
      int extra = partitions % subscribers.size();
      int next = 0;
      for (int i = 0; i < subscribers.size(); i++) {
        int count = each + (i < extra ? 1 : 0);
        for (int p = next; p < next + count; p++) {
          result.get(subscribers.get(i)).add(new TopicPartition(topic.getKey(), p));
        }
        next += count;
      }
    }
    return result;
  }
}
