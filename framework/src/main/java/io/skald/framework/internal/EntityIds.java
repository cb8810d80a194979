package io.skald.framework.internal;

import io.skald.framework.TopicPartition;

/**
 * INTERNAL API: the entity id of a partition's entities ({@code <topic>~<partition>}), written in
 * one place because it is persisted: it is the suffix of the persistence ids of the partition log
 * and of its delayed-delivery scheduler, so it can never change.
 *
 * <p>A topic name cannot contain {@code ~} ({@link io.skald.framework.admin.TopicSpec} refuses it),
 * so the last {@code ~} separates the two parts.
 */
public final class EntityIds {
  private static final char SEPARATOR = '~';

  private EntityIds() {}

  /**
   * The entity id of a partition.
   *
   * @param tp the partition
   * @return {@code <topic>~<partition>}
   */
  public static String of(TopicPartition tp) {
    return tp.topic() + SEPARATOR + tp.partition();
  }

  /**
   * The partition of an entity id.
   *
   * @param entityId an id made by {@link #of}
   * @return the partition
   * @throws IllegalArgumentException if the id is not a partition's
   */
  public static TopicPartition topicPartition(String entityId) {
    int separator = entityId.lastIndexOf(SEPARATOR);
    if (separator <= 0 || separator == entityId.length() - 1) {
      throw new IllegalArgumentException("'" + entityId + "' is not a <topic>~<partition> id");
    }
    try {
      return new TopicPartition(
          entityId.substring(0, separator), Integer.parseInt(entityId.substring(separator + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "'" + entityId + "' is not a <topic>~<partition> id: the partition is not a number", e);
    }
  }
}
