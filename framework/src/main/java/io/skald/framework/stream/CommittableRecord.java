package io.skald.framework.stream;

import io.skald.framework.consumer.ConsumerRecord;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;

/**
 * A record emitted by {@link SkaldStreams#committableSource}: acknowledge it with {@link #commit()}
 * (or route it through {@link SkaldStreams#commitSink()}) once the stream has processed it. The
 * subscription commits positions only up to acknowledged records, so a record that has not passed
 * the commit stage is delivered again after a crash (at-least-once).
 *
 * @param record the record
 * @param ack completed by {@link #commit()} or {@link #fail(Throwable)}
 * @param <K> the key type
 * @param <V> the value type
 */
public record CommittableRecord<K, V>(ConsumerRecord<K, V> record, CompletableFuture<Done> ack) {

  /** Acknowledges the record. */
  public void commit() {
    ack.complete(Done.getInstance());
  }

  /**
   * Fails this attempt of the record: it is retried, then dead-lettered, by the subscription's
   * policies.
   *
   * @param cause why
   */
  public void fail(Throwable cause) {
    ack.completeExceptionally(cause);
  }
}
