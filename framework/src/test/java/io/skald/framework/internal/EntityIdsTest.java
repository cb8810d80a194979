package io.skald.framework.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.skald.framework.TopicPartition;
import org.junit.jupiter.api.Test;

class EntityIdsTest {

  @Test
  void anEntityIdIsTheTopicAndPartitionAsTheJournalsHoldThem() {
    TopicPartition tp = new TopicPartition("orders.v2_eu-1", 11);
    assertEquals("orders.v2_eu-1~11", EntityIds.of(tp)); // persisted: never change the format
    assertEquals(tp, EntityIds.topicPartition(EntityIds.of(tp)));
  }

  @Test
  void anIdThatIsNotAPartitionsIsRefusedWithItsValue() {
    for (String bad : new String[] {"orders", "~3", "orders~", "orders~x"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> EntityIds.topicPartition(bad));
      assertEquals(true, e.getMessage().contains("'" + bad + "'"), e.getMessage());
    }
  }
}
