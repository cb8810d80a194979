package io.skald.framework.internal.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import io.skald.framework.internal.serialization.NamedJsonSerializer;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The journal probe's event and snapshot are persisted under stable names; bytes written in the v1
 * format (built here by hand, not by the classes) read back as the records.
 */
class JournalProbeFormatTest {
  private static final ActorTestKit KIT = ActorTestKit.create();

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  @Test
  void theV1EventAndSnapshotReadBack() throws Exception {
    ObjectMapper cbor = new ObjectMapper(new CBORFactory());
    var serialization = SerializationExtension.get(KIT.system());
    assertEquals(
        new JournalProbe.Probed(1_764_000_000_000L),
        serialization
            .deserialize(
                cbor.writeValueAsBytes(Map.of("atMillis", 1_764_000_000_000L)),
                NamedJsonSerializer.IDENTIFIER,
                "health.journal-probed.v1")
            .get());
    assertEquals(
        new JournalProbe.ProbeState(7),
        serialization
            .deserialize(
                cbor.writeValueAsBytes(Map.of("writes", 7)),
                NamedJsonSerializer.IDENTIFIER,
                "health.journal-probe.v1")
            .get());
    for (Object value : new Object[] {new JournalProbe.Probed(5), new JournalProbe.ProbeState(3)}) {
      var serializer = serialization.findSerializerFor(value);
      assertEquals(NamedJsonSerializer.IDENTIFIER, serializer.identifier());
      assertEquals(
          value,
          serialization
              .deserialize(
                  serializer.toBinary(value),
                  serializer.identifier(),
                  Serializers.manifestFor(serializer, value))
              .get());
    }
  }
}
