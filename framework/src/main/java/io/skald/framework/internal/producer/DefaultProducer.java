package io.skald.framework.internal.producer;

import io.skald.framework.SkaldException;
import io.skald.framework.Stages;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.delay.DelayedSender;
import io.skald.framework.internal.producer.RecordEncoder.Encoded;
import io.skald.framework.internal.quota.Throttle;
import io.skald.framework.internal.topic.TopicCache;
import io.skald.framework.internal.tracing.SkaldTracing;
import io.skald.framework.producer.Acks;
import io.skald.framework.producer.BackpressureException;
import io.skald.framework.producer.InvalidRecordException;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.framework.producer.RateLimit;
import io.skald.framework.producer.RecordMetadata;
import io.skald.framework.producer.ScheduledDelivery;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * INTERNAL API: the {@link Producer} implementation. Validation, encoding and the buffer bound are
 * checked on the caller's thread, so bad input fails fast; everything else happens in the {@link
 * ProducerActor}.
 */
public final class DefaultProducer<K, V> implements Producer<K, V> {
  private final ProducerSettings<K, V> producerSettings;
  private final SkaldSettings settings;
  private final ActorRef<ProducerActor.Command> actor;
  private final ByteBudget bufferedBytes;
  private final DelayedSender delayed;
  private final SkaldTracing tracing;
  private volatile boolean closed;

  private final RecordEncoder<K, V> encoder;

  /** The producer-wide rate limit, or null; per-topic ones by topic. Guarded by themselves. */
  private final Throttle producerThrottle;

  private final Map<String, Throttle> topicThrottles = new java.util.HashMap<>();

  /**
   * Per topic with a {@code DELAY} quota: this producer paces itself at the topic's rate (guarded
   * by {@link #topicThrottles}' lock), so one producer never overdraws it by more than a burst; the
   * partitions' answers slow it further when several producers share the quota.
   */
  private final Map<String, Throttle> quotaPacers = new java.util.HashMap<>();

  private final TopicCache topics;

  /**
   * Creates the producer around its actor.
   *
   * @param producerSettings codecs and acks
   * @param settings Skald's settings
   * @param actor the producer actor
   * @param bufferedBytes the buffer counter shared with the actor
   * @param delayed schedules delayed records
   * @param tracing the node's tracing (a PRODUCER span per send when on)
   * @param topics the node's topic cache (for each topic's record size limit)
   */
  public DefaultProducer(
      ProducerSettings<K, V> producerSettings,
      SkaldSettings settings,
      ActorRef<ProducerActor.Command> actor,
      ByteBudget bufferedBytes,
      DelayedSender delayed,
      SkaldTracing tracing,
      TopicCache topics) {
    this.tracing = tracing;
    this.encoder =
        new RecordEncoder<>(
            producerSettings.keyCodec(), producerSettings.valueCodec(), settings, topics);
    this.producerSettings = producerSettings;
    this.delayed = delayed;
    this.settings = settings;
    this.actor = actor;
    this.bufferedBytes = bufferedBytes;
    this.topics = topics;
    this.producerThrottle =
        producerSettings
            .rateLimit()
            .map(limit -> new Throttle(limit, "this producer"))
            .orElse(null);
    producerSettings
        .topicRateLimits()
        .forEach(
            (topic, limit) ->
                topicThrottles.put(
                    topic, new Throttle(limit, "this producer on topic '" + topic + "'")));
  }

  /**
   * Charges a record to the rate limits that apply to it.
   *
   * @return the nano time before which it must not be sent, or 0
   * @throws io.skald.framework.producer.QuotaExceededException when a refusing limit is exceeded
   */
  private long admit(String topic, int bytes) {
    Throttle topicThrottle = topicThrottles.isEmpty() ? null : topicThrottles.get(topic);
    TopicSpec spec = topics.cached(topic);
    RateLimit quota = spec == null ? null : spec.rateLimit();
    boolean pace = quota != null && quota.whenExceeded() == RateLimit.WhenExceeded.DELAY;
    if (producerThrottle == null && topicThrottle == null && !pace) {
      return 0;
    }
    java.util.List<Throttle> throttles = new java.util.ArrayList<>(3);
    if (producerThrottle != null) {
      throttles.add(producerThrottle);
    }
    if (topicThrottle != null) {
      throttles.add(topicThrottle);
    }
    synchronized (topicThrottles) {
      if (pace) {
        Throttle pacer = quotaPacers.get(topic);
        if (pacer == null || !pacer.limit().equals(quota)) {
          pacer = new Throttle(quota, "topic '" + topic + "'");
          quotaPacers.put(topic, pacer);
        }
        throttles.add(pacer);
      }
      return Throttle.admit(throttles, System.nanoTime(), bytes);
    }
  }

  @Override
  public CompletionStage<RecordMetadata> send(String topic, K key, V value) {
    return send(topic, -1, key, value, Map.of());
  }

  @Override
  public CompletionStage<RecordMetadata> send(
      String topic, K key, V value, Map<String, String> headers) {
    return send(topic, -1, key, value, headers);
  }

