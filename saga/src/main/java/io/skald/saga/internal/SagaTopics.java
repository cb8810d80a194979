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

  /**
   * Creates the missing topics (existing ones are kept as they are) and waits.
   *
   * @param admin the admin
   * @param names the topic names
   * @param partitions the partitions of a created topic
   * @param timeout how long to wait
   */
  public static void ensure(
      TopicAdmin admin, Collection<String> names, int partitions, Duration timeout) {
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
                                    : admin.createTopic(TopicSpec.of(name, partitions)))
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
