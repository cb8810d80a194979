package io.skald.framework.internal.share;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.internal.share.ShareProtocol.Held;
import io.skald.framework.internal.share.ShareProtocol.LocksExtended;
import io.skald.framework.internal.share.ShareProtocol.RecordsAcknowledged;
import io.skald.framework.internal.share.ShareProtocol.RecordsAcquired;
import io.skald.framework.internal.share.ShareProtocol.RecordsDeadLettered;
import io.skald.framework.internal.share.ShareProtocol.RecordsReleased;
import io.skald.framework.internal.share.ShareProtocol.ShareSnapshot;
import io.skald.framework.internal.share.ShareProtocol.ShareStarted;
import io.skald.framework.internal.share.ShareProtocol.StartMoved;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.Test;

/**
 * The durable state of a share-partition: how each event changes it, that a snapshot restores it,
 * and that the persisted formats stay readable (a fixture of every event and the snapshot as
 * written by the first version is read back on every build).
 */
class ShareStateTest {

  /** Written by version 1 of the format; regenerate only for a new name (never overwrite one). */
  private static final Path FIXTURE = Path.of("src/test/resources/persisted/share.v1.txt");

  @Test
  void eventsMoveTheStartAndKeepCountsLocksAndDelays() {
    ShareState state = new ShareState();
    state.apply(new ShareStarted(10));
    state.apply(new RecordsAcquired(new long[] {10, 11, 12}, "a", 1_000));
    assertEquals(1, state.deliveries.get(11L));
    assertEquals("a", state.liveLock(11, 999).memberId());
    assertNull(state.liveLock(11, 1_000), "a lock ends at its deadline");

    // acknowledging 11 does not move the start past the unsettled 10
    state.apply(new RecordsAcknowledged(new long[] {11}, 10));
    assertTrue(state.isSettled(11));
    assertFalse(state.isSettled(10));
    assertFalse(state.deliveries.containsKey(11L));

    state.apply(new RecordsReleased(new long[] {12}, 5_000));
    assertNull(state.locks.get(12L));
    assertEquals(5_000L, state.delayed.get(12L));
    state.apply(new RecordsAcquired(new long[] {12}, "b", 6_000));
    assertEquals(2, state.deliveries.get(12L), "each acquisition counts a delivery");
    assertFalse(state.delayed.containsKey(12L));
    state.apply(new LocksExtended(new long[] {12}, "b", 9_000));
    assertEquals(9_000, state.locks.get(12L).until());

    // settling 10 moves the start over 11 (settled) to 12
    state.apply(new RecordsAcknowledged(new long[] {10}, 12));
    assertEquals(12, state.start);
    assertEquals(List.of(), List.copyOf(state.settled), "settled offsets below the start go");
    state.apply(new RecordsDeadLettered(new long[] {12}, 13));
    assertEquals(13, state.start);
    assertTrue(state.deliveries.isEmpty() && state.locks.isEmpty());
    state.apply(new StartMoved(20));
    assertEquals(20, state.start);
    state.apply(new StartMoved(15));
    assertEquals(20, state.start, "the start never moves back");
  }

  @Test
  void aSnapshotRestoresTheState() {
    ShareState state = new ShareState();
    state.apply(new ShareStarted(0));
    state.apply(new RecordsAcquired(new long[] {0, 1, 2, 3}, "a", 1_000));
    state.apply(new RecordsAcknowledged(new long[] {2}, 0));
    state.apply(new RecordsReleased(new long[] {1}, 7_000));
    ShareState restored = ShareState.of(state.snapshot());
    assertEquals(state.start, restored.start);
    assertEquals(state.settled, restored.settled);
    assertEquals(state.deliveries, restored.deliveries);
    assertEquals(state.locks, restored.locks);
    assertEquals(state.delayed, restored.delayed);
  }

  /** One of each persisted type, as the fixture holds them. */
  private static List<Object> samples() {
    return List.of(
        new ShareStarted(42),
        new RecordsAcquired(new long[] {42, 43}, "workers-1", 1_700_000_000_000L),
        new RecordsAcknowledged(new long[] {43}, 42),
        new RecordsDeadLettered(new long[] {42}, 44),
        new RecordsReleased(new long[] {45}, 1_700_000_005_000L),
        new LocksExtended(new long[] {46}, "workers-2", 1_700_000_009_000L),
        new StartMoved(50),
        new ShareSnapshot(
            50,
            new long[] {52},
            List.of(
                new Held(51, 2, "workers-1", 1_700_000_000_000L, 0),
                new Held(53, 1, null, 0, 1_700_000_001_000L))));
  }

  @Test
  void theFormatsWrittenByVersionOneAreStillRead() throws IOException {
    ActorTestKit testKit = ActorTestKit.create("share-formats");
    try {
      Serialization serialization = SerializationExtension.get(testKit.system().classicSystem());
      if (Boolean.getBoolean("skald.fixtures.write") && !Files.exists(FIXTURE)) {
        List<String> lines = new ArrayList<>();
        for (Object sample : samples()) {
          Serializer serializer = serialization.findSerializerFor(sample);
          lines.add(
              Serializers.manifestFor(serializer, sample)
                  + " "
                  + Base64.getEncoder().encodeToString(serializer.toBinary(sample)));
        }
        Files.createDirectories(FIXTURE.getParent());
        Files.write(FIXTURE, lines, StandardCharsets.UTF_8);
      }
      Map<String, byte[]> written = new LinkedHashMap<>();
      for (String line : Files.readAllLines(FIXTURE, StandardCharsets.UTF_8)) {
        String[] parts = line.split(" ", 2);
        written.put(parts[0], Base64.getDecoder().decode(parts[1]));
      }
      for (Object sample : samples()) {
        Serializer serializer = serialization.findSerializerFor(sample);
        String manifest = Serializers.manifestFor(serializer, sample);
        assertTrue(manifest.startsWith("share."), "a stable name, not a class: " + manifest);
        byte[] old = written.get(manifest);
        assertTrue(old != null, "the fixture has " + manifest);
        Object read = serialization.deserialize(old, serializer.identifier(), manifest).get();
        assertEquals(describe(sample), describe(read), manifest);
      }
    } finally {
      testKit.shutdownTestKit();
    }
  }

  /** A record's components, arrays and nested records included, for comparison. */
  private static String describe(Object value) {
    if (value instanceof long[] array) {
      return Arrays.toString(array);
    }
    if (value instanceof List<?> list) {
      return list.stream().map(ShareStateTest::describe).toList().toString();
    }
    if (value instanceof Record record) {
      StringBuilder out = new StringBuilder(record.getClass().getSimpleName()).append('(');
      for (RecordComponent component : record.getClass().getRecordComponents()) {
        try {
          out.append(component.getName())
              .append('=')
              .append(describe(component.getAccessor().invoke(record)))
              .append(' ');
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      }
      return out.append(')').toString();
    }
    return String.valueOf(value);
  }
}
