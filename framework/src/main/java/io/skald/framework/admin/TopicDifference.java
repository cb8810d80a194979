package io.skald.framework.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * One setting in which a stored topic differs from a requested definition.
 *
 * @param setting the setting
 * @param existing its stored value, as text ({@code "none"} when unset)
 * @param requested the requested value, as text ({@code "none"} when unset)
 */
public record TopicDifference(TopicSetting setting, String existing, String requested) {

  /**
   * Validates the difference.
   *
   * @param setting the setting
   * @param existing its stored value, as text
   * @param requested the requested value, as text
   */
  public TopicDifference {
    Objects.requireNonNull(setting, "setting");
    Objects.requireNonNull(existing, "existing");
    Objects.requireNonNull(requested, "requested");
  }

  /**
   * The settings in which two definitions of the same topic differ, in {@link TopicSetting} order.
   *
   * @param existing the stored definition
   * @param requested the requested definition
   * @return the differences, empty if the definitions are equal
   */
  public static List<TopicDifference> between(TopicSpec existing, TopicSpec requested) {
    List<TopicDifference> differences = new ArrayList<>();
    if (existing.partitions() != requested.partitions()) {
      differences.add(
          new TopicDifference(
              TopicSetting.PARTITIONS,
              Integer.toString(existing.partitions()),
              Integer.toString(requested.partitions())));
    }
    add(differences, TopicSetting.RETENTION, existing.retention(), requested.retention());
    add(differences, TopicSetting.BACKLOG_LIMIT, existing.backlogLimit(), requested.backlogLimit());
    add(differences, TopicSetting.COMPACTION, existing.compaction(), requested.compaction());
    if (existing.maxRecordBytes() != requested.maxRecordBytes()) {
      differences.add(
          new TopicDifference(
              TopicSetting.MAX_RECORD_BYTES,
              recordLimit(existing.maxRecordBytes()),
              recordLimit(requested.maxRecordBytes())));
    }
    add(differences, TopicSetting.RATE_LIMIT, existing.rateLimit(), requested.rateLimit());
    return List.copyOf(differences);
  }

  /**
   * The differences as one phrase, for example {@code "partitions 4 (requested 8), retention
   * forever (requested maxAge=PT168H)"}.
   *
   * @param differences the differences
   * @return the phrase
   */
  public static String describe(List<TopicDifference> differences) {
    return differences.stream().map(TopicDifference::toString).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return setting.label() + " " + existing + " (requested " + requested + ")";
  }

  private static void add(
      List<TopicDifference> differences, TopicSetting setting, Object existing, Object requested) {
    if (!Objects.equals(existing, requested)) {
      differences.add(new TopicDifference(setting, text(existing), text(requested)));
    }
  }

  private static String recordLimit(int bytes) {
    return bytes == 0 ? "node default" : bytes + " bytes";
  }

  private static String text(Object value) {
    if (value == null) {
      return "none";
    }
    return value.toString();
  }
}
