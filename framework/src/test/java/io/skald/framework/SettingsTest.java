package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Acks;
import io.skald.framework.producer.ProducerSettings;
import org.junit.jupiter.api.Test;

/** Settings refuse an invalid combination whatever the order of the calls that built it. */
class SettingsTest {

  @Test
  void anIdempotentProducerWithoutDurableAcksIsRefusedInEitherOrder() {
    ProducerSettings<String, String> base = ProducerSettings.of(Codecs.string(), Codecs.string());
    IllegalArgumentException acksFirst =
        assertThrows(
            IllegalArgumentException.class, () -> base.withAcks(Acks.NONE).withIdempotence());
    IllegalArgumentException idempotenceFirst =
        assertThrows(
            IllegalArgumentException.class, () -> base.withIdempotence().withAcks(Acks.NONE));
    assertEquals(acksFirst.getMessage(), idempotenceFirst.getMessage());
    assertTrue(acksFirst.getMessage().contains("Acks.NONE"), acksFirst.getMessage());
    assertEquals(base.withIdempotence(), base.withAcks(Acks.DURABLE).withIdempotence());
  }

  @Test
  void durableProducersAreIdempotentUnlessToldOtherwise() {
    ProducerSettings<String, String> base = ProducerSettings.of(Codecs.string(), Codecs.string());
    assertTrue(base.idempotent(), "the default");
    assertTrue(base.withAcks(Acks.NONE).withAcks(Acks.DURABLE).idempotent());
    assertFalse(base.withAcks(Acks.NONE).idempotent(), "other acks modes make a plain producer");
    assertFalse(base.withoutIdempotence().idempotent());
    assertFalse(base.withoutIdempotence().withAcks(Acks.DURABLE).idempotent());
    assertTrue(base.withoutIdempotence().withIdempotence().idempotent());
  }

  @Test
  void prefetchAndParallelismGiveTheSameSpecInEitherOrder() {
    SubscriptionSpec<String, String> base =
        SubscriptionSpec.of("g", Codecs.string(), Codecs.string()).withTopics("t");
    SubscriptionSpec<String, String> prefetchFirst = base.withPrefetch(1000).withParallelism(600);
    SubscriptionSpec<String, String> parallelismFirst =
        base.withParallelism(600).withPrefetch(1000);
    assertEquals(prefetchFirst, parallelismFirst);
    assertEquals(600, parallelismFirst.validate().parallelism());
    // and the invalid combination is refused by validate(), in either order, naming both values
    for (SubscriptionSpec<String, String> invalid :
        java.util.List.of(
            base.withPrefetch(10).withParallelism(20), base.withParallelism(20).withPrefetch(10))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, invalid::validate);
      assertTrue(
          e.getMessage().contains("(20)") && e.getMessage().contains("(10)"), e.getMessage());
    }
  }

  @Test
  void eachSettingIsCheckedWhenItIsSet() {
    SubscriptionSpec<String, String> base =
        SubscriptionSpec.of("g", Codecs.string(), Codecs.string());
    assertThrows(IllegalArgumentException.class, () -> base.withPrefetch(0));
    assertThrows(IllegalArgumentException.class, () -> base.withParallelism(0));
    assertThrows(IllegalArgumentException.class, () -> base.withTopics());
    assertThrows(IllegalArgumentException.class, () -> base.withAssignor(" "));
    assertThrows(NullPointerException.class, () -> base.withRetryPolicy(null));
    IllegalArgumentException noTopic = assertThrows(IllegalArgumentException.class, base::validate);
    assertTrue(noTopic.getMessage().contains("names no topic"), noTopic.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> SubscriptionSpec.of("a".repeat(300), Codecs.string(), Codecs.string()));
  }
}
