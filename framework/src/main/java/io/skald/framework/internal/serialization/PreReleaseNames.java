package io.skald.framework.internal.serialization;

import com.fasterxml.jackson.databind.JsonNode;
import io.skald.framework.internal.deadletter.ReplayLedger;
import io.skald.framework.internal.delay.DelayedDeliveryScheduler;
import io.skald.framework.internal.group.GroupProtocol;
import io.skald.framework.internal.topic.TopicRegistry;
import java.util.Map;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * INTERNAL API (public by configuration): reads events and snapshots that the framework wrote
 * before its persisted types had stable names (up to commit 51f655e): Pekko's {@code jackson-cbor}
 * serializer with the Java class name as manifest. Each old class name is mapped to today's class
 * (the JSON shape is unchanged); {@code reference.conf} lists the same old names under {@code
 * pekko.serialization.jackson.migrations}. New writes use {@link NamedJsonSerializer}.
 */
public final class PreReleaseNames extends JacksonMigration {
  private static final String OLD = "io.skald.framework.internal.";

  /** Old class name to today's class. */
  public static final Map<String, Class<?>> RENAMED =
      Map.ofEntries(
          Map.entry(OLD + "TopicRegistry$TopicAdded", TopicRegistry.TopicAdded.class),
          Map.entry(OLD + "TopicRegistry$State", TopicRegistry.State.class),
          Map.entry(
              OLD + "GroupCoordinator$GenerationStarted", GroupProtocol.GenerationStarted.class),
          Map.entry(
              OLD + "GroupCoordinator$OffsetsCommitted", GroupProtocol.OffsetsCommitted.class),
          Map.entry(OLD + "GroupCoordinator$Snapshot", GroupProtocol.Snapshot.class),
          Map.entry(
              OLD + "DelayedDeliveryScheduler$RecordScheduled",
              DelayedDeliveryScheduler.RecordScheduled.class),
          Map.entry(
              OLD + "DelayedDeliveryScheduler$DeliveryStarted",
              DelayedDeliveryScheduler.DeliveryStarted.class),
          Map.entry(
              OLD + "DelayedDeliveryScheduler$Delivered", DelayedDeliveryScheduler.Delivered.class),
          Map.entry(OLD + "DelayedDeliveryScheduler$State", DelayedDeliveryScheduler.State.class),
          Map.entry(OLD + "ReplayLedger$ReplayCompleted", ReplayLedger.ReplayCompleted.class),
          Map.entry(OLD + "ReplayLedger$State", ReplayLedger.State.class));

  /** Created by Pekko's Jackson serializer. */
  public PreReleaseNames() {}

  @Override
  public int currentVersion() {
    // above the version of the old writes (1), so that Pekko asks for the class name
    return 2;
  }

  @Override
  public String transformClassName(int fromVersion, String className) {
    Class<?> renamed = RENAMED.get(className);
    return renamed == null ? className : renamed.getName();
  }

  @Override
  public JsonNode transform(int fromVersion, JsonNode json) {
    return json;
  }
}
