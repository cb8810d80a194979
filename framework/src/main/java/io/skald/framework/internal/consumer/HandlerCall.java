package io.skald.framework.internal.consumer;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.skald.framework.Stages;
import io.skald.framework.TopicPartition;
import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.consumer.ProcessingTimeoutException;
import io.skald.framework.consumer.RecordHandler;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.internal.log.RecordFormat;
import io.skald.framework.internal.tracing.SkaldTracing;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * One attempt of a user's handler on a record: decode, call, and turn whatever happens (a codec
 * error, a throwing handler, a null stage, a failed stage) into one plain future, so the worker has
 * a single outcome to settle.
 */
final class HandlerCall {
  private HandlerCall() {}

  /**
   * Calls the handler.
   *
   * @param handler the user's handler
   * @param spec the subscription (its codecs)
   * @param tp the partition
   * @param raw the record as stored
   * @param attempt the attempt, from 1
   * @param tracing the node's tracing: the call runs in a CONSUMER span when it is on
   * @param <K> key type
   * @param <V> value type
   * @return a plain future (callbacks run where it completes, see {@link Stages#inline}); failed
   *     with the error if decoding or the call itself threw
   */
  static <K, V> CompletableFuture<?> call(
      RecordHandler<K, V> handler,
      SubscriptionSpec<K, V> spec,
      TopicPartition tp,
      RecordFormat.Decoded raw,
      int attempt,
      SkaldTracing tracing) {
    if (!tracing.tracesHandling(raw.headers())) {
      return call(handler, spec, tp, raw, attempt);
    }
    Span span =
        tracing.process(
            tp.topic(), tp.partition(), raw.offset(), spec.group(), attempt, raw.headers());
    CompletableFuture<?> future;
    try (Scope scope = span.makeCurrent()) {
      future = call(handler, spec, tp, raw, attempt);
    }
    future.whenComplete(
        (ok, error) -> {
          if (error != null) {
            Throwable cause = Stages.unwrap(error);
            span.recordException(cause);
            span.setStatus(StatusCode.ERROR, cause.getClass().getSimpleName());
          }
          span.end();
        });
    return future;
  }

  private static <K, V> CompletableFuture<?> call(
      RecordHandler<K, V> handler,
      SubscriptionSpec<K, V> spec,
      TopicPartition tp,
      RecordFormat.Decoded raw,
      int attempt) {
    CompletionStage<?> stage;
    try {
      K key = raw.key() == null ? null : spec.keyCodec().decode(raw.key());
      V value = raw.value() == null ? null : spec.valueCodec().decode(raw.value());
      stage =
          handler.handle(
              new ConsumerRecord<>(
                  tp.topic(),
                  tp.partition(),
                  raw.offset(),
                  raw.timestamp(),
                  key,
                  value,
                  raw.headers(),
                  attempt));
      if (stage == null) {
        throw new NullPointerException("the handler returned null instead of a CompletionStage");
      }
    } catch (Throwable e) { // a codec or handler bug is the attempt's failure, never the worker's
      stage = CompletableFuture.failedFuture(e);
    }
    return Stages.inline(stage);
  }

  /**
   * The failure of an attempt that outlived the subscription's processing timeout.
   *
   * @param tp the partition
   * @param offset the record
   * @param attempt the attempt (or delivery), from 1
   * @param timeout the processing timeout
   * @return the failure, naming all of them
   */
  static ProcessingTimeoutException timedOut(
      TopicPartition tp, long offset, int attempt, java.time.Duration timeout) {
    return new ProcessingTimeoutException(
        tp + "@" + offset + " attempt " + attempt + " did not complete within " + timeout);
  }

  /**
   * The failure of a completed future.
   *
   * @param future a completed future
   * @return its unwrapped error, or null if it succeeded
   */
  static Throwable failureOf(CompletableFuture<?> future) {
    try {
      future.get();
      return null;
    } catch (ExecutionException e) {
      return Stages.unwrap(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e;
    } catch (RuntimeException e) {
      return Stages.unwrap(e);
    }
  }
}
