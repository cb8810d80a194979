package io.skald.saga;

import io.skald.framework.admin.TopicSpec;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A typed endpoint: one command type, the topic its participant consumes, and the replies the
 * participant may answer with. Saga steps name endpoints, never channel strings, so a step can only
 * send a command its participant understands and only handle replies that participant sends.
 *
 * <p>Replies are either successes or <b>business failures</b> (a well-formed answer that says no:
 * out of stock, insufficient credit). A step decides what a failure means ({@link
 * SagaDefinition.StepSettings#onFailure}). A participant that crashes or never answers is a
 * technical failure, handled by the step's timeout and retry policy.
 * <!-- snippet: jd-endpoint -->
 *
 * <pre>{@code
 * static final Endpoint<ReserveStock> RESERVE =
 *     Endpoint.of("inventory.reserve", "inventory-commands", ReserveStock.class)
 *         .replies(StockReserved.class)
 *         .failures(OutOfStock.class);
 * }</pre>
 *
 * <p>Commands and replies travel as JSON (Jackson) on Skald topics, so their types must be
 * serializable by Jackson (records are).
 *
 * @param <C> the command type
 */
public final class Endpoint<C> {
  private final String name;
  private final String topic;
  private final Class<C> commandType;
  private final Set<Class<?>> replyTypes;
  private final Set<Class<?>> failureTypes;

  private Endpoint(
      String name,
      String topic,
      Class<C> commandType,
      Set<Class<?>> replyTypes,
      Set<Class<?>> failureTypes) {
    this.name = name;
    this.topic = topic;
    this.commandType = commandType;
    this.replyTypes = Set.copyOf(replyTypes);
    this.failureTypes = Set.copyOf(failureTypes);
    Set<String> names = new java.util.HashSet<>();
    for (Set<Class<?>> types : List.of(replyTypes, failureTypes)) {
      for (Class<?> type : types) {
        if (!names.add(type.getSimpleName()) || type.getSimpleName().equals("ack")) {
          throw new IllegalArgumentException(
              "endpoint '"
                  + name
                  + "': reply types are named by their simple name on the wire and in"
                  + " participants' memory, and "
                  + type.getSimpleName()
                  + " is not unique among them (or is the reserved name ack)");
        }
      }
    }
  }

  /**
   * An endpoint without declared replies yet.
   *
   * @param name a unique name, shown in diagrams and history
   * @param topic the topic the participant consumes commands from
   * @param commandType the command type
   * @param <C> the command type
   * @return the endpoint
   * @throws IllegalArgumentException if the name is empty or the topic name is invalid
   */
  public static <C> Endpoint<C> of(String name, String topic, Class<C> commandType) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("an endpoint needs a name");
    }
    TopicSpec.validateName(topic);
    Objects.requireNonNull(commandType, "commandType");
    return new Endpoint<>(name, topic, commandType, Set.of(), Set.of());
  }

  /**
   * A copy that also accepts these success replies. A reply is named by its class's simple name in
   * records and in the participants' memory, so moving the class to another package keeps in-flight
   * and remembered replies readable; renaming it does not.
   *
   * @param types the reply types
   * @return the new endpoint
   * @throws IllegalArgumentException if two reply or failure types share a simple name
   */
  public Endpoint<C> replies(Class<?>... types) {
    Set<Class<?>> all = new LinkedHashSet<>(replyTypes);
    all.addAll(List.of(types));
    return new Endpoint<>(name, topic, commandType, all, failureTypes);
  }

  /**
   * A copy that also accepts these business failure replies.
   *
   * @param types the failure types
   * @return the new endpoint
   * @throws IllegalArgumentException if two reply or failure types share a simple name
   */
  public Endpoint<C> failures(Class<?>... types) {
    Set<Class<?>> all = new LinkedHashSet<>(failureTypes);
    all.addAll(List.of(types));
    return new Endpoint<>(name, topic, commandType, replyTypes, all);
  }

  /**
   * The endpoint's name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The topic its commands go to.
   *
   * @return the topic
   */
  public String topic() {
    return topic;
  }

  /**
   * The command type.
   *
   * @return the class
   */
  public Class<C> commandType() {
    return commandType;
  }

  /**
   * The success reply types.
   *
   * @return an immutable set
   */
  public Set<Class<?>> replyTypes() {
    return replyTypes;
  }

  /**
   * The business failure reply types.
   *
   * @return an immutable set
   */
  public Set<Class<?>> failureTypes() {
    return failureTypes;
  }

  /**
   * Whether a reply of this type is a business failure.
   *
   * @param type a reply type
   * @return true if declared with {@link #failures}
   */
  public boolean isFailure(Class<?> type) {
    return failureTypes.contains(type);
  }

  @Override
  public String toString() {
    return "Endpoint[" + name + " -> " + topic + ": " + commandType.getSimpleName() + "]";
  }
}
