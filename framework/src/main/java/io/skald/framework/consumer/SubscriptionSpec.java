package io.skald.framework.consumer;

import io.skald.framework.Codec;
import io.skald.framework.admin.InvalidTopicException;
import io.skald.framework.admin.TopicSpec;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a consumer subscribes to and how: the group, the topics, the codecs, where a new group
 * starts, how failures are retried and how many records are fetched ahead.
 *
 * <p>Every member of a group shares the group's partitions (each partition is owned by one member
 * at a time); every group receives every record. The value is immutable; each {@code with} method
 * validates its argument at once and returns a copy.
 *
 * <pre>{@code
 * SubscriptionSpec<String, Order> spec =
 *     SubscriptionSpec.of("billing", Codecs.string(), Codecs.json(Order.class))
 *         .withTopics("orders")
 *         .withStartPosition(StartPosition.EARLIEST);
 * Subscription subscription = skald.subscribe(spec, record -> bill(record.value()));
 * }</pre>
 *
 * @param group the consumer group name (same rules as topic names)
 * @param topics the topics, at least one
 * @param keyCodec decodes keys
 * @param valueCodec decodes values
 * @param startPosition where the group starts on a partition with no committed offset
 * @param retryPolicy how failed attempts are retried
 * @param assignor the name of the partition assignment strategy ({@code range}, {@code
 *     round-robin}, or one registered under {@code skald.framework.consumer.assignors})
 * @param prefetch how many records a member fetches ahead per partition (the window)
 * @param parallelism how many records of different keys of one partition may be in the handler at
 *     once; 1 handles one record of a partition at a time
 * @param orderingPolicy what waits while a record is retried
 * @param processingTimeout how long one attempt may take before it counts as failed
 * @param deliveryMode when records are committed relative to handling
 * @param deadLetters whether a record that fails for good goes to the dead-letter topic {@code
 *     <group>.dlq} (true, the default) or ends the subscription with {@link HandlerFailedException}
 *     (false)
 * @param <K> the key type
 * @param <V> the value type
 */
