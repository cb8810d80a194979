package io.skald.framework.internal.log;

import java.io.NotSerializableException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * INTERNAL API: the compact binary serializer of the partition log: {@link RecordBatch} events (the
 * records stay in their {@link RecordFormat} payload, so writing a batch is one copy, never one
 * object per record) and {@link PartitionSnapshot}s. Each manifest carries a format version; these
 * bytes are persisted, so a new layout gets a new manifest and the old one stays readable.
 */
public final class SkaldSerializer extends SerializerWithStringManifest {
  static final String BATCH_V1 = "B1";
  static final String BATCH_V2 = "B2";

  /** B2 and the trace segments of appends traced as a whole; written only when there are some. */
  static final String BATCH_V3 = "B3";

  static final String COMPACTED_V1 = "C1";
  static final String SNAPSHOT_V1 = "S1";
  static final String SNAPSHOT_V2 = "S2";
  static final String SNAPSHOT_V3 = "S3";
  static final String SNAPSHOT_V4 = "S4";
  static final String TRUNCATED_V1 = "T1";

  /**
   * Created by Pekko's serialization extension.
   *
   * @param system the actor system
   */
  public SkaldSerializer(ExtendedActorSystem system) {}

  @Override
  public int identifier() {
    return 7401;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof RecordBatch b) {
      if (b.compacted() != null) {
        return COMPACTED_V1;
      }
      return b.traces().isEmpty() ? BATCH_V2 : BATCH_V3;
    }
    if (o instanceof PartitionSnapshot) {
      return SNAPSHOT_V4;
    }
    if (o instanceof PartitionProtocol.LogTruncated) {
      return TRUNCATED_V1;
    }
    throw new IllegalArgumentException("cannot serialize " + o.getClass().getName());
  }

  @Override
  public byte[] toBinary(Object o) {
    if (o instanceof PartitionProtocol.LogTruncated t) {
      return ByteBuffer.allocate(8).putLong(t.logStartOffset()).array();
    }
    if (o instanceof RecordBatch b) {
      byte[][] ids = new byte[b.producers().size()][];
      int size = 8 + 8 + 4 + 4 + b.payload().length;
      for (int i = 0; i < ids.length; i++) {
        ids[i] = b.producers().get(i).producerId().getBytes(StandardCharsets.UTF_8);
        size += 4 + ids[i].length + 24;
      }
      RecordBatch.Compacted c = b.compacted();
      if (c != null) {
        size += 8 + 4 + 4 + 8 + 16 * b.count();
      }
      List<byte[][]> traces = new ArrayList<>(b.traces().size());
      if (!b.traces().isEmpty()) {
        size += 4;
        for (RecordBatch.TraceSegment t : b.traces()) {
          byte[][] fields = new byte[t.context().size() * 2][];
          int f = 0;
          size += 8 + 4 + 4;
          for (Map.Entry<String, String> e : t.context().entrySet()) {
            fields[f++] = e.getKey().getBytes(StandardCharsets.UTF_8);
            fields[f++] = e.getValue().getBytes(StandardCharsets.UTF_8);
            size += 8 + fields[f - 2].length + fields[f - 1].length;
          }
          traces.add(fields);
        }
      }
      ByteBuffer out = ByteBuffer.allocate(size);
      out.putLong(b.baseOffset()).putLong(b.timestamp()).putInt(b.count()).putInt(ids.length);
      for (int i = 0; i < ids.length; i++) {
        RecordBatch.ProducerSegment segment = b.producers().get(i);
        out.putInt(ids[i].length).put(ids[i]);
        out.putLong(segment.firstSequence())
            .putLong(segment.lastSequence())
            .putLong(segment.baseOffset());
      }
      if (!b.traces().isEmpty()) {
        out.putInt(traces.size());
        for (int i = 0; i < traces.size(); i++) {
          RecordBatch.TraceSegment t = b.traces().get(i);
          out.putLong(t.baseOffset()).putInt(t.count()).putInt(traces.get(i).length / 2);
          for (byte[] field : traces.get(i)) {
            out.putInt(field.length).put(field);
          }
        }
      }
      if (c != null) {
        out.putLong(c.endOffset())
            .putInt(c.chunk())
            .putInt(c.chunks())
            .putLong(c.deleteUpToSeqNr());
        for (int i = 0; i < b.count(); i++) {
          out.putLong(c.offsets()[i]).putLong(c.timestamps()[i]);
        }
      }
      out.put(b.payload());
      return out.array();
    }
    if (o instanceof PartitionSnapshot s) {
      int n = s.indexOffsets().length;
      byte[][] ids = new byte[s.producers().size()][];
      int size = 8 * 4 + 4 + n * 24 + 4 + 8 + n * 8 + 4;
      if (s.compaction() != null) {
        size += 24 + 16 * s.compaction().chunkOffsets().length;
      }
      for (int i = 0; i < ids.length; i++) {
        ids[i] = s.producers().get(i).producerId().getBytes(StandardCharsets.UTF_8);
        size += 4 + ids[i].length + 32;
      }
      ByteBuffer out = ByteBuffer.allocate(size);
      out.putLong(s.nextOffset())
          .putLong(s.logStartOffset())
          .putLong(s.lastTimestamp())
          .putLong(s.lastSeqNr())
          .putInt(n);
      for (int i = 0; i < n; i++) {
        out.putLong(s.indexOffsets()[i])
            .putLong(s.indexSeqNrs()[i])
            .putLong(s.indexTimestamps()[i]);
      }
      out.putInt(ids.length);
      for (int i = 0; i < ids.length; i++) {
        PartitionSnapshot.ProducerEntry p = s.producers().get(i);
        out.putInt(ids[i].length).put(ids[i]);
        out.putLong(p.firstSequence())
            .putLong(p.lastSequence())
            .putLong(p.baseOffset())
            .putLong(p.timestamp());
      }
      out.putLong(s.totalBytes());
      for (int i = 0; i < n; i++) {
        out.putLong(s.indexBytes()[i]);
      }
      PartitionSnapshot.CompactionState c = s.compaction();
      if (c == null) {
        out.putInt(-1);
      } else {
        out.putInt(c.chunkOffsets().length)
            .putLong(c.end())
            .putLong(c.deleteUpToSeqNr())
            .putLong(c.records());
        for (int i = 0; i < c.chunkOffsets().length; i++) {
          out.putLong(c.chunkOffsets()[i]).putLong(c.chunkSeqNrs()[i]);
        }
      }
      return out.array();
    }
    throw new IllegalArgumentException("cannot serialize " + o.getClass().getName());
  }

  private static String readString(ByteBuffer in) {
    byte[] bytes = new byte[in.getInt()];
    in.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    switch (manifest) {
      case BATCH_V1:
      case BATCH_V2:
      case BATCH_V3:
      case COMPACTED_V1:
        {
          long base = in.getLong();
          long timestamp = in.getLong();
          int count = in.getInt();
          List<RecordBatch.ProducerSegment> segments = new ArrayList<>();
          if (!manifest.equals(BATCH_V1)) {
            int producers = in.getInt();
            for (int i = 0; i < producers; i++) {
              segments.add(
                  new RecordBatch.ProducerSegment(
                      readString(in), in.getLong(), in.getLong(), in.getLong()));
            }
          }
          List<RecordBatch.TraceSegment> traces = new ArrayList<>();
          if (manifest.equals(BATCH_V3)) {
            int traceSegments = in.getInt();
            for (int i = 0; i < traceSegments; i++) {
              long traceBase = in.getLong();
              int traceCount = in.getInt();
              int fields = in.getInt();
              Map<String, String> context = new HashMap<>();
              for (int f = 0; f < fields; f++) {
                context.put(readString(in), readString(in));
              }
              traces.add(new RecordBatch.TraceSegment(traceBase, traceCount, context));
            }
          }
          RecordBatch.Compacted compacted = null;
          if (manifest.equals(COMPACTED_V1)) {
            long end = in.getLong();
            int chunk = in.getInt();
            int chunks = in.getInt();
            long deleteUpTo = in.getLong();
            long[] offsets = new long[count];
            long[] timestamps = new long[count];
            for (int i = 0; i < count; i++) {
              offsets[i] = in.getLong();
              timestamps[i] = in.getLong();
            }
            compacted =
                new RecordBatch.Compacted(end, chunk, chunks, deleteUpTo, offsets, timestamps);
          }
          byte[] payload = new byte[in.remaining()];
          in.get(payload);
          return new RecordBatch(base, timestamp, count, payload, segments, compacted, traces);
        }
      case SNAPSHOT_V1:
      case SNAPSHOT_V2:
      case SNAPSHOT_V3:
      case SNAPSHOT_V4:
        {
          long next = in.getLong();
          long start = in.getLong();
          long timestamp = in.getLong();
          long seqNr = in.getLong();
          int n = in.getInt();
          long[] offsets = new long[n];
          long[] seqNrs = new long[n];
          long[] timestamps = new long[n];
          for (int i = 0; i < n; i++) {
            offsets[i] = in.getLong();
            seqNrs[i] = in.getLong();
            timestamps[i] = in.getLong();
          }
          List<PartitionSnapshot.ProducerEntry> producers = new ArrayList<>();
          if (!manifest.equals(SNAPSHOT_V1)) {
            int count = in.getInt();
            for (int i = 0; i < count; i++) {
              producers.add(
                  new PartitionSnapshot.ProducerEntry(
                      readString(in), in.getLong(), in.getLong(), in.getLong(), in.getLong()));
            }
          }
          long totalBytes = 0;
          long[] indexBytes = new long[n];
          if (manifest.equals(SNAPSHOT_V3) || manifest.equals(SNAPSHOT_V4)) {
            totalBytes = in.getLong();
            for (int i = 0; i < n; i++) {
              indexBytes[i] = in.getLong();
            }
          }
          PartitionSnapshot.CompactionState compaction = null;
          int chunks = manifest.equals(SNAPSHOT_V4) ? in.getInt() : -1;
          if (chunks >= 0) {
            long end = in.getLong();
            long deleteUpTo = in.getLong();
            long records = in.getLong();
            long[] chunkOffsets = new long[chunks];
            long[] chunkSeqNrs = new long[chunks];
            for (int i = 0; i < chunks; i++) {
              chunkOffsets[i] = in.getLong();
              chunkSeqNrs[i] = in.getLong();
            }
            compaction =
                new PartitionSnapshot.CompactionState(
                    end, deleteUpTo, records, chunkOffsets, chunkSeqNrs);
          }
          return new PartitionSnapshot(
              next,
              start,
              timestamp,
              seqNr,
              offsets,
              seqNrs,
              timestamps,
              producers,
              totalBytes,
              indexBytes,
              compaction);
        }
      case TRUNCATED_V1:
        return new PartitionProtocol.LogTruncated(in.getLong());
      default:
        throw new NotSerializableException("unknown Skald manifest '" + manifest + "'");
    }
  }
}
