package io.skald.framework.internal.deadletter;

import io.skald.framework.SkaldException;
import io.skald.framework.Stages;
import io.skald.framework.TopicPartition;
import io.skald.framework.admin.PartitionOffsets;
import io.skald.framework.deadletter.DeadLetter;
import io.skald.framework.deadletter.DeadLetterQueue;
import io.skald.framework.deadletter.DeadLetterReason;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.log.LogReader;
import io.skald.framework.internal.log.PartitionEntity;
import io.skald.framework.internal.log.PartitionProtocol;
import io.skald.framework.internal.log.RecordFormat;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/** INTERNAL API: the {@link DeadLetterQueue} of a group, reading its one-partition DLQ topic. */
public final class DefaultDeadLetterQueue implements DeadLetterQueue {
  private static final int PAGE = 100;

  private final ActorSystem<?> system;
  private final SkaldSettings settings;
  private final String topic;
  private final TopicPartition partition;

  /**
   * Creates the queue view.
   *
   * @param system the actor system
   * @param settings Skald's settings
   * @param topic the dead-letter topic
   */
  public DefaultDeadLetterQueue(ActorSystem<?> system, SkaldSettings settings, String topic) {
    this.system = system;
    this.settings = settings;
    this.topic = topic;
    this.partition = new TopicPartition(topic, 0);
  }

  @Override
  public String topic() {
    return topic;
  }

  @Override
  public CompletionStage<List<DeadLetter>> list(long fromOffset, int limit) {
    if (limit < 1) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("limit must be >= 1, was " + limit));
    }
    return Stages.unwrapped(
        LogReader.read(system, partition, fromOffset, limit, settings.askTimeout())
            .thenApply(
                records -> records.stream().map(DefaultDeadLetterQueue::toDeadLetter).toList()));
  }

  private static DeadLetter toDeadLetter(RecordFormat.Decoded r) {
    Map<String, String> h = r.headers();
    return new DeadLetter(
        r.offset(),
        new TopicPartition(
            h.getOrDefault(DeadLetterHeaders.TOPIC, "?"),
            Integer.parseInt(h.getOrDefault(DeadLetterHeaders.PARTITION, "0"))),
        Long.parseLong(h.getOrDefault(DeadLetterHeaders.OFFSET, "-1")),
        r.key(),
        r.value(),
        DeadLetterHeaders.withoutDeadLetterHeaders(h),
        Integer.parseInt(h.getOrDefault(DeadLetterHeaders.ATTEMPTS, "0")),
        reason(h.get(DeadLetterHeaders.REASON)),
        h.getOrDefault(DeadLetterHeaders.ERROR_CLASS, ""),
        h.getOrDefault(DeadLetterHeaders.ERROR_MESSAGE, ""),
        instant(h.get(DeadLetterHeaders.FIRST_FAILURE)),
        instant(h.get(DeadLetterHeaders.LAST_FAILURE)));
  }

  private static DeadLetterReason reason(String header) {
    for (DeadLetterReason reason : DeadLetterReason.values()) {
      if (reason.header().equals(header)) {
        return reason;
      }
    }
    return null;
  }

  private static Instant instant(String value) {
    return value == null ? Instant.EPOCH : Instant.parse(value);
  }

  private CompletionStage<PartitionOffsets> bounds() {
    return Stages.inline(
        PartitionEntity.ref(system, partition)
            .ask(PartitionProtocol.GetOffsets::new, settings.askTimeout()));
  }

  @Override
  public CompletionStage<Long> size() {
    return Stages.unwrapped(bounds().thenApply(b -> b.logEndOffset() - b.logStartOffset()));
  }

  @Override
  public CompletionStage<Long> replay(long dlqOffset) {
    return replay(dlqOffset, dlqOffset + 1);
  }

  @Override
  public CompletionStage<Long> replayAll() {
    return Stages.unwrapped(
        bounds().thenCompose(b -> replay(b.logStartOffset(), b.logEndOffset())));
  }

  @Override
  public CompletionStage<Long> replay(long fromOffset, long toOffset) {
    if (toOffset <= fromOffset) {
      return CompletableFuture.completedFuture(0L);
    }
    return Stages.unwrapped(
        replayPages(fromOffset, toOffset, 0).thenApply(replayed -> (long) replayed));
  }

  /** Replays page by page, pausing between pages to keep to the replay rate. */
  private CompletionStage<Integer> replayPages(long from, long to, int replayedSoFar) {
    int pageSize = (int) Math.min(PAGE, Math.min(to - from, settings.replayRate()));
    long started = System.nanoTime();
    return LogReader.read(system, partition, from, pageSize, settings.askTimeout())
        .thenCompose(
            records -> {
              List<ReplayLedger.Letter> letters = new ArrayList<>();
              for (RecordFormat.Decoded r : records) {
                if (r.offset() >= to) {
                  break;
                }
                DeadLetter letter = toDeadLetter(r);
                Map<String, String> headers = new java.util.LinkedHashMap<>(letter.headers());
                headers.put(REPLAYED_FROM, topic + "@" + r.offset());
                letters.add(
                    new ReplayLedger.Letter(
                        r.offset(), letter.original(), r.key(), r.value(), headers));
              }
              if (letters.isEmpty()) {
                return CompletableFuture.completedFuture(replayedSoFar);
              }
              long next = letters.get(letters.size() - 1).dlqOffset() + 1;
              return Stages.inline(
                      ClusterSharding.get(system)
                          .entityRefFor(ReplayLedger.ENTITY_TYPE_KEY, topic)
                          .<ReplayLedger.ReplayResult>ask(
                              replyTo -> new ReplayLedger.Replay(List.copyOf(letters), replyTo),
                              settings.deliveryTimeout().plus(settings.askTimeout())))
                  .thenCompose(
                      result -> {
                        if (result instanceof ReplayLedger.ReplayFailed failed) {
                          throw new SkaldException(
                              "replay of " + topic + " failed: " + failed.reason());
                        }
                        int total = replayedSoFar + ((ReplayLedger.Replayed) result).replayed();
                        if (next >= to) {
                          return CompletableFuture.completedFuture(total);
                        }
                        long pageNanos =
                            TimeUnit.SECONDS.toNanos(letters.size()) / settings.replayRate();
                        long wait = Math.max(0, pageNanos - (System.nanoTime() - started));
                        return CompletableFuture.supplyAsync(
                                () -> null,
                                CompletableFuture.delayedExecutor(wait, TimeUnit.NANOSECONDS))
                            .thenCompose(ignored -> replayPages(next, to, total));
                      });
            });
  }

  @Override
  public CompletionStage<Long> purge() {
    return Stages.unwrapped(
        bounds()
            .thenCompose(
                before ->
                    Stages.inline(
                            PartitionEntity.ref(system, partition)
                                .<PartitionOffsets>ask(
                                    replyTo ->
                                        new PartitionProtocol.TruncateBefore(
                                            before.logEndOffset(), replyTo),
                                    settings.askTimeout()))
                        .thenApply(after -> after.logStartOffset() - before.logStartOffset())));
  }
}
