package io.skald.saga.internal.serialization;

import com.fasterxml.jackson.databind.JsonNode;
import io.skald.saga.internal.engine.SagaEvent;
import io.skald.saga.internal.participant.ParticipantLedger;
import io.skald.saga.internal.runner.SagaIndex;
import java.util.Map;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * INTERNAL API (public by configuration): reads saga events and snapshots written before the saga
 * module's persisted types had stable names (up to commit 51f655e), when Pekko's {@code
 * jackson-cbor} serializer named them by their Java class. Each old class name maps to today's
 * class (the JSON shape is unchanged); {@code reference.conf} lists the same names under {@code
 * pekko.serialization.jackson.migrations}.
 */
public final class PreReleaseNames extends JacksonMigration {
  private static final String OLD = "io.skald.saga.internal.";

  /** Old class name to today's class. */
  public static final Map<String, Class<?>> RENAMED =
      Map.ofEntries(
          Map.entry(OLD + "SagaEvent$Started", SagaEvent.Started.class),
          Map.entry(OLD + "SagaEvent$StepStarted", SagaEvent.StepStarted.class),
          Map.entry(OLD + "SagaEvent$StepSucceeded", SagaEvent.StepSucceeded.class),
          Map.entry(OLD + "SagaEvent$StepFailed", SagaEvent.StepFailed.class),
          Map.entry(OLD + "SagaEvent$StepSkipped", SagaEvent.StepSkipped.class),
          Map.entry(OLD + "SagaEvent$CompensationBegan", SagaEvent.CompensationBegan.class),
          Map.entry(OLD + "SagaEvent$Parked", SagaEvent.Parked.class),
          Map.entry(OLD + "SagaEvent$Resumed", SagaEvent.Resumed.class),
          Map.entry(OLD + "SagaEvent$Finished", SagaEvent.Finished.class),
          Map.entry(OLD + "SagaIndex$Updated", SagaIndex.Updated.class),
          Map.entry(OLD + "SagaIndex$State", SagaIndex.State.class),
          Map.entry(OLD + "ParticipantLedger$Recorded", ParticipantLedger.Recorded.class),
          Map.entry(OLD + "ParticipantLedger$State", ParticipantLedger.State.class));

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
