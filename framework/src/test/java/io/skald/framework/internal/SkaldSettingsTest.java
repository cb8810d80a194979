package io.skald.framework.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

/** Settings that would break a multi-node cluster fail at start, naming the keys. */
class SkaldSettingsTest {

  @Test
  void aClusterNodeNeedsARemoteFrameThatHoldsTheLargestRecordBatch() {
    // Pekko's default frame (256 KiB) is smaller than Skald's default fetch (1 MiB)
    IllegalArgumentException tooSmall =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SkaldSettings.from(
                    ConfigFactory.parseString("skald.framework.cluster.self-join = off")
                        .withFallback(ConfigFactory.load())));
    assertTrue(
        tooSmall.getMessage().contains("pekko.remote.artery.advanced.maximum-frame-size"),
        tooSmall.getMessage());
    assertTrue(tooSmall.getMessage().contains("partition.max-fetch-bytes"), tooSmall.getMessage());

    // fine with a larger frame, or with smaller batches and fetches
    assertDoesNotThrow(
        () ->
            SkaldSettings.from(
                ConfigFactory.parseString(
                        "skald.framework.cluster.self-join = off\n"
                            + "pekko.remote.artery.advanced.maximum-frame-size = 2 MiB")
                    .withFallback(ConfigFactory.load())));
    assertDoesNotThrow(
        () ->
            SkaldSettings.from(
                ConfigFactory.parseString(
                        "skald.framework.cluster.self-join = off\n"
                            + "skald.framework.partition.max-batch-bytes = 128 KiB\n"
                            + "skald.framework.partition.max-fetch-bytes = 128 KiB\n"
                            + "skald.framework.max-record-bytes = 100000\n"
                            + "skald.framework.producer.batch-max-bytes = 128 KiB")
                    .withFallback(ConfigFactory.load())));

    // a one-node cluster sends nothing over the wire: Pekko's default frame is fine
    assertDoesNotThrow(() -> SkaldSettings.from(ConfigFactory.load()));
  }
}