  @Override
  public CompletionStage<RecordMetadata> sendToPartition(
      String topic, int partition, K key, V value, Map<String, String> headers) {
    if (partition < 0) {
      return CompletableFuture.failedFuture(
          new InvalidRecordException("partition must be >= 0, was " + partition));
    }
    return send(topic, partition, key, value, headers);
  }

  @Override
  public CompletionStage<RecordMetadata> sendTombstone(String topic, K key) {
    if (key == null) {
      return CompletableFuture.failedFuture(
          new InvalidRecordException("a tombstone needs a key (topic '" + topic + "')"));
    }
    try {
      return write(topic, -1, encodeRecord(topic, key, null, Map.of(), true));
    } catch (SkaldException | IllegalStateException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Validates and encodes on the caller's thread; throws a typed exception for bad input. */
  private Encoded encodeRecord(
      String topic, K key, V value, Map<String, String> headers, boolean tombstone) {
    if (closed) {
      throw new IllegalStateException("the producer is closed");
    }
    return encoder.encode(topic, key, value, headers, tombstone);
  }

  private CompletionStage<RecordMetadata> send(
      String topic, int partition, K key, V value, Map<String, String> headers) {
    try {
      return write(topic, partition, encodeRecord(topic, key, value, headers, false));
    } catch (SkaldException | IllegalStateException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private CompletionStage<RecordMetadata> write(String topic, int partition, Encoded record) {
    SkaldTracing.SendTracing how = tracing.sendTracing();
    if (how != SkaldTracing.SendTracing.PER_SEND) {
      // per batch: the producer actor makes one span for the batch this record is written in
      return append(topic, partition, record, how == SkaldTracing.SendTracing.PER_BATCH);
    }
    SkaldTracing.Publish publish = tracing.publish(topic, record.headers());
    Encoded traced = record.withHeaders(publish.headers());
    CompletionStage<RecordMetadata> sent = append(topic, partition, traced, false);
    sent.whenComplete((meta, error) -> publish.end(error == null ? null : Stages.unwrap(error)));
    return sent;
  }

  private CompletionStage<RecordMetadata> append(
      String topic, int partition, Encoded record, boolean traceBatch) {
    try {
      long notBefore;
      try {
        notBefore = admit(topic, record.size());
      } catch (io.skald.framework.producer.QuotaExceededException refused) {
        actor.tell(new ProducerActor.Refused(topic));
        throw refused;
      }
      reserve(record.size());
      boolean durable = producerSettings.acks() == Acks.DURABLE;
      CompletableFuture<RecordMetadata> promise = durable ? new CompletableFuture<>() : null;
      actor.tell(
          new ProducerActor.Send(
              topic,
              partition,
              record.key(),
              record.value(),
              record.headers(),
              record.size(),
              traceBatch,
              promise,
              notBefore));
      return durable
          ? promise
          : CompletableFuture.completedFuture(new RecordMetadata(topic, partition, -1, -1));
    } catch (SkaldException | IllegalStateException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletionStage<ScheduledDelivery> sendDelayed(
      String topic, K key, V value, Map<String, String> headers, Duration delay) {
    if (delay == null || delay.isNegative()) {
      return CompletableFuture.failedFuture(
          new InvalidRecordException("delay must be zero or positive, was " + delay));
    }
    return sendAt(topic, key, value, headers, Instant.now().plus(delay));
  }

  @Override
  public CompletionStage<ScheduledDelivery> sendAt(
      String topic, K key, V value, Map<String, String> headers, Instant at) {
    try {
      if (at == null) {
        throw new InvalidRecordException("the delivery time must not be null");
      }
      Encoded record =
          encodeRecord(
              topic,
              key,
              value,
              headers == null ? null : DelayedSender.withDueHeader(headers, at),
              false);
      return Stages.unwrapped(
          delayed.schedule(topic, -1, record.key(), record.value(), record.headers(), at));
    } catch (SkaldException | IllegalStateException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Reserves buffer room: at once, or waiting up to {@code max-block} when {@code when-full =
   * block}; fails with {@link BackpressureException} otherwise.
   */
  private void reserve(int bytes) {
    boolean reserved;
    if (settings.producerBlockWhenFull()) {
      try {
        reserved = bufferedBytes.reserve(bytes, settings.producerMaxBlock());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BackpressureException(
            BackpressureException.Limit.PRODUCER_BUFFER,
            "interrupted while waiting for producer buffer room",
            e);
      }
    } else {
      reserved = bufferedBytes.tryReserve(bytes);
    }
    if (!reserved) {
      throw new BackpressureException(
          BackpressureException.Limit.PRODUCER_BUFFER,
          "producer buffer full ("
              + settings.producerMaxBufferedBytes()
              + " bytes unconfirmed, skald.framework.producer.max-buffered-bytes"
              + (settings.producerBlockWhenFull() ? ", waited " + settings.producerMaxBlock() : "")
              + "); the partitions are not keeping up, retry later");
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      actor.tell(new ProducerActor.Close(new CompletableFuture<>()));
    }
  }
}
