package io.skald.saga.internal;

import io.skald.framework.admin.TopicAdmin;
import io.skald.framework.admin.TopicConflictException;
import io.skald.framework.admin.TopicSpec;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/** INTERNAL API: creates the topics a saga or a participant needs if they do not exist. */
public final class SagaTopics {
  private SagaTopics() {}

  private static TopicSpec spec(String name, int partitions, Duration maxAge) {
    TopicSpec spec = TopicSpec.of(name, partitions);
    return maxAge == null
        ? spec
        : spec.withRetention(io.skald.framework.admin.Retention.forever().withMaxAge(maxAge));
  }

  /**
   * Creates the missing topics (existing ones are kept as they are) and waits.
   *
   * @param admin the admin
   * @param names the topic names
   * @param partitions the partitions of a created topic
   * @param timeout how long to wait
   * @param maxAge the age at which records of a created topic are deleted, or null to keep them
   */
  public static void ensure(
      TopicAdmin admin,
      Collection<String> names,
      int partitions,
      Duration timeout,
      Duration maxAge) {
    CompletableFuture<?>[] all =
        names.stream()
            .distinct()
            .map(
                name ->
                    admin
                        .describeTopic(name)
                        .thenCompose(
                            existing ->
                                existing.isPresent()
                                    ? CompletableFuture.completedFuture(existing.get())
                                    : admin.createTopic(spec(name, partitions, maxAge)))
                        .exceptionally(
                            error -> {
                              Throwable cause =
                                  error instanceof CompletionException ? error.getCause() : error;
                              if (cause instanceof TopicConflictException) {
                                return null; // created meanwhile by another node
                              }
                              throw new CompletionException(cause);
                            })
                        .toCompletableFuture())
            .toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(all).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new io.skald.framework.SkaldException(
          "creating saga topics failed: " + e.getCause(), e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new io.skald.framework.SkaldException("creating saga topics timed out: " + names, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new io.skald.framework.SkaldException("interrupted while creating saga topics", e);
    }
  }
}
