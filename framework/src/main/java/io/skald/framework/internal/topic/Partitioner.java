package io.skald.framework.internal.topic;

/**
 * INTERNAL API: maps a key to a partition with Kafka's default function, {@code
 * toPositive(murmur2(key)) % partitions}, so the mapping is stable and matches what Kafka users
 * expect for the same key bytes.
 */
public final class Partitioner {
  private Partitioner() {}

  /**
   * The partition of a key.
   *
   * @param key the encoded key
   * @param partitions the partition count
   * @return the partition, from 0 to partitions - 1
   */
  public static int partitionOf(byte[] key, int partitions) {
    return (murmur2(key) & 0x7fffffff) % partitions;
  }

  /**
   * The partition of a record: the one the caller named, else the key's, else the next in
   * round-robin order.
   *
   * @param spec the topic
   * @param requested the partition the caller named, or -1
   * @param key the encoded key, or null
   * @param roundRobin the producer's counter for keyless records
   * @return the partition
   * @throws io.skald.framework.producer.InvalidRecordException if the named partition does not
   *     exist
   */
  public static int choose(
      io.skald.framework.admin.TopicSpec spec,
      int requested,
      byte[] key,
      java.util.function.IntSupplier roundRobin) {
    if (key == null && spec.compacted()) {
      throw new io.skald.framework.producer.InvalidRecordException(
          "topic '" + spec.name() + "' is compacted: its records need a key");
    }
    if (requested >= 0) {
      if (requested >= spec.partitions()) {
        throw new io.skald.framework.producer.InvalidRecordException(
            "partition "
                + requested
                + " does not exist: topic '"
                + spec.name()
                + "' has "
                + spec.partitions()
                + " partitions");
      }
      return requested;
    }
    if (key != null) {
      return partitionOf(key, spec.partitions());
    }
    return Math.floorMod(roundRobin.getAsInt(), spec.partitions());
  }

  /**
   * MurmurHash2, 32 bit, seed 0x9747b28c, as Kafka's {@code Utils.murmur2}.
   *
   * @param data the bytes
   * @return the hash
   */
  static int murmur2(byte[] data) {
    int length = data.length;
    int seed = 0x9747b28c;
    final int m = 0x5bd1e995;
    final int r = 24;
    int h = seed ^ length;
    int length4 = length / 4;
    for (int i = 0; i < length4; i++) {
      final int i4 = i * 4;
      int k =
          (data[i4] & 0xff)
              + ((data[i4 + 1] & 0xff) << 8)
              + ((data[i4 + 2] & 0xff) << 16)
              + ((data[i4 + 3] & 0xff) << 24);
      k *= m;
      k ^= k >>> r;
      k *= m;
      h *= m;
      h ^= k;
    }
    int tail = length % 4;
    int tailStart = length & ~3;
    if (tail == 3) {
      h ^= (data[tailStart + 2] & 0xff) << 16;
    }
    if (tail >= 2) {
      h ^= (data[tailStart + 1] & 0xff) << 8;
    }
    if (tail >= 1) {
      h ^= data[tailStart] & 0xff;
      h *= m;
    }
    h ^= h >>> 13;
    h *= m;
    h ^= h >>> 15;
    return h;
  }
}
