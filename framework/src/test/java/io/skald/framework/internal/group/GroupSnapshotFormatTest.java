package io.skald.framework.internal.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import io.skald.framework.internal.serialization.NamedJsonSerializer;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The group coordinator's snapshot gained {@code deleted} with group deletion: snapshots written
 * before it (the same name, {@code group.snapshot.v1}, without the field) still read, as not
 * deleted.
 */
class GroupSnapshotFormatTest {
  private static final ActorTestKit KIT = ActorTestKit.create();

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  @Test
  void aSnapshotWrittenBeforeGroupDeletionReadsAsNotDeleted() throws Exception {
    // the CBOR the earlier version wrote for Snapshot(generation, offsets)
    byte[] old =
        new ObjectMapper(new CBORFactory())
            .writeValueAsBytes(
                Map.of(
                    "generation",
                    7,
                    "offsets",
                    List.of(Map.of("topic", "orders", "partition", 1, "offset", 42))));
    var serialization = SerializationExtension.get(KIT.system());
    GroupProtocol.Snapshot read =
        (GroupProtocol.Snapshot)
            serialization
                .deserialize(old, NamedJsonSerializer.IDENTIFIER, "group.snapshot.v1")
                .get();
    assertEquals(7, read.generation());
    assertEquals(List.of(new CommittedOffset("orders", 1, 42)), read.offsets());
    assertFalse(read.deleted());

    // and today's form round-trips under the same name
    GroupProtocol.Snapshot now = new GroupProtocol.Snapshot(8, List.of(), true);
    var serializer = serialization.findSerializerFor(now);
    assertEquals(NamedJsonSerializer.IDENTIFIER, serializer.identifier());
    assertEquals("group.snapshot.v1", Serializers.manifestFor(serializer, now));
    GroupProtocol.Snapshot back =
        (GroupProtocol.Snapshot)
            serialization
                .deserialize(
                    serialization.serialize(now).get(),
                    NamedJsonSerializer.IDENTIFIER,
                    "group.snapshot.v1")
                .get();
    assertTrue(back.deleted());
    assertEquals(8, back.generation());
  }
}
