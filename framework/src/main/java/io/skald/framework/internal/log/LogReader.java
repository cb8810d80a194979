package io.skald.framework.internal.log;

import io.skald.framework.Stages;
import io.skald.framework.TopicPartition;
import io.skald.framework.admin.PartitionOffsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/** INTERNAL API: reads a page of records of one partition by offset, without a consumer group. */
public final class LogReader {
  private LogReader() {}

  public static CompletionStage<List<RecordFormat.Decoded>> read(
      ActorSystem<?> system, TopicPartition tp, long fromOffset, int limit, Duration timeout) {
    EntityRef<PartitionProtocol.Command> partition = PartitionEntity.ref(system, tp);
    return Stages.inline(
            partition.<PartitionOffsets>ask(PartitionProtocol.GetOffsets::new, timeout))
        .thenCompose(
            bounds -> {
              long from = Math.max(fromOffset, bounds.logStartOffset());
              if (from >= bounds.logEndOffset()) {
                return CompletableFuture.completedFuture(List.of());
              }
              return Stages.inline(
                      partition.<PartitionProtocol.FetchResult>ask(
                          replyTo -> new PartitionProtocol.Fetch(0, from, limit, 1 << 20, replyTo),
                          timeout))
                  .thenApply(
                      result -> {
                        List<RecordFormat.Decoded> records = new ArrayList<>();
                        if (result instanceof PartitionProtocol.Fetched fetched) {
                          for (RecordBatch batch : fetched.batches()) {
                            for (RecordFormat.Decoded r : RecordFormat.decode(batch)) {
                              if (r.offset() >= from && records.size() < limit) {
                                records.add(r);
                              }
                            }
                          }
                        }
                        return records;
                      });
            });
  }
}
