package io.skald.framework.admin;

import java.util.List;
import java.util.Objects;

/**
 * What {@link TopicAdmin#ensureTopic(TopicSpec)} found or did.
 *
 * @param topic the topic as stored (the existing definition when it was not created)
 * @param created true if this call created it
 * @param differences the settings in which the stored topic differs from the requested one (never
 *     the partition count: that fails the call); empty when it matches
 */
public record EnsuredTopic(TopicSpec topic, boolean created, List<TopicDifference> differences) {

  /**
   * Validates and copies.
   *
   * @param topic the topic as stored
   * @param created true if this call created it
   * @param differences the differing settings
   */
  public EnsuredTopic {
    Objects.requireNonNull(topic, "topic");
    differences = List.copyOf(differences);
  }

  /**
   * Whether the stored topic is exactly the requested one.
   *
   * @return true if there is no difference
   */
  public boolean matches() {
    return differences.isEmpty();
  }
}