public record SubscriptionSpec<K, V>(
    String group,
    Set<String> topics,
    Codec<K> keyCodec,
    Codec<V> valueCodec,
    StartPosition startPosition,
    RetryPolicy retryPolicy,
    String assignor,
    int prefetch,
    int parallelism,
    OrderingPolicy orderingPolicy,
    java.time.Duration processingTimeout,
    DeliveryMode deliveryMode,
    boolean deadLetters) {

  /** Validates every component. */
  public SubscriptionSpec {
    validateGroup(group);
    topics = Set.copyOf(new TreeSet<>(Objects.requireNonNull(topics, "topics")));
    topics.forEach(TopicSpec::validateName);
    Objects.requireNonNull(keyCodec, "keyCodec");
    Objects.requireNonNull(valueCodec, "valueCodec");
    Objects.requireNonNull(startPosition, "startPosition");
    Objects.requireNonNull(retryPolicy, "retryPolicy");
    if (assignor == null || assignor.isBlank()) {
      throw new IllegalArgumentException("assignor must not be empty");
    }
    if (prefetch < 1) {
      throw new IllegalArgumentException("prefetch must be >= 1, was " + prefetch);
    }
    if (parallelism < 1 || parallelism > prefetch) {
      throw new IllegalArgumentException(
          "parallelism must be between 1 and prefetch (" + prefetch + "), was " + parallelism);
    }
    Objects.requireNonNull(orderingPolicy, "orderingPolicy");
    Objects.requireNonNull(deliveryMode, "deliveryMode");
    Objects.requireNonNull(processingTimeout, "processingTimeout");
    if (processingTimeout.isNegative() || processingTimeout.isZero()) {
      throw new IllegalArgumentException(
          "processingTimeout must be positive, was " + processingTimeout);
    }
    if (group.length() > TopicSpec.MAX_NAME_LENGTH - 4) {
      throw new IllegalArgumentException(
          "group name must be at most " + (TopicSpec.MAX_NAME_LENGTH - 4) + " characters");
    }
  }

  /**
   * The dead-letter topic of this subscription's group.
   *
   * @return {@code <group>.dlq}
   */
  public String deadLetterTopic() {
    return group + ".dlq";
  }

  /**
   * A copy with another ordering policy.
   *
   * @param policy what waits while a record is retried
   * @return the new spec
   */
  public SubscriptionSpec<K, V> withOrderingPolicy(OrderingPolicy policy) {
    return copy(f -> f.orderingPolicy = policy);
  }

  /**
   * A copy with another delivery mode.
   *
   * @param mode when records are committed relative to handling
   * @return the new spec
   */
  public SubscriptionSpec<K, V> withDeliveryMode(DeliveryMode mode) {
    return copy(f -> f.deliveryMode = mode);
  }

  /**
   * A copy with another processing timeout.
   *
   * @param timeout how long one attempt may take
   * @return the new spec
   */
  public SubscriptionSpec<K, V> withProcessingTimeout(java.time.Duration timeout) {
    return copy(f -> f.processingTimeout = timeout);
  }

  /**
   * A copy without a dead-letter topic: a record that fails for good ends the subscription with
   * {@link HandlerFailedException} and stays uncommitted.
   *
   * @return the new spec
   */
  public SubscriptionSpec<K, V> withoutDeadLetters() {
    return copy(f -> f.deadLetters = false);
  }

  /**
   * A subscription with defaults: no topics yet (add them with {@link #withTopics}), earliest
   * start, {@link RetryPolicy#defaults()}, the range assignor, a prefetch of 500 records and
   * parallelism 1.
   *
   * @param group the group name
   * @param keyCodec decodes keys
   * @param valueCodec decodes values
   * @param <K> the key type
   * @param <V> the value type
   * @return the spec
   */
  public static <K, V> SubscriptionSpec<K, V> of(
      String group, Codec<K> keyCodec, Codec<V> valueCodec) {
    return new SubscriptionSpec<>(
        group,
        Set.of(),
        keyCodec,
        valueCodec,
        StartPosition.EARLIEST,
        RetryPolicy.defaults(),
        "range",
        500,
        1,
        OrderingPolicy.KEY_PARKING,
        java.time.Duration.ofSeconds(60),
        DeliveryMode.AT_LEAST_ONCE,
        true);
  }

  /**
   * A copy subscribed to these topics.
   *
   * @param newTopics one or more topic names
   * @return the new spec
   */
  public SubscriptionSpec<K, V> withTopics(String... newTopics) {
    if (newTopics.length == 0) {
      throw new IllegalArgumentException("at least one topic is required");
    }
    return copy(f -> f.topics = Set.copyOf(Arrays.asList(newTopics)));
  }

  /**
   * A copy with another start position.
   *
   * @param position where a new group starts
   * @return the new spec
   */
  public SubscriptionSpec<K, V> withStartPosition(StartPosition position) {
    return copy(f -> f.startPosition = position);
  }

  /**
   * A copy with another retry policy.
   *
   * @param policy the policy
   * @return the new spec
   */
  public SubscriptionSpec<K, V> withRetryPolicy(RetryPolicy policy) {
    return copy(f -> f.retryPolicy = policy);
  }

  /**
   * A copy with another assignment strategy.
   *
   * @param name {@code range}, {@code round-robin} or a configured name
   * @return the new spec
   */
  public SubscriptionSpec<K, V> withAssignor(String name) {
    return copy(f -> f.assignor = name);
  }

  /**
   * A copy with another prefetch window.
   *
   * @param records records fetched ahead per partition
   * @return the new spec
   */
  public SubscriptionSpec<K, V> withPrefetch(int records) {
    return copy(
        f -> {
          f.prefetch = records;
          f.parallelism = Math.min(parallelism, Math.max(1, records));
        });
  }

  /**
   * A copy with another per-partition parallelism.
   *
   * @param records records of distinct keys in the handler at once, per partition
   * @return the new spec
   */
  public SubscriptionSpec<K, V> withParallelism(int records) {
    return copy(f -> f.parallelism = records);
  }

  /** Copies this spec with some components changed; the canonical constructor validates. */
  private SubscriptionSpec<K, V> copy(java.util.function.Consumer<Fields<K, V>> change) {
    Fields<K, V> f = new Fields<>(this);
    change.accept(f);
    return new SubscriptionSpec<>(
        f.group,
        f.topics,
        f.keyCodec,
        f.valueCodec,
        f.startPosition,
        f.retryPolicy,
        f.assignor,
        f.prefetch,
        f.parallelism,
        f.orderingPolicy,
        f.processingTimeout,
        f.deliveryMode,
        f.deadLetters);
  }

  /** The mutable components of a copy under construction. */
  private static final class Fields<K, V> {
    String group;
    Set<String> topics;
    Codec<K> keyCodec;
    Codec<V> valueCodec;
    StartPosition startPosition;
    RetryPolicy retryPolicy;
    String assignor;
    int prefetch;
    int parallelism;
    OrderingPolicy orderingPolicy;
    java.time.Duration processingTimeout;
    DeliveryMode deliveryMode;
    boolean deadLetters;

    Fields(SubscriptionSpec<K, V> spec) {
      group = spec.group;
      topics = spec.topics;
      keyCodec = spec.keyCodec;
      valueCodec = spec.valueCodec;
      startPosition = spec.startPosition;
      retryPolicy = spec.retryPolicy;
      assignor = spec.assignor;
      prefetch = spec.prefetch;
      parallelism = spec.parallelism;
      orderingPolicy = spec.orderingPolicy;
      processingTimeout = spec.processingTimeout;
      deliveryMode = spec.deliveryMode;
      deadLetters = spec.deadLetters;
    }
  }

  private static void validateGroup(String group) {
    try {
      TopicSpec.validateName(group);
    } catch (InvalidTopicException e) {
      throw new IllegalArgumentException(
          "invalid group name: " + e.getMessage().replace("topic name", "group name"), e);
    }
  }
}
