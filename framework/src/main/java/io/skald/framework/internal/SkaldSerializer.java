package io.skald.framework.internal;

import java.io.NotSerializableException;
import java.nio.ByteBuffer;
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
  static final String SNAPSHOT_V1 = "S1";

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
    if (o instanceof RecordBatch) {
      return BATCH_V1;
    }
    if (o instanceof PartitionSnapshot) {
      return SNAPSHOT_V1;
    }
    throw new IllegalArgumentException("cannot serialize " + o.getClass().getName());
  }

  @Override
  public byte[] toBinary(Object o) {
    if (o instanceof RecordBatch b) {
      ByteBuffer out = ByteBuffer.allocate(8 + 8 + 4 + b.payload().length);
      out.putLong(b.baseOffset()).putLong(b.timestamp()).putInt(b.count()).put(b.payload());
      return out.array();
    }
    if (o instanceof PartitionSnapshot s) {
      int n = s.indexOffsets().length;
      ByteBuffer out = ByteBuffer.allocate(8 * 4 + 4 + n * 24);
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
      return out.array();
    }
    throw new IllegalArgumentException("cannot serialize " + o.getClass().getName());
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    switch (manifest) {
      case BATCH_V1:
        {
          long base = in.getLong();
          long timestamp = in.getLong();
          int count = in.getInt();
          byte[] payload = new byte[in.remaining()];
          in.get(payload);
          return new RecordBatch(base, timestamp, count, payload);
        }
      case SNAPSHOT_V1:
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
          return new PartitionSnapshot(next, start, timestamp, seqNr, offsets, seqNrs, timestamps);
        }
      default:
        throw new NotSerializableException("unknown Skald manifest '" + manifest + "'");
    }
  }
}
