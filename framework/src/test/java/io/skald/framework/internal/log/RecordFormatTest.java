package io.skald.framework.internal.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

class RecordFormatTest {

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void recordsRoundTripWithNullKeysEmptyValuesAndHeaders() {
    // given
    RecordFormat.Writer writer = new RecordFormat.Writer(4);
    writer.writeRecord(utf8("k1"), utf8("value one"), Map.of());
    writer.writeRecord(null, new byte[0], Map.of("trace", "abc", "ünï", "çødé"));
    writer.writeRecord(utf8(""), new byte[300], Map.of());

    // when
    List<RecordFormat.Decoded> records =
        RecordFormat.decode(new RecordBatch(40, 1234L, 3, writer.toByteArray()));

    // then
    assertEquals(3, records.size());
    assertEquals(40, records.get(0).offset());
    assertEquals(1234L, records.get(0).timestamp());
    assertArrayEquals(utf8("k1"), records.get(0).key());
    assertArrayEquals(utf8("value one"), records.get(0).value());
    assertNull(records.get(1).key());
    assertEquals(0, records.get(1).value().length);
    assertEquals(Map.of("trace", "abc", "ünï", "çødé"), records.get(1).headers());
    assertEquals(42, records.get(2).offset());
    assertEquals(0, records.get(2).key().length);
    assertEquals(300, records.get(2).value().length);
  }

  @Test
  void aWindowOfABatchIsDecodedBySkippingTheRecordsBeforeIt() {
    RecordFormat.Writer writer = new RecordFormat.Writer(16);
    for (int i = 0; i < 10; i++) {
      writer.writeRecord(
          i % 2 == 0 ? null : utf8("k" + i), utf8("v" + i), i == 3 ? Map.of("h", "x") : Map.of());
    }
    RecordBatch batch = new RecordBatch(100, 1, 10, writer.toByteArray());
    List<RecordFormat.Decoded> window = RecordFormat.decode(batch, 103, 4);
    assertEquals(4, window.size());
    assertEquals(103, window.get(0).offset());
    assertArrayEquals(utf8("v3"), window.get(0).value());
    assertEquals(Map.of("h", "x"), window.get(0).headers());
    assertEquals(106, window.get(3).offset());
    assertArrayEquals(utf8("v6"), window.get(3).value());
    assertEquals(1, RecordFormat.decode(batch, 109, 50).size());
    assertEquals(0, RecordFormat.decode(batch, 110, 50).size());
    assertEquals(10, RecordFormat.decode(batch, 0, 50).size());
  }

  @Test
  void concatenatedPayloadsFormOneBatch() {
    RecordFormat.Writer a = new RecordFormat.Writer(16);
    a.writeRecord(utf8("a"), utf8("1"), Map.of());
    RecordFormat.Writer b = new RecordFormat.Writer(16);
    b.writeRecord(utf8("b"), utf8("2"), Map.of());
    b.writeRecord(utf8("c"), utf8("3"), Map.of());
    byte[] joined = new byte[a.size() + b.size()];
    System.arraycopy(a.toByteArray(), 0, joined, 0, a.size());
    System.arraycopy(b.toByteArray(), 0, joined, a.size(), b.size());
    List<RecordFormat.Decoded> records = RecordFormat.decode(new RecordBatch(0, 1, 3, joined));
    assertArrayEquals(utf8("3"), records.get(2).value());
  }

  @Test
  void aTruncatedOrPaddedPayloadIsDetected() {
    RecordFormat.Writer writer = new RecordFormat.Writer(16);
    writer.writeRecord(utf8("key"), utf8("value"), Map.of());
    byte[] bytes = writer.toByteArray();
    assertThrows(
        IllegalStateException.class,
        () ->
            RecordFormat.decode(new RecordBatch(0, 1, 1, Arrays.copyOf(bytes, bytes.length - 2))));
    assertThrows(
        IllegalStateException.class,
        () ->
            RecordFormat.decode(new RecordBatch(0, 1, 1, Arrays.copyOf(bytes, bytes.length + 1))));
  }

