package io.skald.framework.internal.share;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hand-out policy of a share-partition: priority first, aging against starvation. */
class ReadyQueueTest {

  private static List<Long> drain(ReadyQueue queue, long now) {
    List<Long> order = new ArrayList<>();
    for (long offset = queue.poll(now); offset >= 0; offset = queue.poll(now)) {
      order.add(offset);
    }
    return order;
  }

  @Test
  void withoutPrioritiesRecordsGoInOffsetOrder() {
    ReadyQueue queue = new ReadyQueue();
    queue.add(5, 9, 100); // a priority is ignored with one level
    queue.add(7, 0, 50);
    queue.add(3, 0, 100);
    assertEquals(List.of(3L, 5L, 7L), drain(queue, 200));
  }

  @Test
  void higherLevelsGoFirstAndPrioritiesAboveTheLevelsShareTheTop() {
    ReadyQueue queue = new ReadyQueue();
    queue.policy(3, 0);
    queue.add(1, 0, 0);
    queue.add(2, 1, 0);
    queue.add(3, 9, 10); // clamped to level 2, like priority 2
    queue.add(4, 2, 5);
    queue.add(5, 1, 0);
    assertEquals(List.of(4L, 3L, 2L, 5L, 1L), drain(queue, 1_000_000));
  }

  @Test
  void aWaitingRecordRisesOneLevelPerAgingStepAndThenBeatsNewerTopRecords() {
    ReadyQueue queue = new ReadyQueue();
    queue.policy(3, 1_000);
    queue.add(1, 0, 0); // waits from t=0
    queue.add(2, 2, 1_500);
    // at t=1 900 record 1 is at level 1: the top record goes first
    assertEquals(2L, queue.poll(1_900));
    queue.add(3, 2, 1_950);
    // at t=2 000 record 1 reached the top level and has waited longer than record 3
    assertEquals(1L, queue.poll(2_000));
    assertEquals(3L, queue.poll(2_000));
    assertEquals(-1L, queue.poll(2_000));
  }

  @Test
  void removedRecordsAreNotHandedOut() {
    ReadyQueue queue = new ReadyQueue();
    queue.policy(2, 0);
    queue.add(1, 1, 0);
    queue.add(2, 0, 0);
    queue.add(3, 1, 0);
    queue.remove(1);
    queue.removeBelow(3);
    queue.add(3, 1, 0); // already in: keeps its place
    assertEquals(1, queue.size());
    assertEquals(List.of(3L), drain(queue, 0));
  }
}
