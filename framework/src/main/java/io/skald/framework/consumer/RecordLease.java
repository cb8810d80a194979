package io.skald.framework.consumer;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/**
 * A shared subscription's hold on one record (see {@link SubscriptionSpec#withSharedConsumption}):
 * while it lasts, no other member is handed the record. Given to a {@link LeasedRecordHandler}.
 *
 * <p>The lease ends when the handler's stage completes (the record is acknowledged), when it fails
 * (the record is released for a retry after the retry policy's backoff, or dead-lettered), when
 * {@link #release} is called, or when the visibility timeout passes without an {@link #extend} (the
 * record is handed to another member: the handler's later acknowledgement is then refused and the
 * record is handled twice). Thread-safe.
 * <!-- snippet: jd-record-lease -->
 *
 * <pre>{@code
 * LeasedRecordHandler<String, String> render =
 *     (record, lease) -> {
 *       // a long task: keep the record hidden from the other members while it runs
 *       ScheduledFuture<?> heartbeat =
 *           scheduler.scheduleAtFixedRate(
 *               () -> lease.extend(Duration.ofSeconds(30)), 10, 10, TimeUnit.SECONDS);
 *       return renderVideo(record.value()).whenComplete((ok, error) -> heartbeat.cancel(false));
 *     };
 * }</pre>
 */
public interface RecordLease {

  /**
   * How many times the record has been handed out, this time included: 1 the first time.
   *
   * @return the delivery count
   */
  int deliveryCount();

  /**
   * Until when the record is hidden from the other members, by the clock of the node that keeps the
   * lease.
   *
   * @return the end of the lease
   */
  Instant lockedUntil();

  /**
   * Keeps the record hidden for {@code visibility} from now on (a heartbeat of a long task). The
   * extension is durable: it holds across a restart of the node keeping the lease.
   *
   * @param visibility how long from now, positive
   * @return the new end of the lease; fails with {@link LeaseLostException} when the lease already
   *     ended (it timed out and the record went to another member, or it was released)
   * @throws IllegalArgumentException if {@code visibility} is not positive
   */
  CompletionStage<Instant> extend(Duration visibility);

  /**
   * Gives the record back without acknowledging it (a negative acknowledgement): it is handed out
   * again after {@code delay} (to any member), counting one more delivery. The handler's result is
   * then ignored.
   *
   * @param delay how long the record stays hidden first; zero for at once
   * @return completes when the release is durable; fails with {@link LeaseLostException} when the
   *     lease already ended
   * @throws IllegalArgumentException if {@code delay} is negative
   */
  CompletionStage<Done> release(Duration delay);
}
