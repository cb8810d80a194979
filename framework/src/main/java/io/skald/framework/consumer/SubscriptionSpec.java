package io.skald.framework.consumer;

import io.skald.framework.Codec;
import io.skald.framework.admin.InvalidTopicException;
import io.skald.framework.admin.TopicSpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a consumer subscribes to and how: the group, the topics, the codecs, where a new group
 * starts, how failures are retried and how many records are fetched ahead.
 *
 * <p>Every member of a group shares the group's partitions (each partition is owned by one member
 * at a time); every group receives every record.
 *
 * <p>Immutable: each {@code with} method checks its own argument at once and returns a copy. What
 * depends on two settings (at least one topic, a parallelism within the prefetch window) is checked
 * by {@link #validate()} when the spec is used ({@code Skald.subscribe}), so the order of the
 * {@code with} calls never matters.
 * <!-- snippet: jd-subscription-spec -->
 *
 * <pre>{@code
 * SubscriptionSpec<String, Order> spec =
 *     SubscriptionSpec.of("billing", Codecs.string(), Codecs.json(Order.class))
 *         .withTopics("orders")
 *         .withStartPosition(StartPosition.EARLIEST);
 * Subscription subscription = skald.subscribe(spec, record -> bill(record.value()));
 * }</pre>
 *
 * @param <K> the key type
 * @param <V> the value type
 */
// Over 400 lines for a reason: one documented accessor and one wither per setting (13 each).
public final class SubscriptionSpec<K, V> {
  private final String group;
  private final Set<String> topics;
  private final Codec<K> keyCodec;
  private final Codec<V> valueCodec;
  private final StartPosition startPosition;
  private final RetryPolicy retryPolicy;
  private final String assignor;
  private final int prefetch;
  private final int parallelism;
  private final OrderingPolicy orderingPolicy;
  private final Duration processingTimeout;
  private final DeliveryMode deliveryMode;
  private final boolean deadLetters;
  private final RecordFilter filter;
  private final java.util.regex.Pattern topicPattern;
  private final Autoscaling autoscaling;
  private final Duration visibilityTimeout;
  private final int priorityLevels;
  private final Duration priorityAging;

  private SubscriptionSpec(
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
      Duration processingTimeout,
      DeliveryMode deliveryMode,
      boolean deadLetters,
      RecordFilter filter,
      java.util.regex.Pattern topicPattern,
      Autoscaling autoscaling,
      Duration visibilityTimeout,
      int priorityLevels,
      Duration priorityAging) {
    validateGroupName(group);
    this.group = group;
    this.topics = Set.copyOf(new TreeSet<>(Objects.requireNonNull(topics, "topics")));
    this.topics.forEach(TopicSpec::validateName);
    this.keyCodec = Objects.requireNonNull(keyCodec, "keyCodec");
    this.valueCodec = Objects.requireNonNull(valueCodec, "valueCodec");
    this.startPosition = Objects.requireNonNull(startPosition, "startPosition");
    this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
    if (assignor == null || assignor.isBlank()) {
      throw new IllegalArgumentException("assignor must not be empty");
    }
    this.assignor = assignor;
    if (prefetch < 1) {
      throw new IllegalArgumentException("prefetch must be >= 1, was " + prefetch);
    }
    this.prefetch = prefetch;
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be >= 1, was " + parallelism);
    }
    this.parallelism = parallelism;
    this.orderingPolicy = Objects.requireNonNull(orderingPolicy, "orderingPolicy");
    this.deliveryMode = Objects.requireNonNull(deliveryMode, "deliveryMode");
    Objects.requireNonNull(processingTimeout, "processingTimeout");
    if (processingTimeout.isNegative() || processingTimeout.isZero()) {
      throw new IllegalArgumentException(
          "processingTimeout must be positive, was " + processingTimeout);
    }
    this.processingTimeout = processingTimeout;
    this.deadLetters = deadLetters;
    this.filter = filter;
    this.topicPattern = topicPattern;
    this.autoscaling = autoscaling;
    this.visibilityTimeout = visibilityTimeout;
    if (priorityLevels < 1 || priorityLevels > io.skald.framework.producer.Priority.MAX + 1) {
      throw new IllegalArgumentException(
          "priority levels must be between 1 and "
              + (io.skald.framework.producer.Priority.MAX + 1)
              + ", was "
              + priorityLevels);
    }
    this.priorityLevels = priorityLevels;
    Objects.requireNonNull(priorityAging, "priorityAging");
    if (priorityAging.isNegative() || priorityAging.isZero()) {
      throw new IllegalArgumentException("priorityAging must be positive, was " + priorityAging);
    }
    this.priorityAging = priorityAging;
  }

  /**
   * Checks what depends on more than one setting; {@code Skald.subscribe} calls it, and a caller
   * may call it earlier to fail at configuration time.
   *
   * @return this spec
   * @throws IllegalArgumentException naming the values: no topic, or a parallelism above the
   *     prefetch window (a member cannot have more records in the handler than it fetched)
   */
  public SubscriptionSpec<K, V> validate() {
    if (topics.isEmpty() && topicPattern == null) {
      throw new IllegalArgumentException(
          "subscription of group '"
              + group
              + "' names no topic; add them with withTopics(...) or withTopicPattern(...)");
    }
    if (autoscaling != null && autoscaling.max() > prefetch) {
      throw new IllegalArgumentException(
          "autoscaling max ("
              + autoscaling.max()
              + ") must not exceed prefetch ("
              + prefetch
              + "): a member cannot handle more records of a partition than it fetched ahead");
    }
    if (visibilityTimeout != null) {
      validateShared();
    } else if (priorityLevels > 1) {
      throw new IllegalArgumentException(
          "priority levels of group '"
              + group
              + "' need a shared subscription (withSharedConsumption): a partitioned group hands"
              + " out each partition in order");
    }
    if (parallelism > prefetch) {
      throw new IllegalArgumentException(
          "parallelism ("
              + parallelism
              + ") must not exceed prefetch ("
              + prefetch
              + "): a member cannot handle more records of a partition than it fetched ahead");
    }
    return this;
  }

  /**
   * The consumer group name (same rules as topic names)
   *
   * @return the value
   */
  public String group() {
    return group;
  }

  /**
   * The topics, at least one.
   *
   * @return the value
   */
  public Set<String> topics() {
    return topics;
  }

  /**
   * Decodes keys.
   *
   * @return the value
   */
  public Codec<K> keyCodec() {
    return keyCodec;
  }

  /**
   * Decodes values.
   *
   * @return the value
   */
  public Codec<V> valueCodec() {
    return valueCodec;
  }

  /**
   * Where the group starts on a partition with no committed offset.
   *
   * @return the value
   */
  public StartPosition startPosition() {
    return startPosition;
  }

  /**
   * How failed attempts are retried.
   *
   * @return the value
   */
  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  /**
   * The name of the partition assignment strategy ({@code range}, {@code round-robin}, or one
   * registered under {@code skald.framework.consumer.assignors})
   *
   * @return the value
   */
  public String assignor() {
    return assignor;
  }

  /**
   * How many records a member fetches ahead per partition (the window)
   *
   * @return the value
   */
  public int prefetch() {
    return prefetch;
  }

  /**
   * How many records of different keys of one partition may be in the handler at once; 1 handles
   * one record of a partition at a time.
   *
   * @return the value
   */
  public int parallelism() {
    return parallelism;
  }

  /**
   * What waits while a record is retried.
   *
   * @return the value
   */
  public OrderingPolicy orderingPolicy() {
    return orderingPolicy;
  }

  /**
   * How long one attempt may take before it counts as failed.
   *
   * @return the value
   */
  public Duration processingTimeout() {
    return processingTimeout;
  }

  /**
   * When records are committed relative to handling.
   *
   * @return the value
   */
  public DeliveryMode deliveryMode() {
    return deliveryMode;
  }

  /**
   * Whether a record that fails for good goes to the dead-letter topic {@code <group>.dlq} (true,
   * the default) or ends the subscription with {@link HandlerFailedException} (false)
   *
   * @return the value
   */
  public boolean deadLetters() {
    return deadLetters;
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
   * The autoscaling policy: the parallelism follows the lag within its bounds (and {@link
   * #parallelism()} is ignored).
   *
   * @return the policy, or empty for a fixed parallelism
   */
  public java.util.Optional<Autoscaling> autoscaling() {
    return java.util.Optional.ofNullable(autoscaling);
  }

  /**
   * A copy whose parallelism grows with each partition's lag and shrinks when it is idle, within
   * the policy's bounds (see {@link Autoscaling}); its max must not exceed the prefetch.
   *
   * @param policy the policy
   * @return the new spec
   */
  public SubscriptionSpec<K, V> withAutoscaling(Autoscaling policy) {
    Objects.requireNonNull(policy, "policy");
    return copy(f -> f.autoscaling = policy);
  }

  /**
   * The visibility timeout of a shared subscription (see {@link #withSharedConsumption}).
   *
   * @return how long a record handed to a member stays hidden from the others, or empty for a
   *     partitioned (keyed) subscription
   */
  public java.util.Optional<Duration> visibilityTimeout() {
    return java.util.Optional.ofNullable(visibilityTimeout);
  }

  /**
   * Whether records of a partition are shared among all members instead of the partition being
   * owned by one (see {@link #withSharedConsumption}).
   *
   * @return whether the subscription is shared
   */
  public boolean shared() {
    return visibilityTimeout != null;
  }

  /**
   * A copy that consumes like a work queue (SQS standard queues, Kafka share groups): every member
   * reads every partition, each record is handed to one member at a time and hidden from the others
   * for {@code visibilityTimeout}, and is acknowledged one by one when its handler completes. A
   * record whose member dies or does not finish in time is handed to another member after the
   * timeout; a handler that needs longer extends it ({@link RecordLease#extend}), and one that
   * wants the record again later releases it with a delay ({@link RecordLease#release}). A group
   * can then have more useful members than the topic has partitions.
   *
   * <p>The price is order: records (even of one key) may be handled concurrently and out of order,
   * and a record may be handled again after a timeout (at-least-once). Each record is delivered at
   * most {@code retryPolicy.maxAttempts()} times; then it goes to the dead-letter topic (reason
   * {@link io.skald.framework.deadletter.DeadLetterReason#DELIVERY_LIMIT} when its members stopped
   * holding it). See docs/patterns.md.
   *
   * @param visibilityTimeout how long a handed-out record stays hidden, positive
   * @return the new spec
   * @throws IllegalArgumentException if the timeout is not positive
   */
  public SubscriptionSpec<K, V> withSharedConsumption(Duration visibilityTimeout) {
    Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
    if (visibilityTimeout.isNegative() || visibilityTimeout.isZero()) {
      throw new IllegalArgumentException(
          "visibilityTimeout must be positive, was " + visibilityTimeout);
    }
    return copy(f -> f.visibilityTimeout = visibilityTimeout);
  }

  /**
   * The number of priority levels of a shared subscription (see {@link #withPriorityLevels}).
   *
   * @return 1 (no priorities) to 10
   */
  public int priorityLevels() {
    return priorityLevels;
  }

  /**
   * How long a waiting record takes to rise one priority level (see {@link #withPriorityLevels}).
   *
   * @return the aging step
   */
  public Duration priorityAging() {
    return priorityAging;
  }

  /**
   * A copy whose records are handed out by priority ({@link io.skald.framework.producer.Priority}
   * header, 0 to 9, clamped to {@code levels - 1}): among the records waiting, higher levels go
   * first. A waiting record rises one level every {@link #withPriorityAging aging step} (10 s by
   * default), so lower levels are never starved. Records of a priority above 0 are read ahead of a
   * backlog, so a new urgent record does not wait behind older ordinary ones. Only for shared
   * subscriptions (checked by {@link #validate()}); see docs/patterns.md.
   *
   * @param levels 1 (none) to 10
   * @return the new spec
   * @throws IllegalArgumentException if out of range
   */
  public SubscriptionSpec<K, V> withPriorityLevels(int levels) {
    return copy(f -> f.priorityLevels = levels);
  }

  /**
   * A copy with another aging step of its priority levels.
   *
   * @param aging how long a waiting record takes to rise one level, positive
   * @return the new spec
   * @throws IllegalArgumentException if not positive
   */
  public SubscriptionSpec<K, V> withPriorityAging(Duration aging) {
    return copy(f -> f.priorityAging = aging);
  }

  /** What shared consumption cannot combine with, refused with the reason. */
  private void validateShared() {
    String refused = null;
    if (deliveryMode != DeliveryMode.AT_LEAST_ONCE) {
      refused =
          "delivery mode "
              + deliveryMode
              + " (a shared subscription acknowledges each record after its handler:"
              + " at-least-once)";
    } else if (orderingPolicy == OrderingPolicy.PARTITION_BLOCKING) {
      refused = "ordering policy PARTITION_BLOCKING (a shared subscription keeps no order)";
    } else if (!deadLetters) {
      refused =
          "withoutDeadLetters() (a record that exhausts its deliveries goes to the dead-letter"
              + " topic; the other members must not stop on it)";
    } else if (topicPattern != null) {
      refused = "a topic pattern (name the topics with withTopics)";
    } else if (autoscaling != null) {
      refused = "autoscaling (scale a shared group by adding members)";
    } else if (filter != null) {
      refused = "a filter (use a partitioned subscription to filter)";
    }
    if (refused != null) {
      throw new IllegalArgumentException(
          "shared subscription of group '" + group + "' cannot use " + refused);
    }
  }

  /**
   * The pattern of a pattern subscription: the group also reads every topic whose whole name
   * matches, including topics created later (read from their first record), and stops reading a
   * matched topic when it is deleted.
   *
   * @return the pattern, or empty when the group reads only {@link #topics()}
   */
  public java.util.Optional<java.util.regex.Pattern> topicPattern() {
    return java.util.Optional.ofNullable(topicPattern);
  }

  /**
   * A copy that subscribes to every topic whose whole name matches a Java regular expression, now
   * and later: a topic created while the group runs joins the subscription within moments (and is
   * read from its first record: every record in it is new to the group); a deleted one leaves it,
   * and the group rebalances each time. The group's own dead-letter topic is never matched. Topics
   * named with {@link #withTopics} are read as well and must exist.
   *
   * @param regex the expression, matched against whole topic names
   * @return the new spec
   * @throws IllegalArgumentException if the expression is invalid, with the reason
   */
  public SubscriptionSpec<K, V> withTopicPattern(String regex) {
    Objects.requireNonNull(regex, "regex");
    java.util.regex.Pattern pattern;
    try {
      pattern = java.util.regex.Pattern.compile(regex);
    } catch (java.util.regex.PatternSyntaxException e) {
      throw new IllegalArgumentException(
          "invalid topic pattern '" + regex + "': " + e.getDescription(), e);
    }
    return copy(f -> f.topicPattern = pattern);
  }

  /**
   * The server-side filter: only records it matches are delivered; the others advance the committed
   * position without reaching the handler.
   *
   * @return the filter, or empty when every record is delivered
   */
  public java.util.Optional<RecordFilter> filter() {
    return java.util.Optional.ofNullable(filter);
  }

  /**
   * A copy that receives only the records {@code filter} matches. The partition evaluates it, so
   * the records filtered out are neither sent nor decoded by the member; they still advance the
   * group's committed position (and leave its lag) as the member reads past them.
   *
   * @param filter the filter
   * @return the new spec
   */
  public SubscriptionSpec<K, V> withFilter(RecordFilter filter) {
    Objects.requireNonNull(filter, "filter");
    return copy(f -> f.filter = filter);
  }

  /**
   * A copy with a filter given as an expression (see {@link RecordFilter} for the grammar).
   *
   * @param expression the filter expression
   * @return the new spec
   * @throws InvalidFilterException if the expression is invalid, naming the position
   */
  public SubscriptionSpec<K, V> withFilter(String expression) {
    return withFilter(RecordFilter.parse(expression));
  }

  /**
   * A copy without a filter: every record is delivered.
   *
   * @return the new spec
   */
  public SubscriptionSpec<K, V> withoutFilter() {
    return copy(f -> f.filter = null);
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
  public SubscriptionSpec<K, V> withProcessingTimeout(Duration timeout) {
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
        Duration.ofSeconds(60),
        DeliveryMode.AT_LEAST_ONCE,
        true,
        null,
        null,
        null,
        null,
        1,
        Duration.ofSeconds(10));
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

  /** Copies this spec with some settings changed; the constructor checks each one. */
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
        f.deadLetters,
        f.filter,
        f.topicPattern,
        f.autoscaling,
        f.visibilityTimeout,
        f.priorityLevels,
        f.priorityAging);
  }

  /** The mutable settings of a copy under construction. */
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
    Duration processingTimeout;
    DeliveryMode deliveryMode;
    boolean deadLetters;
    RecordFilter filter;
    java.util.regex.Pattern topicPattern;
    Autoscaling autoscaling;
    Duration visibilityTimeout;
    int priorityLevels;
    Duration priorityAging;

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
      filter = spec.filter;
      topicPattern = spec.topicPattern;
      autoscaling = spec.autoscaling;
      visibilityTimeout = spec.visibilityTimeout;
      priorityLevels = spec.priorityLevels;
      priorityAging = spec.priorityAging;
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SubscriptionSpec<?, ?> other
        && Objects.equals(group, other.group)
        && Objects.equals(topics, other.topics)
        && Objects.equals(keyCodec, other.keyCodec)
        && Objects.equals(valueCodec, other.valueCodec)
        && Objects.equals(startPosition, other.startPosition)
        && Objects.equals(retryPolicy, other.retryPolicy)
        && Objects.equals(assignor, other.assignor)
        && prefetch == other.prefetch
        && parallelism == other.parallelism
        && Objects.equals(orderingPolicy, other.orderingPolicy)
        && Objects.equals(processingTimeout, other.processingTimeout)
        && Objects.equals(deliveryMode, other.deliveryMode)
        && deadLetters == other.deadLetters
        && Objects.equals(filter, other.filter)
        && Objects.equals(patternText(), other.patternText())
        && Objects.equals(autoscaling, other.autoscaling)
        && Objects.equals(visibilityTimeout, other.visibilityTimeout)
        && priorityLevels == other.priorityLevels
        && Objects.equals(priorityAging, other.priorityAging);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        group,
        topics,
        keyCodec,
        valueCodec,
        startPosition,
        retryPolicy,
        assignor,
        prefetch,
        parallelism,
        orderingPolicy,
        processingTimeout,
        deliveryMode,
        deadLetters,
        filter,
        patternText(),
        autoscaling,
        visibilityTimeout,
        priorityLevels,
        priorityAging);
  }

  private String patternText() {
    return topicPattern == null ? null : topicPattern.pattern();
  }

  @Override
  public String toString() {
    return "SubscriptionSpec[group="
        + group
        + ", topics="
        + topics
        + ", startPosition="
        + startPosition
        + ", assignor="
        + assignor
        + ", prefetch="
        + prefetch
        + ", parallelism="
        + parallelism
        + ", orderingPolicy="
        + orderingPolicy
        + ", deliveryMode="
        + deliveryMode
        + ", deadLetters="
        + deadLetters
        + (filter == null ? "" : ", filter=" + filter)
        + (topicPattern == null ? "" : ", topicPattern=" + topicPattern.pattern())
        + (autoscaling == null ? "" : ", autoscaling=" + autoscaling)
        + (visibilityTimeout == null ? "" : ", shared, visibilityTimeout=" + visibilityTimeout)
        + (priorityLevels == 1
            ? ""
            : ", priorityLevels=" + priorityLevels + ", priorityAging=" + priorityAging)
        + "]";
  }

  /**
   * Checks a consumer group name: the rules of topic names, and 4 characters shorter (its
   * dead-letter topic adds {@code .dlq}).
   *
   * @param group the name to check
   * @throws IllegalArgumentException naming what is wrong
   */
  public static void validateGroupName(String group) {
    try {
      TopicSpec.validateName(group);
    } catch (InvalidTopicException e) {
      throw new IllegalArgumentException(
          "invalid group name: " + e.getMessage().replace("topic name", "group name"), e);
    }
    if (group.length() > TopicSpec.MAX_NAME_LENGTH - 4) {
      throw new IllegalArgumentException(
          "group name must be at most "
              + (TopicSpec.MAX_NAME_LENGTH - 4)
              + " characters (its dead-letter topic adds \".dlq\"), was "
              + group.length());
    }
  }
}