  @Test
  void encodedSizeIsTheExactLayoutSize() {
    // ASCII, two- and three-byte characters, a surrogate pair, long lengths (2-byte varints), no
    // key, a tombstone: the size producers reserve and limits compare is what the log will hold
    List<Map<String, String>> headerSets =
        List.of(
            Map.of(),
            Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
            Map.of("h", "ü".repeat(10), "€", "x"),
            Map.of("emoji", "\uD83D\uDE00 ok", "long", "y".repeat(300)));
    for (Map<String, String> headers : headerSets) {
      for (byte[] key : new byte[][] {null, utf8("key"), new byte[200]}) {
        for (byte[] value : new byte[][] {null, new byte[0], new byte[1000]}) {
          RecordFormat.Writer writer = new RecordFormat.Writer(16);
          writer.writeRecord(key, value, headers);
          assertEquals(
              writer.size(), RecordFormat.encodedSize(key, value, headers), headers.toString());
        }
      }
    }
  }

  @Test
  void batchesAndSnapshotsSurvivePekkoSerialization() {
    org.apache.pekko.actor.typed.ActorSystem<Void> system =
        org.apache.pekko.actor.typed.ActorSystem.create(Behaviors.empty(), "serialization");
    try {
      org.apache.pekko.serialization.Serialization serialization =
          org.apache.pekko.serialization.SerializationExtension.get(system);
      RecordBatch batch =
          new RecordBatch(
              7,
              99,
              2,
              new byte[] {1, 2, 3},
              List.of(new RecordBatch.ProducerSegment("p-ü", 10, 11, 7)));
      byte[] bytes = serialization.serialize(batch).get();
      String manifest =
          org.apache.pekko.serialization.Serializers.manifestFor(
              serialization.findSerializerFor(batch), batch);
      RecordBatch back =
          (RecordBatch)
              serialization
                  .deserialize(bytes, serialization.findSerializerFor(batch).identifier(), manifest)
                  .get();
      assertEquals(7, back.baseOffset());
      assertEquals(99, back.timestamp());
      assertEquals(2, back.count());
      assertArrayEquals(new byte[] {1, 2, 3}, back.payload());
      assertEquals(batch.producers(), back.producers());

      PartitionSnapshot snapshot =
          new PartitionSnapshot(
              10,
              0,
              5,
              3,
              new long[] {0, 4},
              new long[] {1, 2},
              new long[] {5, 5},
              List.of(new PartitionSnapshot.ProducerEntry("p-1", 4, 6, 8, 5)),
              1234,
              new long[] {0, 700},
              new PartitionSnapshot.CompactionState(
                  9, 41, 3, new long[] {0, 5}, new long[] {40, 41}));
      byte[] snapBytes = serialization.serialize(snapshot).get();
      PartitionSnapshot snapBack =
          (PartitionSnapshot)
              serialization
                  .deserialize(
                      snapBytes,
                      serialization.findSerializerFor(snapshot).identifier(),
                      SkaldSerializer.SNAPSHOT_V4)
                  .get();
      assertEquals(10, snapBack.nextOffset());
      assertArrayEquals(new long[] {0, 4}, snapBack.indexOffsets());
      assertArrayEquals(new long[] {1, 2}, snapBack.indexSeqNrs());
      assertEquals(snapshot.producers(), snapBack.producers());
      assertEquals(1234, snapBack.totalBytes());
      assertArrayEquals(new long[] {0, 700}, snapBack.indexBytes());
      assertEquals(9, snapBack.compaction().end());
      assertEquals(41, snapBack.compaction().deleteUpToSeqNr());
      assertEquals(3, snapBack.compaction().records());
      assertArrayEquals(new long[] {0, 5}, snapBack.compaction().chunkOffsets());
      assertArrayEquals(new long[] {40, 41}, snapBack.compaction().chunkSeqNrs());

      RecordFormat.Writer writer = new RecordFormat.Writer(64);
      writer.writeRecord(utf8("a"), utf8("1"), Map.of());
      writer.writeRecord(utf8("b"), null, Map.of());
      RecordBatch compacted =
          new RecordBatch(
              3,
              0,
              2,
              writer.toByteArray(),
              List.of(),
              new RecordBatch.Compacted(20, 0, 1, 17, new long[] {3, 11}, new long[] {100, 200}));
      String compactedManifest =
          org.apache.pekko.serialization.Serializers.manifestFor(
              serialization.findSerializerFor(compacted), compacted);
      assertEquals(SkaldSerializer.COMPACTED_V1, compactedManifest);
      RecordBatch compactedBack =
          (RecordBatch)
              serialization
                  .deserialize(
                      serialization.serialize(compacted).get(),
                      serialization.findSerializerFor(compacted).identifier(),
                      compactedManifest)
                  .get();
      assertEquals(20, compactedBack.endOffset());
      assertEquals(11, compactedBack.lastOffset());
      assertEquals(17, compactedBack.compacted().deleteUpToSeqNr());
      List<RecordFormat.Decoded> decoded = RecordFormat.decode(compactedBack, 4, 10);
      assertEquals(1, decoded.size());
      assertEquals(11, decoded.get(0).offset());
      assertEquals(200, decoded.get(0).timestamp());
      assertEquals(null, decoded.get(0).value(), "a tombstone decodes to a null value");
      assertEquals(2, RecordFormat.decode(compactedBack).size());
    } finally {
      system.terminate();
    }
  }

