package io.skald.framework.internal.txn;

import io.skald.framework.Stages;
import io.skald.framework.TopicPartition;
import io.skald.framework.internal.SkaldSettings;
import io.skald.framework.internal.group.GroupCoordinator;
import io.skald.framework.internal.group.GroupProtocol;
import io.skald.framework.internal.log.PartitionEntity;
import io.skald.framework.internal.log.PartitionProtocol;
import io.skald.framework.internal.log.RecordBatch;
import io.skald.framework.internal.log.RecordFormat;
import io.skald.framework.internal.metrics.SkaldMetrics;
import io.skald.framework.internal.txn.TxnProtocol.AppendOffset;
import io.skald.framework.internal.txn.TxnProtocol.Decided;
import io.skald.framework.internal.txn.TxnProtocol.GroupOffsets;
import io.skald.framework.internal.txn.TxnProtocol.PlannedAppend;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * INTERNAL API: writes a decided transaction: each partition's appends in their order (one after
 * another, so they keep their sequence order), the partitions and the groups in parallel, each
 * retried until it is answered. Writing the same decision again is harmless: the appends are
 * idempotent (producer id and sequence numbers are part of the decision) and a group ignores an
 * offset below its committed one.
 *
 * <p>What the partition may refuse after the decision: a full backlog or disk is waited out; a
 * deleted topic drops its records (there is nobody to read them); a record larger than a limit
 * lowered since it was sent goes to the dead-letter topic {@code skald-transactions.dlq} with the
 * cause — never dropped silently.
 */
final class TxnWriter {

  private static final long MAX_BACKOFF_MILLIS = 5_000;

  private final ActorSystem<?> system;
  private final SkaldSettings settings;
  private final RefusedRecords refused;
  private final String transactionalId;

  TxnWriter(
      ActorSystem<?> system,
      SkaldSettings settings,
      RefusedRecords refused,
      String transactionalId) {
    this.system = system;
    this.settings = settings;
    this.refused = refused;
    this.transactionalId = transactionalId;
  }

  CompletionStage<List<AppendOffset>> write(String producerId, Decided decided) {
    Map<TopicPartition, List<PlannedAppend>> byPartition = new LinkedHashMap<>();
    for (PlannedAppend a : decided.appends()) {
      byPartition.computeIfAbsent(a.data().tp(), tp -> new ArrayList<>()).add(a);
    }
    List<CompletableFuture<List<AppendOffset>>> partitions = new ArrayList<>();
    byPartition.forEach(
        (tp, appends) ->
            partitions.add(writePartition(producerId, tp, appends).toCompletableFuture()));
    List<CompletableFuture<Done>> groups = new ArrayList<>();
    for (GroupOffsets g : decided.offsets()) {
      groups.add(commit(g, 0).toCompletableFuture());
    }
    List<CompletableFuture<?>> all = new ArrayList<>(partitions);
    all.addAll(groups);
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .thenApply(
            ignored -> {
              List<AppendOffset> offsets = new ArrayList<>();
              partitions.forEach(p -> offsets.addAll(p.join()));
              return offsets;
            });
  }

  private CompletionStage<List<AppendOffset>> writePartition(
      String producerId, TopicPartition tp, List<PlannedAppend> appends) {
    List<AppendOffset> offsets = new ArrayList<>();
    CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
    int firstRecord = 0;
    for (PlannedAppend append : appends) {
      int first = firstRecord;
      firstRecord += append.data().count();
      chain =
          chain
              .thenCompose(ignored -> append(producerId, tp, append, true, 0))
              .thenAccept(
                  appended ->
                      offsets.add(
                          new AppendOffset(
                              tp.topic(),
                              tp.partition(),
                              first,
                              appended.baseOffset(),
                              appended.timestamp())));
    }
    return chain.thenApply(ignored -> offsets);
  }

  private CompletionStage<PartitionProtocol.Appended> append(
      String producerId, TopicPartition tp, PlannedAppend append, boolean inOrder, int attempt) {
    CompletionStage<PartitionProtocol.AppendResult> answer =
        PartitionEntity.ref(system, tp)
            .ask(
                (ActorRef<PartitionProtocol.AppendResult> replyTo) ->
                    new PartitionProtocol.Append(
                        append.data().count(),
                        append.data().records(),
                        producerId,
                        append.firstSequence(),
                        replyTo,
                        null,
                        inOrder,
                        false), // committed: a quota must not refuse it
                settings.requestTimeout());
    return Stages.inline(answer)
        .handle(
            (result, error) -> {
              if (error != null) {
                return later(attempt, () -> append(producerId, tp, append, inOrder, attempt + 1));
              }
              if (result instanceof PartitionProtocol.Appended appended) {
                return CompletableFuture.completedFuture(appended);
              }
              PartitionProtocol.AppendFailed failed = (PartitionProtocol.AppendFailed) result;
              return refused(producerId, tp, append, inOrder, attempt, failed);
            })
        .thenCompose(stage -> stage);
  }

