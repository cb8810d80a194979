package io.skald.framework.producer;

/** When a producer's {@code send} completes. */
public enum Acks {
  /**
   * At-most-once: {@code send} completes as soon as the producer has buffered the record. The
   * record is still written, but a crash before the write loses it and the caller is not told.
   */
  NONE,
  /**
   * Durable: {@code send} completes only after the journal write (with fsync) that holds the record
   * succeeded. An acknowledged record survives {@code kill -9}.
   */
  DURABLE
}
