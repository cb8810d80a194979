package io.skald.saga.internal.runner;

import io.skald.framework.producer.Producer;
import io.skald.saga.Endpoint;
import io.skald.saga.internal.SagaHeaders;
import io.skald.saga.internal.SagaJson;
import io.skald.saga.internal.definition.Definitions;
import io.skald.saga.internal.definition.StageSpec;
import io.skald.saga.internal.definition.StepSpec;
import io.skald.saga.internal.engine.InstanceState.StepState;
import io.skald.saga.internal.engine.Transitions;
import io.skald.saga.internal.engine.UserCodeFailed;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INTERNAL API: the orchestrator's sender: the step's (or compensation's) command to its endpoint's
 * topic, keyed by saga id, with the saga headers and the idempotency key.
 *
 * @param <D> the data type
 */
public final class CommandSender<D> implements Sender<D> {
  private static final Logger LOG = LoggerFactory.getLogger(CommandSender.class);

  private final java.util.SortedMap<Integer, Transitions<D>> versions;
  private final Transitions<D> rules;
  private final SagaJson json;
  private final Producer<String, byte[]> producer;

  /**
   * Creates the sender.
   *
   * @param versions the rules of each version the saga runs
   * @param json the JSON mapper
   * @param producer the durable producer
   */
  public CommandSender(
      java.util.SortedMap<Integer, Transitions<D>> versions,
      SagaJson json,
      Producer<String, byte[]> producer) {
    this.versions = new java.util.TreeMap<>(versions);
    this.rules = versions.get(versions.lastKey());
    this.json = json;
    this.producer = producer;
  }

  @Override
  public void ended(String sagaId) {
    String sagaName = rules.definition().name();
    Set<String> topics = new LinkedHashSet<>();
    for (StageSpec<D> stage :
        versions.values().stream()
            .flatMap(version -> Definitions.stages(version.definition()).stream())
            .toList()) {
      for (StepSpec<D> step : stage.steps()) {
        if (step.waits()) {
          continue; // the signal topic has no participant to tell
        }
        topics.add(step.endpoint().topic());
        if (step.compensation() != null) {
          topics.add(step.compensation().topic());
        }
      }
    }
    for (String topic : topics) {
      producer
          .send(topic, sagaId, new byte[0], Sender.endHeaders(sagaName, sagaId))
          .whenComplete(
              (ok, error) -> {
                if (error != null) {
                  LOG.warn(
                      "saga {} {}: marking its end on {} failed ({}); participants keep its keys",
                      sagaName,
                      sagaId,
                      topic,
                      error.toString());
                }
              });
    }
  }

  @Override
  public void send(Attempt attempt) {
    StepState st = attempt.step();
    Transitions<D> rules = versions.getOrDefault(attempt.state().version(), this.rules);
    String sagaName = rules.definition().name();
    String sagaId = attempt.sagaId();
    boolean compensation = st.compensating();
    StepSpec<D> spec = rules.spec(st.name());
    Endpoint<?> endpoint = compensation ? spec.compensation() : spec.endpoint();
    Object command = rules.command(attempt.state(), st); // throws UserCodeFailed: the caller parks
    byte[] payload;
    try {
      payload = json.bytes(command);
    } catch (RuntimeException e) {
      throw new UserCodeFailed(st.name(), compensation, "serializing the command", e);
    }
    Map<String, String> headers =
        Map.of(
            SagaHeaders.SAGA, sagaName,
            SagaHeaders.ID, sagaId,
            SagaHeaders.STEP, st.name(),
            SagaHeaders.DIRECTION, compensation ? SagaHeaders.UNDO : SagaHeaders.DO,
            SagaHeaders.KEY, SagaHeaders.key(sagaName, sagaId, st.name(), compensation),
            SagaHeaders.ATTEMPT, Integer.toString(st.attempt()),
            SagaHeaders.TYPE, endpoint.commandType().getName(),
            SagaHeaders.ENDPOINT, endpoint.name(),
            SagaHeaders.REPLY_TO, rules.definition().replyTopic());
    producer
        .send(endpoint.topic(), sagaId, payload, headers)
        .whenComplete(
            (ok, error) -> {
              if (error != null) {
                LOG.warn(
                    "saga {} {}: sending step {} to {} failed ({}); the attempt will time out",
                    sagaName,
                    sagaId,
                    st.name(),
                    endpoint.topic(),
                    error.toString());
              }
            });
  }
}
