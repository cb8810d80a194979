package io.skald.framework.internal.topic;

import io.skald.framework.Stages;
import io.skald.framework.UnknownTopicException;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.internal.SkaldSerializable;
import io.skald.framework.internal.SkaldSettings;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * INTERNAL API: topic definitions known to this node. A definition once read is cached, and
 * replaced when the {@link TopicRegistry} publishes a change (on the cluster's pub-sub topic
 * {@value #CHANGES}, to every node); unknown names are asked of the registry every time (a topic
 * may be created meanwhile).
 */
public final class TopicCache {
  /** The pub-sub topic on which the registry announces altered topics. */
  public static final String CHANGES = "skald-topic-changes";

  /**
   * A topic's definition changed, or the topic was deleted.
   *
   * @param spec the new definition, or null if the topic was deleted
   * @param deleted the deleted topic's name, or null
   */
  public record TopicChanged(TopicSpec spec, String deleted) implements SkaldSerializable {}

  private static final java.util.concurrent.atomic.AtomicInteger INSTANCES =
      new java.util.concurrent.atomic.AtomicInteger();

  private final ActorSystem<?> system;
  private final SkaldSettings settings;
  private final ConcurrentHashMap<String, TopicSpec> topics = new ConcurrentHashMap<>();
  private final java.util.Set<ActorRef<TopicChanged>> watchers =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final ActorRef<Topic.Command<TopicChanged>> changes;

  /**
   * Creates the cache.
   *
   * @param system the actor system
   * @param settings Skald's settings
   */
  public TopicCache(ActorSystem<?> system, SkaldSettings settings) {
    this.system = system;
    this.settings = settings;
    // Unique actor names: a system may hold more than one Skald runtime (tests do).
    String name = CHANGES + "-" + INSTANCES.incrementAndGet();
    this.changes =
        system.systemActorOf(Topic.create(TopicChanged.class, CHANGES), name, Props.empty());
    ActorRef<TopicChanged> listener =
        system.systemActorOf(
            Behaviors.receiveMessage(
                changed -> {
                  if (changed.deleted() != null) {
                    topics.remove(changed.deleted());
                  } else if (changed.spec() != null) {
                    put(changed.spec());
                  }
                  return Behaviors.same();
                }),
            name + "-listener",
            Props.empty());
    changes.tell(Topic.subscribe(listener));
  }

  /**
   * Tells every node's cache (this one at once) that a topic changed.
   *
   * @param spec the new definition
   */
  public void publishChange(TopicSpec spec) {
    put(spec);
    changes.tell(Topic.publish(new TopicChanged(spec, null)));
  }

  /**
   * Tells every node's cache (this one at once) that a topic was deleted.
   *
   * @param name the topic
   */
  public void publishDeletion(String name) {
    topics.remove(name);
    changes.tell(Topic.publish(new TopicChanged(null, name)));
  }

  /**
   * Forgets a topic (a partition said it was deleted).
   *
   * @param name the topic
   */
  public void forget(String name) {
    topics.remove(name);
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
    TopicSpec previous = topics.put(spec.name(), spec);
    if (!spec.equals(previous) && !watchers.isEmpty()) {
      TopicChanged changed = new TopicChanged(spec, null);
      watchers.forEach(watcher -> watcher.tell(changed));
    }
  }

  /**
   * Tells an actor of this node every definition that reaches this cache and differs from the one
   * it held (the registry's announcements, and definitions read or created here). Deletions are not
   * told.
   *
   * @param watcher the actor; {@link #unwatch} it when it stops
   */
  public void watch(ActorRef<TopicChanged> watcher) {
    watchers.add(watcher);
  }

  /**
   * Stops telling an actor about changes.
   *
   * @param watcher the actor
   */
  public void unwatch(ActorRef<TopicChanged> watcher) {
    watchers.remove(watcher);
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
              put(lookup.spec());
              return lookup.spec();
            });
  }
}
