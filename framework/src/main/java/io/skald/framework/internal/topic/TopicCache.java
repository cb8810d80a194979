package io.skald.framework.internal.topic;

import io.skald.framework.Stages;
import io.skald.framework.UnknownTopicException;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.internal.SkaldSettings;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * INTERNAL API: topic definitions known to this node. A topic's partition count never changes, so a
 * definition once read is cached for good; unknown names are asked of the {@link TopicRegistry}
 * every time (a topic may be created meanwhile).
 */
public final class TopicCache {
  private final ActorSystem<?> system;
  private final SkaldSettings settings;
  private final ConcurrentHashMap<String, TopicSpec> topics = new ConcurrentHashMap<>();

  /**
   * Creates the cache.
   *
   * @param system the actor system
   * @param settings Skald's settings
   */
  public TopicCache(ActorSystem<?> system, SkaldSettings settings) {
    this.system = system;
    this.settings = settings;
  }

  /**
   * The cached definition, if any.
   *
   * @param name the topic
   * @return the definition or null
   */
  public TopicSpec cached(String name) {
    return topics.get(name);
  }

  /**
   * Remembers a definition (after it was created or read).
   *
   * @param spec the definition
   */
  public void put(TopicSpec spec) {
    topics.put(spec.name(), spec);
  }

  /**
   * The definition of an existing topic.
   *
   * @param name the topic
   * @return the definition, or a stage failed with {@link UnknownTopicException} or {@link
   *     io.skald.framework.admin.InvalidTopicException}
   */
  public CompletionStage<TopicSpec> require(String name) {
    try {
      TopicSpec.validateName(name);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    TopicSpec cached = topics.get(name);
    if (cached != null) {
      return CompletableFuture.completedFuture(cached);
    }
    return Stages.inline(
            TopicRegistry.ref(system)
                .<TopicRegistry.TopicLookup>ask(
                    replyTo -> new TopicRegistry.GetTopic(name, replyTo), settings.askTimeout()))
        .thenApply(
            lookup -> {
              if (lookup.spec() == null) {
                throw new UnknownTopicException(
                    "unknown topic '"
                        + name
                        + "'; create it first with skald.admin().createTopic(TopicSpec.of(\""
                        + name
                        + "\", partitions))");
              }
              topics.put(name, lookup.spec());
              return lookup.spec();
            });
  }
}
