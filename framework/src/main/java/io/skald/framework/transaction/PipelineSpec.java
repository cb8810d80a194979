package io.skald.framework.transaction;

import io.skald.framework.Codec;
import io.skald.framework.consumer.DeliveryMode;
import io.skald.framework.consumer.SubscriptionSpec;
import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link Pipeline} consumes, what it produces, and how often it commits.
 *
 * <p>The input subscription is used with {@link DeliveryMode#TRANSACTIONAL} (the pipeline commits
 * its positions) and must handle one record of a partition at a time (parallelism 1): outputs keep
 * the input's per-partition order. Each input partition has its own transactional id, {@code
 * <group>-<topic>-<partition>}, so a partition's new owner fences its previous one.
 *
 * <p>A transaction is committed when {@code batchSize} input records are in it, or {@code
 * commitInterval} after its first record, whichever comes first. Larger batches cost fewer commits;
 * the interval bounds how long an output waits to become readable.
 * <!-- snippet: jd-pipeline-spec -->
 *
 * <pre>{@code
 * PipelineSpec<String, String, String, String> spec =
 *     PipelineSpec.of(
 *             SubscriptionSpec.of("enricher", Codecs.string(), Codecs.string())
 *                 .withTopics("orders"),
 *             Codecs.string(),
 *             Codecs.string())
 *         .withBatchSize(200)
 *         .withCommitInterval(Duration.ofMillis(50));
 * }</pre>
 *
 * @param input the subscription to consume with
 * @param keyCodec encodes output keys
 * @param valueCodec encodes output values
 * @param batchSize the most input records in one transaction, 1 to 100,000
 * @param commitInterval the longest a transaction stays open, 1 ms to 1 minute
 * @param <KI> the input key type
 * @param <VI> the input value type
 * @param <KO> the output key type
 * @param <VO> the output value type
 */
public record PipelineSpec<KI, VI, KO, VO>(
    SubscriptionSpec<KI, VI> input,
    Codec<KO> keyCodec,
    Codec<VO> valueCodec,
    int batchSize,
    Duration commitInterval) {

  /** Input records per transaction unless set: 500. */
  public static final int DEFAULT_BATCH_SIZE = 500;

  /** How long a transaction stays open unless set: 100 ms. */
  public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofMillis(100);

  /**
   * Validates.
   *
   * @param input the subscription to consume with
   * @param keyCodec encodes output keys
   * @param valueCodec encodes output values
   * @param batchSize the most input records in one transaction
   * @param commitInterval the longest a transaction stays open
   * @throws IllegalArgumentException naming the value: a parallelism above 1, a delivery mode other
   *     than {@code TRANSACTIONAL} or the default {@code AT_LEAST_ONCE}, a batch size or interval
   *     out of range
   */
  public PipelineSpec {
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(keyCodec, "keyCodec");
    Objects.requireNonNull(valueCodec, "valueCodec");
    Objects.requireNonNull(commitInterval, "commitInterval");
    if (input.parallelism() != 1) {
      throw new IllegalArgumentException(
          "a pipeline handles one record of a partition at a time (its outputs keep the input's"
              + " order): the subscription's parallelism must be 1, was "
              + input.parallelism());
    }
    if (input.deliveryMode() != DeliveryMode.TRANSACTIONAL) {
      if (input.deliveryMode() != DeliveryMode.AT_LEAST_ONCE) {
        throw new IllegalArgumentException(
            "a pipeline commits its input positions in its transactions: its subscription's"
                + " delivery mode must be TRANSACTIONAL (or left at the default AT_LEAST_ONCE), was "
                + input.deliveryMode());
      }
      input = input.withDeliveryMode(DeliveryMode.TRANSACTIONAL);
    }
    if (batchSize < 1 || batchSize > 100_000) {
      throw new IllegalArgumentException("batchSize must be 1 to 100000, was " + batchSize);
    }
    if (commitInterval.compareTo(Duration.ofMillis(1)) < 0
        || commitInterval.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException(
          "commitInterval must be 1 ms to 1 minute, was " + commitInterval);
    }
  }

  /**
   * A spec with the default batch size and commit interval.
   *
   * @param input the subscription to consume with
   * @param keyCodec encodes output keys
   * @param valueCodec encodes output values
   * @param <KI> the input key type
   * @param <VI> the input value type
   * @param <KO> the output key type
   * @param <VO> the output value type
   * @return the spec
   */
  public static <KI, VI, KO, VO> PipelineSpec<KI, VI, KO, VO> of(
      SubscriptionSpec<KI, VI> input, Codec<KO> keyCodec, Codec<VO> valueCodec) {
    return new PipelineSpec<>(
        input, keyCodec, valueCodec, DEFAULT_BATCH_SIZE, DEFAULT_COMMIT_INTERVAL);
  }

  /**
   * A copy with another batch size.
   *
   * @param size the most input records in one transaction
   * @return the new spec
   */
  public PipelineSpec<KI, VI, KO, VO> withBatchSize(int size) {
    return new PipelineSpec<>(input, keyCodec, valueCodec, size, commitInterval);
  }

  /**
   * A copy with another commit interval.
   *
   * @param interval the longest a transaction stays open
   * @return the new spec
   */
  public PipelineSpec<KI, VI, KO, VO> withCommitInterval(Duration interval) {
    return new PipelineSpec<>(input, keyCodec, valueCodec, batchSize, interval);
  }

  /**
   * The transactional id of an input partition: {@code <group>-<topic>-<partition>}, or, past 200
   * characters, a prefix of it and a hash of the whole.
   *
   * @param topic the input topic
   * @param partition the partition
   * @return the id
   */
  public String transactionalId(String topic, int partition) {
    String id = input.group() + "-" + topic + "-" + partition;
    if (id.length() <= 200) {
      return id;
    }
    String hash;
    try {
      byte[] digest =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(id.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      hash = java.util.HexFormat.of().formatHex(digest, 0, 8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
    return id.substring(0, 200 - hash.length() - 1) + "-" + hash;
  }
}
