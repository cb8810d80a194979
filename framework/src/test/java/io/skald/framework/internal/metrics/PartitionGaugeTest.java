package io.skald.framework.internal.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/**
 * A partition's gauge when two owners on one node hold it at once (a partition handed from one
 * member to another of the same node: the new owner starts before the old one has stopped).
 */
class PartitionGaugeTest {

  @Test
  void theGaugeFollowsTheLastOwnerAndStaysUntilEveryOwnerRemovedIt() {
    CompositeMeterRegistry composite = new CompositeMeterRegistry();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    composite.add(registry);
    SkaldMetrics metrics = new SkaldMetrics(composite);
    String[] tags = {"group", "g", "topic", "t", "partition", "0"};

    SkaldMetrics.PartitionGauge old = metrics.partitionGauge("skald.consumer.lag", "lag", tags);
    old.set(10);
    SkaldMetrics.PartitionGauge next = metrics.partitionGauge("skald.consumer.lag", "lag", tags);
    next.set(7);
    assertEquals(7.0, registry.get("skald.consumer.lag").gauge().value());

    // the old owner stops: the gauge stays, with the new owner's value
    old.remove();
    next.set(3);
    Gauge gauge = registry.find("skald.consumer.lag").gauge();
    assertEquals(3.0, gauge == null ? Double.NaN : gauge.value(), "still registered");

    next.remove();
    assertNull(registry.find("skald.consumer.lag").gauge(), "gone with its last owner");
    // and a later owner registers it afresh
    metrics.partitionGauge("skald.consumer.lag", "lag", tags).set(1);
    assertEquals(1.0, registry.get("skald.consumer.lag").gauge().value());
  }
}
