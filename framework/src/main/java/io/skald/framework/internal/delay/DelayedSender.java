package io.skald.framework.internal.delay;

import io.skald.framework.Stages;
import io.skald.framework.TopicPartition;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.topic.Partitioner;
import io.skald.framework.internal.topic.TopicCache;
import io.skald.framework.producer.ScheduledDelivery;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/** INTERNAL API: hands delayed records to the scheduler of their target partition. */
public final class DelayedSender {
  /** Header on a delayed record: when it was due, epoch milliseconds. */
  public static final String DUE_HEADER = "skald.delivery-due";

  /**
   * The headers a delayed record is written with: the sender's plus {@link #DUE_HEADER}. The
   * producer checks the record's size with them, so a record accepted for later delivery fits its
   * topic's limit as it will be written.
   *
   * @param headers the sender's headers
   * @param due when the record is due
   * @return a new map
   */
  public static Map<String, String> withDueHeader(Map<String, String> headers, Instant due) {
    Map<String, String> withDue = new LinkedHashMap<>(headers);
    withDue.put(DUE_HEADER, Long.toString(due.toEpochMilli()));
    return withDue;
  }

  private final ActorSystem<?> system;
  private final SkaldSettings settings;
  private final TopicCache topics;
  private final AtomicInteger roundRobin = new AtomicInteger();

  public DelayedSender(ActorSystem<?> system, SkaldSettings settings, TopicCache topics) {
    this.system = system;
    this.settings = settings;
    this.topics = topics;
  }

  public CompletionStage<ScheduledDelivery> schedule(
      String topic,
      int requestedPartition,
      byte[] key,
      byte[] value,
      Map<String, String> headers,
      Instant due) {
    return topics
        .require(topic)
        .thenCompose(
            spec -> {
              int partition =
                  Partitioner.choose(spec, requestedPartition, key, roundRobin::getAndIncrement);
              TopicPartition tp = new TopicPartition(topic, partition);
              Map<String, String> withDue = withDueHeader(headers, due);
              return Stages.inline(
                      ClusterSharding.get(system)
                          .entityRefFor(
                              DelayedDeliveryScheduler.ENTITY_TYPE_KEY,
                              DelayedDeliveryScheduler.entityId(tp))
                          .<DelayedDeliveryScheduler.ScheduledAck>ask(
                              replyTo ->
                                  new DelayedDeliveryScheduler.Schedule(
                                      due.toEpochMilli(), key, value, Map.copyOf(withDue), replyTo),
                              settings.askTimeout()))
                  .thenApply(
                      ack ->
                          new ScheduledDelivery(
                              topic, partition, ack.id(), Instant.ofEpochMilli(ack.dueAtMillis())));
            });
  }
}
