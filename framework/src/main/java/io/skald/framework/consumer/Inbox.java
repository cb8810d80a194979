package io.skald.framework.consumer;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The idempotent-consumer half of exactly-once processing: the ids of the last {@code capacity}
 * messages an entity has applied, kept <em>inside the entity's state</em> and updated by the same
 * event that carries the effect, so the effect and its "processed" marker are persisted atomically.
 * A redelivered message (same {@link ConsumerRecord#messageId()}) is then recognised and not
 * applied again.
 *
 * <p>Immutable and Jackson-serializable, so it can live in a snapshotted state record:
 * <!-- snippet: delivery-inbox-entity -->
 *
 * <pre>{@code
 * // state: record Account(long balance, long effects, Inbox inbox)
 * .onCommand(
 *     Credit.class,
 *     (state, cmd) -> {
 *       if (state.inbox().contains(cmd.messageId())) {
 *         return Effect().reply(cmd.replyTo(), Done.getInstance()); // a redelivery: done
 *       }
 *       return Effect()
 *           .persist(new Credited(cmd.messageId(), cmd.amount()))
 *           .thenReply(cmd.replyTo(), s -> Done.getInstance());
 *     })
 * // event handler: the effect and its "processed" marker in one event
 * .onEvent(
 *     Credited.class,
 *     (state, e) ->
 *         new Account(
 *             state.balance() + e.amount(),
 *             state.effects() + 1,
 *             state.inbox().record(e.messageId())))
 * }</pre>
 *
 * <p>Size the capacity above the most records that can be redelivered to one entity: at-least-once
 * redelivers at most what was handled after the last commit (one commit interval of traffic).
 */
public final class Inbox {
  private final int capacity;
  private final LinkedHashSet<String> ids;

  private Inbox(int capacity, LinkedHashSet<String> ids) {
    this.capacity = capacity;
    this.ids = ids;
  }

  /**
   * An empty inbox.
   *
   * @param capacity how many recent message ids it keeps, at least 1
   * @return the inbox
   */
  public static Inbox empty(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
    }
    return new Inbox(capacity, new LinkedHashSet<>());
  }

  /**
   * Restores an inbox (used by Jackson).
   *
   * @param capacity the capacity
   * @param ids the remembered ids, oldest first
   * @return the inbox
   */
  @JsonCreator
  public static Inbox of(
      @JsonProperty("capacity") int capacity, @JsonProperty("ids") List<String> ids) {
    Inbox inbox = empty(capacity);
    for (String id : ids) {
      inbox = inbox.record(id);
    }
    return inbox;
  }

  /**
   * Whether a message was applied.
   *
   * @param messageId the message id
   * @return true if it is among the remembered ids
   */
  public boolean contains(String messageId) {
    return ids.contains(messageId);
  }

  /**
   * An inbox that also remembers this message (forgetting the oldest beyond the capacity).
   *
   * @param messageId the message id
   * @return the new inbox
   */
  public Inbox record(String messageId) {
    if (ids.contains(messageId)) {
      return this;
    }
    LinkedHashSet<String> copy = new LinkedHashSet<>(ids);
    copy.add(messageId);
    while (copy.size() > capacity) {
      copy.remove(copy.iterator().next());
    }
    return new Inbox(capacity, copy);
  }

  /**
   * The capacity.
   *
   * @return how many ids are kept
   */
  @JsonProperty("capacity")
  public int capacity() {
    return capacity;
  }

  /**
   * The remembered ids, oldest first.
   *
   * @return the ids
   */
  @JsonProperty("ids")
  public List<String> ids() {
    return new ArrayList<>(ids);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Inbox other && capacity == other.capacity && ids().equals(other.ids());
  }

  @Override
  public int hashCode() {
    return 31 * capacity + ids().hashCode();
  }

  @Override
  public String toString() {
    return "Inbox(" + ids.size() + "/" + capacity + ")";
  }
}