  private static final String PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  @Test
  void anAppendsTraceContextIsStoredOnceAndReadIntoItsRecordsWithoutOne() {
    RecordFormat.Writer writer = new RecordFormat.Writer(64);
    writer.writeRecord(utf8("a"), utf8("1"), Map.of()); // offset 10, first append: untraced
    writer.writeRecord(utf8("b"), utf8("2"), Map.of()); // 11, second append, traced as a batch
    writer.writeRecord(utf8("c"), utf8("3"), Map.of("tenant", "acme")); // 12
    writer.writeRecord(utf8("d"), utf8("4"), Map.of("traceparent", "own")); // 13, its own
    RecordBatch batch =
        new RecordBatch(
            10,
            5,
            4,
            writer.toByteArray(),
            List.of(),
            null,
            List.of(new RecordBatch.TraceSegment(11, 3, Map.of("traceparent", PARENT))));
    List<RecordFormat.Decoded> records = RecordFormat.decode(batch);
    assertEquals(Map.of(), records.get(0).headers());
    assertEquals(Map.of("traceparent", PARENT), records.get(1).headers());
    assertEquals(Map.of("tenant", "acme", "traceparent", PARENT), records.get(2).headers());
    assertEquals(Map.of("traceparent", "own"), records.get(3).headers());
    // a window starting inside the segment
    assertEquals(
        Map.of("tenant", "acme", "traceparent", PARENT),
        RecordFormat.decode(batch, 12, 1).get(0).headers());
  }

