package io.skald.framework.internal.consumer;

import io.skald.framework.Stages;
import io.skald.framework.TopicPartition;
import io.skald.framework.consumer.Subscription;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;

/** INTERNAL API: the {@link Subscription} handle of a {@link ConsumerActor}. */
public final class DefaultSubscription implements Subscription {
  private final String group;
  private final String memberId;
  private final ActorRef<ConsumerActor.Command> actor;
  private final MemberView shared;
  private final boolean transactional;

  /**
   * Creates the handle.
   *
   * @param group the group
   * @param memberId the member id
   * @param actor the consumer actor
   * @param shared state shared with the actor
   * @param transactional whether its positions are committed by transactions only
   */
  public DefaultSubscription(
      String group,
      String memberId,
      ActorRef<ConsumerActor.Command> actor,
      MemberView shared,
      boolean transactional) {
    this.transactional = transactional;
    this.group = group;
    this.memberId = memberId;
    this.actor = actor;
    this.shared = shared;
  }

  @Override
  public String group() {
    return group;
  }

  @Override
  public String memberId() {
    return memberId;
  }

  /**
   * Whether its positions are committed by transactions only ({@code DeliveryMode.TRANSACTIONAL}).
   *
   * @return whether it is transactional
   */
  public boolean transactional() {
    return transactional;
  }

  /**
   * The generation in which the member was granted a partition it owns.
   *
   * @param tp the partition
   * @return the generation, or -1 if it does not own the partition
   */
  public long generationOf(TopicPartition tp) {
    return shared.generationOf(tp);
  }

  @Override
  public Set<TopicPartition> assignment() {
    return shared.assignment();
  }

  @Override
  public int bufferedRecords() {
    return shared.bufferedRecords();
  }

  @Override
  public CompletionStage<Done> seek(TopicPartition partition, long offset) {
    CompletableFuture<Done> done = new CompletableFuture<>();
    actor.tell(new ConsumerActor.Seek(partition, offset, done));
    return Stages.unwrapped(done);
  }

  @Override
  public CompletionStage<Done> stop() {
    return shared.stop(done -> actor.tell(new ConsumerActor.Stop(done)));
  }

  @Override
  public CompletionStage<Done> whenTerminated() {
    return shared.terminated();
  }
}
