package io.skald.saga.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.typesafe.config.ConfigFactory;
import io.skald.saga.OperatorAction;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The operator action became an enum; what the journal holds is still the word it held. */
class SagaEventFormatTest {
  /** Pekko's jackson-cbor serializer, which wrote saga events up to 51f655e. */
  private static final int JACKSON_CBOR = 33;

  private static ActorTestKit testKit;
  private static Serialization serialization;

  @BeforeAll
  static void start() {
    testKit =
        ActorTestKit.create(
            ConfigFactory.parseString("pekko.actor.provider = local")
                .withFallback(ConfigFactory.load()));
    serialization = SerializationExtension.get(testKit.system().classicSystem());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** The bytes the pre-enum code wrote: {@code record Resumed(String action, long at)}. */
  private static byte[] writtenWithAStringAction(String action) throws Exception {
    Map<String, Object> resumed = new LinkedHashMap<>();
    resumed.put("action", action);
    resumed.put("at", 5L);
    return new CBORMapper().writeValueAsBytes(resumed);
  }

  @Test
  void aResumedEventWrittenWithAStringActionIsReadAsTheEnum() throws Exception {
    var serializer =
        serialization.findSerializerFor(new SagaEvent.Resumed(OperatorAction.RETRY, 5));
    for (OperatorAction action : OperatorAction.values()) {
      Object read =
          serialization
              .deserialize(
                  writtenWithAStringAction(action.wireName()),
                  serializer.identifier(),
                  "saga-instance.resumed.v1")
              .get();
      assertEquals(new SagaEvent.Resumed(action, 5), read);
    }
    // and under the class name the journals before the stable names used
    Object legacy =
        serialization
            .deserialize(
                writtenWithAStringAction("skip"),
                JACKSON_CBOR,
                "io.skald.saga.internal.SagaEvent$Resumed")
            .get();
    assertEquals(new SagaEvent.Resumed(OperatorAction.SKIP, 5), legacy);
  }

  @Test
  void aResumedEventIsWrittenWithTheWireNameOfItsAction() throws Exception {
    SagaEvent.Resumed resumed = new SagaEvent.Resumed(OperatorAction.COMPENSATE, 5);
    var serializer = serialization.findSerializerFor(resumed);
    assertEquals("saga-instance.resumed.v1", Serializers.manifestFor(serializer, resumed));
    Map<?, ?> written = new CBORMapper().readValue(serializer.toBinary(resumed), Map.class);
    assertEquals("compensate", written.get("action"));
    assertEquals(
        writtenWithAStringAction("compensate").length, serializer.toBinary(resumed).length);
  }

  /**
   * The snapshot of an instance names the events of its history by their journal names (no class
   * names in snapshots), and reads back as it was written.
   */
  @Test
  void aStateSnapshotNamesItsHistoryByTheJournalsNamesAndRoundTrips() throws Exception {
    var subtypes =
        InstanceState.class
            .getRecordComponents()[6]
            .getAccessor()
            .getAnnotation(com.fasterxml.jackson.annotation.JsonSubTypes.class);
    var field =
        InstanceState.class
            .getDeclaredField("history")
            .getAnnotation(com.fasterxml.jackson.annotation.JsonSubTypes.class);
    var names = testKit.system().settings().config().getConfig("skald.serialization.names");
    var declared = field != null ? field : subtypes;
    assertEquals(SagaEvent.class.getPermittedSubclasses().length, declared.value().length);
    for (var type : declared.value()) {
      assertEquals(type.value().getName(), names.getString("\"" + type.name() + "\""), type.name());
    }
    InstanceState state =
        InstanceState.EMPTY
            .recorded(
                new SagaEvent.Started(
                    "{}",
                    1,
                    Map.of("traceparent", "00-" + "a".repeat(32) + "-" + "b".repeat(16) + "-01")),
                10)
            .recorded(new SagaEvent.ReplyHeld("s", false, 2, "ack", "{}", 3), 10);
    var serializer = serialization.findSerializerFor(state);
    byte[] bytes = serializer.toBinary(state);
    assertFalse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8).contains("io.skald"));
    String manifest = org.apache.pekko.serialization.Serializers.manifestFor(serializer, state);
    assertEquals(state, serialization.deserialize(bytes, serializer.identifier(), manifest).get());
  }

  /**
   * The start event and the state gained the starter's trace context with tracing: what the earlier
   * code wrote (without it) reads as untraced.
   */
  @Test
  void aStartAndAStateWrittenBeforeTracingReadAsUntraced() throws Exception {
    Map<String, Object> started = new LinkedHashMap<>();
    started.put("dataJson", "{\"id\":1}");
    started.put("at", 7L);
    var serializer = serialization.findSerializerFor(new SagaEvent.Started("{}", 1, Map.of()));
    Object read =
        serialization
            .deserialize(
                new CBORMapper().writeValueAsBytes(started),
                serializer.identifier(),
                "saga-instance.started.v1")
            .get();
    assertEquals(new SagaEvent.Started("{\"id\":1}", 7, Map.of()), read);

    InstanceState state = InstanceState.EMPTY.recorded(new SagaEvent.Started("{}", 1, Map.of()), 5);
    var stateSerializer = serialization.findSerializerFor(state);
    String manifest = Serializers.manifestFor(stateSerializer, state);
    @SuppressWarnings("unchecked")
    Map<String, Object> old =
        new CBORMapper().readValue(stateSerializer.toBinary(state), LinkedHashMap.class);
    old.remove("trace"); // as the earlier code wrote it
    InstanceState back =
        (InstanceState)
            serialization
                .deserialize(
                    new CBORMapper().writeValueAsBytes(old), stateSerializer.identifier(), manifest)
                .get();
    assertEquals(Map.of(), back.trace());
    assertEquals(state, back);
  }

  /**
   * The state gained its start time and when its saga deadline passed: a snapshot written before
   * (without either) takes the start time from its history's start event and has no passed
   * deadline; the deadline's event reads back under its name.
   */
  @Test
  void aStateWrittenBeforeSagaDeadlinesTakesItsStartFromItsHistory() throws Exception {
    InstanceState state =
        InstanceState.EMPTY.recorded(new SagaEvent.Started("{}", 42, Map.of()), 5);
    var stateSerializer = serialization.findSerializerFor(state);
    String manifest = Serializers.manifestFor(stateSerializer, state);
    @SuppressWarnings("unchecked")
    Map<String, Object> old =
        new CBORMapper().readValue(stateSerializer.toBinary(state), LinkedHashMap.class);
    old.remove("startedAt"); // as the earlier code wrote it
    old.remove("deadlinePassedAt");
    InstanceState back =
        (InstanceState)
            serialization
                .deserialize(
                    new CBORMapper().writeValueAsBytes(old), stateSerializer.identifier(), manifest)
                .get();
    assertEquals(42, back.startedAt());
    assertEquals(0, back.deadlinePassedAt());

    SagaEvent.DeadlinePassed passed = new SagaEvent.DeadlinePassed(99);
    var serializer = serialization.findSerializerFor(passed);
    assertEquals("saga-instance.deadline-passed.v1", Serializers.manifestFor(serializer, passed));
    assertEquals(
        passed,
        serialization
            .deserialize(
                serializer.toBinary(passed),
                serializer.identifier(),
                "saga-instance.deadline-passed.v1")
            .get());
  }

  /**
   * A state written before signals has none kept; a signal received and a state keeping one read
   * back as written, under their stable names.
   */
  @Test
  void signalsRoundTripAndAStateWrittenBeforeThemKeepsNone() throws Exception {
    InstanceState state =
        InstanceState.EMPTY.recorded(new SagaEvent.Started("{}", 42, Map.of()), 5);
    var stateSerializer = serialization.findSerializerFor(state);
    String manifest = Serializers.manifestFor(stateSerializer, state);
    @SuppressWarnings("unchecked")
    Map<String, Object> old =
        new CBORMapper().readValue(stateSerializer.toBinary(state), Map.class);
    old.remove("signals"); // as the earlier code wrote it
    InstanceState back =
        (InstanceState)
            serialization
                .deserialize(
                    new CBORMapper().writeValueAsBytes(old), stateSerializer.identifier(), manifest)
                .get();
    assertEquals(List.of(), back.signals());

    SagaEvent.SignalReceived received =
        new SagaEvent.SignalReceived("approval", "com.example.Approved", "{\"by\":\"maria\"}", 9);
    var serializer = serialization.findSerializerFor(received);
    assertEquals("saga-instance.signal-received.v1", Serializers.manifestFor(serializer, received));
    assertEquals(
        received,
        serialization
            .deserialize(
                serializer.toBinary(received),
                serializer.identifier(),
                "saga-instance.signal-received.v1")
            .get());
    InstanceState keeping = state.withSignals(List.of(received)).recorded(received, 5);
    InstanceState read =
        (InstanceState)
            serialization
                .deserialize(
                    stateSerializer.toBinary(keeping), stateSerializer.identifier(), manifest)
                .get();
    assertEquals(keeping, read);
    assertEquals(received, read.signalFor("approval"));
  }

  /** A catalog shape registered before waits existed reads as steps that send commands. */
  @Test
  void aShapeRegisteredBeforeWaitsReadsAsCommandSteps() throws Exception {
    var shape =
        new io.skald.saga.internal.runner.DefinitionCatalog.Shape(
            List.of(
                new io.skald.saga.internal.runner.DefinitionCatalog.StepShape(
                    "approval", io.skald.saga.StepKind.COMPENSATABLE, 0, true)));
    var serializer = serialization.findSerializerFor(shape);
    String manifest = Serializers.manifestFor(serializer, shape);
    @SuppressWarnings("unchecked")
    Map<String, Object> old = new CBORMapper().readValue(serializer.toBinary(shape), Map.class);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> steps = (List<Map<String, Object>>) old.get("steps");
    assertEquals(true, steps.get(0).remove("waits"));
    var back =
        (io.skald.saga.internal.runner.DefinitionCatalog.Shape)
            serialization
                .deserialize(
                    new CBORMapper().writeValueAsBytes(old), serializer.identifier(), manifest)
                .get();
    assertEquals(
        new io.skald.saga.internal.runner.DefinitionCatalog.StepShape(
            "approval", io.skald.saga.StepKind.COMPENSATABLE, 0),
        back.steps().get(0));
    assertEquals(
        shape,
        serialization
            .deserialize(serializer.toBinary(shape), serializer.identifier(), manifest)
            .get());
  }

  /** The status index's event and snapshot written before versions read as all version 1. */
  @Test
  void indexRecordsWrittenBeforeVersionsReadAsVersionOne() throws Exception {
    var updated =
        new io.skald.saga.internal.runner.SagaIndex.Updated(
            List.of("o-1"), List.of(io.skald.saga.SagaStatus.RUNNING), List.of(2), 1_700_000L);
    var serializer = serialization.findSerializerFor(updated);
    String manifest = Serializers.manifestFor(serializer, updated);
    @SuppressWarnings("unchecked")
    Map<String, Object> old = new CBORMapper().readValue(serializer.toBinary(updated), Map.class);
    old.remove("versions"); // as the earlier code wrote it
    old.remove("at");
    var back =
        (io.skald.saga.internal.runner.SagaIndex.Updated)
            serialization
                .deserialize(
                    new CBORMapper().writeValueAsBytes(old), serializer.identifier(), manifest)
                .get();
    assertEquals(List.of("o-1"), back.ids());
    assertEquals(1, back.version(0));
    assertEquals(0, back.at()); // no time: retention and queries take it as older than any

    var state =
        new io.skald.saga.internal.runner.SagaIndex.State(
            new java.util.LinkedHashMap<>(Map.of("o-1", io.skald.saga.SagaStatus.RUNNING)),
            Map.of(),
            Map.of("o-1", 2),
            Map.of("o-1", 1_700_000L),
            new java.util.TreeMap<>(Map.of(1_700_000L, 1L)),
            7,
            3,
            2);
    var stateSerializer = serialization.findSerializerFor(state);
    String stateManifest = Serializers.manifestFor(stateSerializer, state);
    @SuppressWarnings("unchecked")
    Map<String, Object> oldState =
        new CBORMapper().readValue(stateSerializer.toBinary(state), Map.class);
    oldState.remove("versions");
    for (String added : List.of("since", "marks", "sweptUpTo", "deleted", "summariesUpTo")) {
      oldState.remove(added); // written before retention and queries
    }
    var readState =
        (io.skald.saga.internal.runner.SagaIndex.State)
            serialization
                .deserialize(
                    new CBORMapper().writeValueAsBytes(oldState),
                    stateSerializer.identifier(),
                    stateManifest)
                .get();
    assertEquals(Map.of(), readState.versions());
    assertEquals(io.skald.saga.SagaStatus.RUNNING, readState.statuses().get("o-1"));
    assertEquals(Map.of(), readState.since());
    assertEquals(0, readState.sweptUpTo());
    assertTrue(readState.marks().isEmpty());
    // and today's round-trips whole
    var current =
        (io.skald.saga.internal.runner.SagaIndex.State)
            serialization
                .deserialize(
                    stateSerializer.toBinary(state), stateSerializer.identifier(), stateManifest)
                .get();
    assertEquals(state, current);
    var swept = new io.skald.saga.internal.runner.SagaIndex.Swept(40, 12, 0);
    var sweptSerializer = serialization.findSerializerFor(swept);
    assertEquals(
        swept,
        serialization
            .deserialize(
                sweptSerializer.toBinary(swept),
                sweptSerializer.identifier(),
                Serializers.manifestFor(sweptSerializer, swept))
            .get());
  }

  /** The semantic locks' events and states read back under their stable names. */
  @Test
  void semanticLockRecordsRoundTripUnderTheirNames() throws Exception {
    for (Object value :
        List.of(
            new io.skald.saga.internal.lock.LockEntity.Acquired("orders/o-1", 5),
            new io.skald.saga.internal.lock.LockEntity.Queued("orders/o-2", 6),
            new io.skald.saga.internal.lock.LockEntity.Released("orders/o-1", 7),
            new io.skald.saga.internal.lock.LockEntity.Left("orders/o-2", 8),
            new io.skald.saga.internal.lock.LockEntity.State(
                "orders/o-1", 5, List.of("orders/o-2")),
            new io.skald.saga.internal.lock.LockHoldings.Held("sku-1"),
            new io.skald.saga.internal.lock.LockHoldings.Freed(List.of("sku-1")),
            new io.skald.saga.internal.lock.LockHoldings.State(List.of("sku-1", "sku-2")))) {
      var serializer = serialization.findSerializerFor(value);
      String manifest = Serializers.manifestFor(serializer, value);
      assertTrue(manifest.startsWith("semantic-lock"), manifest);
      byte[] bytes = serializer.toBinary(value);
      assertFalse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8).contains("io.skald"));
      assertEquals(
          value, serialization.deserialize(bytes, serializer.identifier(), manifest).get());
    }
  }

  /**
   * Child sagas: a start and a state written before them (no parent) read as instances of their
   * own; the fan-out's events and state read back under their stable names.
   */
  @Test
  void childSagaRecordsRoundTripAndOldStartsHaveNoParent() throws Exception {
    var child = new SagaEvent.Started("{}", 3, Map.of(), 2, "basket:reserve-lines:b-1");
    var serializer = serialization.findSerializerFor(child);
    String manifest = Serializers.manifestFor(serializer, child);
    assertEquals("saga-instance.started.v1", manifest);
    assertEquals(
        child,
        serialization
            .deserialize(serializer.toBinary(child), serializer.identifier(), manifest)
            .get());
    @SuppressWarnings("unchecked")
    Map<String, Object> old = new CBORMapper().readValue(serializer.toBinary(child), Map.class);
    old.remove("parent"); // as the earlier code wrote it
    var read =
        (SagaEvent.Started)
            serialization
                .deserialize(
                    new CBORMapper().writeValueAsBytes(old), serializer.identifier(), manifest)
                .get();
    assertEquals(null, read.parent());
    assertEquals(2, read.runsVersion());

    InstanceState state = InstanceState.EMPTY.recorded(child, 5);
    var stateSerializer = serialization.findSerializerFor(state);
    String stateManifest = Serializers.manifestFor(stateSerializer, state);
    @SuppressWarnings("unchecked")
    Map<String, Object> oldState =
        new CBORMapper().readValue(stateSerializer.toBinary(state), LinkedHashMap.class);
    oldState.remove("parent");
    InstanceState back =
        (InstanceState)
            serialization
                .deserialize(
                    new CBORMapper().writeValueAsBytes(oldState),
                    stateSerializer.identifier(),
                    stateManifest)
                .get();
    assertEquals(null, back.parent());

    var begun =
        new io.skald.saga.internal.runner.FanOut.Begun(
            "basket",
            "b-1",
            "reserve-lines",
            "basket.replies",
            "reserve-line",
            List.of("{\"id\":\"l-0\"}"),
            2,
            Map.of(),
            1,
            true);
    for (Object value :
        List.of(
            begun,
            new io.skald.saga.internal.runner.FanOut.AttemptSeen(2, false),
            new io.skald.saga.internal.runner.FanOut.ChildFinished(
                0, io.skald.saga.SagaStatus.COMPLETED, "{}"),
            new io.skald.saga.internal.runner.FanOut.CompensationAsked(1),
            new io.skald.saga.internal.runner.FanOut.State(
                begun,
                Map.of(
                    0,
                    new io.skald.saga.internal.definition.ChildMessages.ChildResult(
                        "b-1:reserve-lines:0", io.skald.saga.SagaStatus.COMPLETED, "{}")),
                1,
                0))) {
      var s = serialization.findSerializerFor(value);
      String m = Serializers.manifestFor(s, value);
      assertTrue(m.startsWith("saga-fan-out."), m);
      byte[] bytes = s.toBinary(value);
      assertFalse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8).contains("io.skald"));
      assertEquals(value, serialization.deserialize(bytes, s.identifier(), m).get());
    }
  }

  /** The definition catalog's event and state read back under their stable names. */
  @Test
  void theDefinitionCatalogsRecordsRoundTripUnderTheirNames() throws Exception {
    var steps =
        List.of(
            new io.skald.saga.internal.runner.DefinitionCatalog.StepShape(
                "reserve", io.skald.saga.StepKind.COMPENSATABLE, 0),
            new io.skald.saga.internal.runner.DefinitionCatalog.StepShape(
                "charge", io.skald.saga.StepKind.PIVOT, 1));
    for (Object value :
        List.of(
            new io.skald.saga.internal.runner.DefinitionCatalog.Registered(steps, 5),
            new io.skald.saga.internal.runner.DefinitionCatalog.Shape(steps))) {
      var serializer = serialization.findSerializerFor(value);
      String manifest = Serializers.manifestFor(serializer, value);
      assertTrue(manifest.startsWith("saga-definition-catalog."), manifest);
      byte[] bytes = serializer.toBinary(value);
      assertFalse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8).contains("io.skald"));
      assertEquals(
          value, serialization.deserialize(bytes, serializer.identifier(), manifest).get());
    }
  }
}