  private CompletionStage<PartitionProtocol.Appended> refused(
      String producerId,
      TopicPartition tp,
      PlannedAppend append,
      boolean inOrder,
      int attempt,
      PartitionProtocol.AppendFailed failed) {
    PartitionProtocol.Appended none = new PartitionProtocol.Appended(-1, -1, false);
    switch (failed.refusal()) {
      case BACKLOG_FULL, DISK_FULL, QUOTA_EXCEEDED -> {
        if (attempt % 10 == 0) {
          system
              .log()
              .warn(
                  "transaction '{}': {} refuses its committed records ({}); retrying",
                  transactionalId,
                  tp,
                  failed.describe());
        }
        return later(attempt, () -> append(producerId, tp, append, inOrder, attempt + 1));
      }
      case OUT_OF_ORDER_SEQUENCE, UNKNOWN_PRODUCER -> {
        // The partition forgot this producer (idle beyond producer-state-retention while the
        // decision waited): written by sequence alone.
        system
            .log()
            .warn(
                "transaction '{}': {} answered {}; appending without the order check",
                transactionalId,
                tp,
                failed.describe());
        return append(producerId, tp, append, false, attempt + 1);
      }
      case TOPIC_DELETED -> {
        system
            .log()
            .warn(
                "transaction '{}': topic of {} was deleted; its {} committed record(s) are dropped",
                transactionalId,
                tp,
                append.data().count());
        count(tp, "topic_deleted", append.data().count());
        return CompletableFuture.completedFuture(none);
      }
      case PRODUCER_FENCED -> {
        system
            .log()
            .error(
                "transaction '{}': {} fences its epoch ({}): a newer coordinator epoch wrote there",
                transactionalId,
                tp,
                failed.describe());
        count(tp, "fenced", append.data().count());
        return CompletableFuture.completedFuture(none);
      }
      default -> {
        // RECORD_TOO_LARGE, OUTSIDE_BATCH_LIMITS: a limit was lowered after the records were sent
        List<RecordFormat.Decoded> records =
            RecordFormat.decode(
                new RecordBatch(
                    0, System.currentTimeMillis(), append.data().count(), append.data().records()));
        count(tp, "dead_lettered", records.size());
        return keep(tp, records, failed.describe(), 0).thenApply(ignored -> none);
      }
    }
  }

  private CompletionStage<Void> keep(
      TopicPartition tp, List<RecordFormat.Decoded> records, String reason, int attempt) {
    return Stages.inline(refused.keep(tp, records, transactionalId, reason))
        .handle(
            (ok, error) ->
                error == null
                    ? CompletableFuture.<Void>completedFuture(null)
                    : later(attempt, () -> keep(tp, records, reason, attempt + 1)))
        .thenCompose(stage -> stage);
  }

  private CompletionStage<Done> commit(GroupOffsets g, int attempt) {
    CompletionStage<Done> answer =
        GroupCoordinator.ref(system, g.group())
            .ask(
                (ActorRef<Done> replyTo) ->
                    new GroupProtocol.CommitTransactional(g.offsets(), replyTo),
                settings.askTimeout());
    return Stages.inline(answer)
        .handle(
            (done, error) ->
                error == null
                    ? CompletableFuture.completedFuture(done)
                    : later(attempt, () -> commit(g, attempt + 1)))
        .thenCompose(stage -> stage);
  }

  private void count(TopicPartition tp, String outcome, int records) {
    SkaldMetrics.get(system)
        .counter(
            "skald.transactions.refused.records",
            "Committed transactional records a partition refused after the decision, by outcome",
            "topic",
            tp.topic(),
            "outcome",
            outcome)
        .increment(records);
  }

  private static <T> CompletionStage<T> later(
      int attempt, java.util.function.Supplier<CompletionStage<T>> retry) {
    long delay = Math.min(MAX_BACKOFF_MILLIS, 100L << Math.min(attempt, 6));
    return CompletableFuture.runAsync(
            () -> {}, CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS))
        .thenCompose(ignored -> retry.get());
  }
}
