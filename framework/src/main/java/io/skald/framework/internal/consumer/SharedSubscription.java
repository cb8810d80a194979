package io.skald.framework.internal.consumer;

import io.skald.framework.TopicPartition;
import io.skald.framework.consumer.Subscription;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;

/** INTERNAL API: the {@link Subscription} handle of a {@link SharedConsumer}. */
public final class SharedSubscription implements Subscription {
  private final String group;
  private final String memberId;
  private final ActorRef<SharedConsumer.Command> actor;
  private final MemberView view;

  /**
   * Creates the handle.
   *
   * @param group the group
   * @param memberId the member id
   * @param actor the member
   * @param view state shared with the member
   */
  public SharedSubscription(
      String group, String memberId, ActorRef<SharedConsumer.Command> actor, MemberView view) {
    this.group = group;
    this.memberId = memberId;
    this.actor = actor;
    this.view = view;
  }

  @Override
  public String group() {
    return group;
  }

  @Override
  public String memberId() {
    return memberId;
  }

  /** Every partition of its topics: a shared member reads all of them. */
  @Override
  public Set<TopicPartition> assignment() {
    return view.assignment();
  }

  /** Always 0: a shared member acquires only records it can start at once. */
  @Override
  public int bufferedRecords() {
    return view.bufferedRecords();
  }

  /** Refused: a shared group has no position; its records are acknowledged one by one. */
  @Override
  public CompletionStage<Done> seek(TopicPartition partition, long offset) {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException(
            "group '"
                + group
                + "' is shared: it has no position to move (records are acknowledged one by one)"));
  }

  @Override
  public CompletionStage<Done> stop() {
    return view.stop(done -> actor.tell(new SharedConsumer.Stop(done)));
  }

  @Override
  public CompletionStage<Done> whenTerminated() {
    return view.terminated();
  }
}
