package io.skald.saga.internal.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skald.framework.consumer.ConsumerRecord;
import io.skald.framework.consumer.RejectRecordException;
import io.skald.saga.internal.SagaHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * INTERNAL API: the consumer of a parent saga's {@code <saga>.children} topic: each child-saga
 * step's command (start the children) and compensation, handed to the step's {@link FanOut}; the
 * record is committed once the fan-out has it durably. A record that is not one is dead-lettered
 * with the reason.
 */
public final class ChildrenCommands {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final ActorSystem<?> system;
  private final Duration askTimeout;
  private final String sagaName;

  /**
   * A consumer's handler.
   *
   * @param system the actor system
   * @param askTimeout how long the fan-out is waited for
   * @param sagaName the parent saga
   */
  public ChildrenCommands(ActorSystem<?> system, Duration askTimeout, String sagaName) {
    this.system = system;
    this.askTimeout = askTimeout;
    this.sagaName = sagaName;
  }

  /**
   * Handles one record.
   *
   * @param record a command record of the topic
   * @return completes once the fan-out has it
   */
  public CompletionStage<?> handle(ConsumerRecord<String, byte[]> record) {
    Map<String, String> h = record.headers();
    String direction = h.get(SagaHeaders.DIRECTION);
    if (SagaHeaders.END.equals(direction)) {
      return CompletableFuture.completedFuture(null); // end markers are for participants' ledgers
    }
    String id = h.get(SagaHeaders.ID);
    String step = h.get(SagaHeaders.STEP);
    String replyTo = h.get(SagaHeaders.REPLY_TO);
    if (id == null
        || step == null
        || replyTo == null
        || !sagaName.equals(h.get(SagaHeaders.SAGA))) {
      throw new RejectRecordException(
          "not a child-saga command of saga '" + sagaName + "': headers " + h.keySet());
    }
    int attempt = Math.max(1, SagaHeaders.attempt(h));
    if (SagaHeaders.UNDO.equals(direction)) {
      return FanOut.ref(system, sagaName, id, step)
          .<Boolean>ask(
              r -> new FanOut.Compensate(sagaName, id, step, attempt, replyTo, r), askTimeout);
    }
    JsonNode body;
    try {
      body = MAPPER.readTree(new String(record.value(), StandardCharsets.UTF_8));
    } catch (java.io.IOException e) {
      throw new RejectRecordException("a child-saga command that is not JSON: " + e.getMessage());
    }
    JsonNode children = body.path("children");
    String childSaga = body.path("childSaga").asText(null);
    if (!children.isArray() || childSaga == null) {
      throw new RejectRecordException(
          "a child-saga command of saga '" + sagaName + "' without children or child saga");
    }
    List<String> data = new ArrayList<>();
    children.forEach(child -> data.add(child.toString()));
    int quorum = body.path("quorum").asInt(Integer.MAX_VALUE);
    boolean nested = body.path("nested").asBoolean(false);
    Map<String, String> trace = new HashMap<>();
    for (String header : List.of("traceparent", "tracestate")) {
      if (h.get(header) != null) {
        trace.put(header, h.get(header));
      }
    }
    return FanOut.ref(system, sagaName, id, step)
        .<Boolean>ask(
            r ->
                new FanOut.Begin(
                    sagaName, id, step, attempt, replyTo, childSaga, data, quorum, nested, trace,
                    r),
            askTimeout);
  }
}
