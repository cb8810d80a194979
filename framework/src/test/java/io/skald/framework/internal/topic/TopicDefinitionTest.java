package io.skald.framework.internal.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skald.framework.admin.BacklogLimit;
import io.skald.framework.admin.Compaction;
import io.skald.framework.admin.Retention;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.producer.RateLimit;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TopicDefinitionTest {

  @Test
  void aTopicSurvivesItsPersistedForm() {
    TopicSpec full =
        TopicSpec.of("prices", 4)
            .withRetention(Retention.forever().withMaxAge(Duration.ofDays(7)).withMaxRecords(10))
            .withBacklogLimit(new BacklogLimit(50, BacklogLimit.OverflowPolicy.DROP_OLDEST))
            .withCompaction(Compaction.latestPerKey())
            .withMaxRecordBytes(4096)
            .withRateLimit(
                RateLimit.recordsPerSecond(500)
                    .andBytesPerSecond(1 << 20)
                    .withBurst(Duration.ofMillis(200))
                    .whenExceeded(RateLimit.WhenExceeded.REFUSE));
    assertEquals(full, TopicDefinition.of(full).toSpec());
    TopicSpec plain = TopicSpec.of("orders", 1);
    assertEquals(plain, TopicDefinition.of(plain).toSpec());
    TopicSpec bytesOnly = plain.withRateLimit(RateLimit.bytesPerSecond(4096));
    assertEquals(bytesOnly, TopicDefinition.of(bytesOnly).toSpec());
  }

  @Test
  void aTopicPersistedWithoutRetentionKeepsItsRecordsForever() {
    // journals from before retention was mandatory hold none
    TopicDefinition old = new TopicDefinition("audit", 2, null, null, null, 0, null);
    assertEquals(Retention.forever(), old.toSpec().retention());
  }
}
