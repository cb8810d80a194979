package io.skald.framework.internal.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProducerIdsTest {

  @Test
  void anEpochIsTheDecimalSuffixAfterTheLastHash() {
    assertEquals("producer-1", ProducerIds.withEpoch("producer-1", 0));
    assertEquals("producer-1#3", ProducerIds.withEpoch("producer-1", 3));
    for (String id : new String[] {"producer-1", "producer-1#3", "producer-1#123456789"}) {
      String base = ProducerIds.base(id);
      assertEquals(id, ProducerIds.withEpoch(base, ProducerIds.epoch(id)));
    }
    assertEquals(3, ProducerIds.epoch("producer-1#3"));
    assertEquals(0, ProducerIds.epoch("producer-1"));
    // not an epoch suffix: the whole string is the producer id, epoch 0
    for (String id : new String[] {"delay:t~0", "a#b", "a#", "#5", "a#1234567890", "a#-1"}) {
      assertEquals(id, ProducerIds.base(id), id);
      assertEquals(0, ProducerIds.epoch(id), id);
    }
    assertEquals("a#b", ProducerIds.base("a#b#2"));
  }

  @Test
  void epochsOfOneProducerAreTheSameProducer() {
    assertTrue(ProducerIds.sameProducer("p", "p#2"));
    assertTrue(ProducerIds.sameProducer("p#1", "p#2"));
    assertTrue(ProducerIds.sameProducer("p#1", "p#1"));
    assertFalse(ProducerIds.sameProducer("p", "q"));
    assertFalse(ProducerIds.sameProducer("p#1", "pp#1"));
    assertFalse(ProducerIds.sameProducer("p-1", "p"));
  }
}
