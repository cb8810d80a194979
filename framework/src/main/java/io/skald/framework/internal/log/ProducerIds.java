package io.skald.framework.internal.log;

/**
 * INTERNAL API: the producer ids of idempotent appends and their epochs. Persisted in every batch's
 * producer segments as one string: {@code <id>} for epoch 0, {@code <id>#<epoch>} for a later epoch
 * (decimal, no sign). A producer starts a new epoch, with sequences from 0, when it can no longer
 * tell whether its unacknowledged appends were written; the partition then fences (refuses)
 * in-order appends of its older epochs, so a late copy of an abandoned append cannot land after the
 * new epoch's records.
 */
public final class ProducerIds {
  private ProducerIds() {}

  /**
   * The id with an epoch.
   *
   * @param base the producer id without epoch
   * @param epoch the epoch, 0 or more
   * @return {@code base} for epoch 0, else {@code base#epoch}
   */
  public static String withEpoch(String base, int epoch) {
    return epoch == 0 ? base : base + "#" + epoch;
  }

  /**
   * The producer id without its epoch suffix.
   *
   * @param id a persisted producer id
   * @return the id before {@code #<digits>}, or the id itself
   */
  public static String base(String id) {
    int hash = suffixStart(id);
    return hash < 0 ? id : id.substring(0, hash);
  }

  /**
   * The epoch of a persisted producer id.
   *
   * @param id a persisted producer id
   * @return the digits after the last {@code #}, or 0
   */
  public static int epoch(String id) {
    int hash = suffixStart(id);
    return hash < 0 ? 0 : Integer.parseInt(id, hash + 1, id.length(), 10);
  }

  /**
   * Whether two persisted ids name the same producer (any epochs), without allocating.
   *
   * @param a a persisted producer id
   * @param b another
   * @return true if their ids without epoch are equal
   */
  public static boolean sameProducer(String a, String b) {
    int aEnd = baseLength(a);
    return aEnd == baseLength(b) && a.regionMatches(0, b, 0, aEnd);
  }

  private static int baseLength(String id) {
    int hash = suffixStart(id);
    return hash < 0 ? id.length() : hash;
  }

  /** The index of the {@code #} before a decimal epoch of at most 9 digits, or -1. */
  private static int suffixStart(String id) {
    int hash = id.lastIndexOf('#');
    int digits = id.length() - hash - 1;
    if (hash <= 0 || digits < 1 || digits > 9) {
      return -1;
    }
    for (int i = hash + 1; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
    }
    return hash;
  }
}