  @Test
  void batchesWithTraceSegmentsAreWrittenAsB3AndReadBackFromBytesLaidOutByHand() {
    org.apache.pekko.actor.typed.ActorSystem<Void> system =
        org.apache.pekko.actor.typed.ActorSystem.create(Behaviors.empty(), "serialization");
    try {
      org.apache.pekko.serialization.Serialization serialization =
          org.apache.pekko.serialization.SerializationExtension.get(system);
      RecordFormat.Writer writer = new RecordFormat.Writer(64);
      writer.writeRecord(utf8("k"), utf8("v"), Map.of());
      byte[] payload = writer.toByteArray();
      RecordBatch untraced = new RecordBatch(3, 9, 1, payload, List.of());
      assertEquals(
          SkaldSerializer.BATCH_V2,
          org.apache.pekko.serialization.Serializers.manifestFor(
              serialization.findSerializerFor(untraced), untraced),
          "untraced batches keep the B2 layout older nodes read");

      // B3 = B2's header, the producer segments, the trace segments, the payload
      byte[] id = utf8("p-1");
      byte[] field = utf8("traceparent");
      byte[] value = utf8(PARENT);
      java.nio.ByteBuffer b3 =
          java.nio.ByteBuffer.allocate(
              8
                  + 8
                  + 4
                  + 4
                  + (4 + id.length + 24)
                  + 4
                  + (8 + 4 + 4)
                  + (4 + field.length + 4 + value.length)
                  + payload.length);
      b3.putLong(3).putLong(9).putInt(1).putInt(1);
      b3.putInt(id.length).put(id).putLong(0).putLong(0).putLong(3);
      b3.putInt(1).putLong(3).putInt(1).putInt(1);
      b3.putInt(field.length).put(field).putInt(value.length).put(value);
      b3.put(payload);
      SkaldSerializer serializer = new SkaldSerializer(null);
      RecordBatch read = (RecordBatch) serializer.fromBinary(b3.array(), "B3");
      assertEquals(List.of(new RecordBatch.ProducerSegment("p-1", 0, 0, 3)), read.producers());
      assertEquals(
          List.of(new RecordBatch.TraceSegment(3, 1, Map.of("traceparent", PARENT))),
          read.traces());
      assertEquals(Map.of("traceparent", PARENT), RecordFormat.decode(read).get(0).headers());
      assertArrayEquals(b3.array(), serializer.toBinary(read), "written as laid out");
      assertEquals("B3", serializer.manifest(read));
    } catch (java.io.NotSerializableException e) {
      throw new AssertionError(e);
    } finally {
      system.terminate();
    }
  }

  @Test
  void aCursorReadsABatchAWindowAtATimeInOnePass() {
    RecordFormat.Writer writer = new RecordFormat.Writer(64);
    for (int i = 0; i < 1_000; i++) {
      writer.writeRecord(utf8("k" + i), utf8("v" + i), i % 7 == 0 ? Map.of("h", "" + i) : Map.of());
    }
    RecordBatch batch = new RecordBatch(500, 9, 1_000, writer.toByteArray());
    List<RecordFormat.Decoded> whole = RecordFormat.decode(batch, 600, Integer.MAX_VALUE);
    RecordFormat.Cursor cursor = RecordFormat.cursor(batch, 600);
    List<RecordFormat.Decoded> windows = new java.util.ArrayList<>();
    while (cursor.hasNext()) {
      for (int i = 0; i < 37 && cursor.hasNext(); i++) {
        windows.add(cursor.next());
      }
    }
    assertEquals(900, windows.size());
    for (int i = 0; i < whole.size(); i++) {
      assertEquals(whole.get(i).offset(), windows.get(i).offset());
      assertArrayEquals(whole.get(i).value(), windows.get(i).value());
      assertEquals(whole.get(i).headers(), windows.get(i).headers());
    }
    assertEquals(600, windows.get(0).offset());
    assertThrows(java.util.NoSuchElementException.class, cursor::next);
    // a compacted batch: offsets with gaps, from a given offset
    RecordFormat.Writer kept = new RecordFormat.Writer(64);
    kept.writeRecord(utf8("a"), utf8("1"), Map.of());
    kept.writeRecord(utf8("b"), utf8("2"), Map.of());
    kept.writeRecord(utf8("c"), utf8("3"), Map.of());
    RecordBatch compacted =
        new RecordBatch(
            3,
            0,
            3,
            kept.toByteArray(),
            List.of(),
            new RecordBatch.Compacted(
                30, 0, 1, 5, new long[] {3, 11, 20}, new long[] {100, 200, 300}));
    RecordFormat.Cursor gaps = RecordFormat.cursor(compacted, 4);
    assertEquals(11, gaps.next().offset());
    assertEquals(300, gaps.next().timestamp());
    assertEquals(false, gaps.hasNext());
  }
}
