package io.skald.saga.internal.runner;

import io.skald.framework.producer.Producer;
import io.skald.saga.internal.engine.FlowEvent;
import io.skald.saga.internal.engine.FlowRules;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INTERNAL API: the choreography tracker's sender. Participants trigger each other through their
 * events; the tracker emits an event only where none of theirs will come: {@code started} when the
 * saga starts, the triggering event again when an attempt is retried after a timeout or the tracker
 * recovered, {@code failed} when a step timed out (which turns the chain to compensation), and the
 * trigger of a compensation the chain would not reach (the step before was skipped).
 *
 * @param <D> the data type
 */
public final class FlowSender<D> implements Sender<D> {
  private static final Logger LOG = LoggerFactory.getLogger(FlowSender.class);

  private final String sagaName;
  private final String flowTopic;
  private final FlowRules<D> flow;
  private final Producer<String, byte[]> producer;

  /**
   * Creates the sender.
   *
   * @param sagaName the saga
   * @param flowTopic its flow topic
   * @param flow its choreography rules
   * @param producer the durable producer
   */
  public FlowSender(
      String sagaName, String flowTopic, FlowRules<D> flow, Producer<String, byte[]> producer) {
    this.sagaName = sagaName;
    this.flowTopic = flowTopic;
    this.flow = flow;
    this.producer = producer;
  }

  @Override
  public void ended(String sagaId) {
    producer
        .send(flowTopic, sagaId, new byte[0], Sender.endHeaders(sagaName, sagaId))
        .whenComplete(
            (ok, error) -> {
              if (error != null) {
                LOG.warn(
                    "saga {} {}: marking its end failed ({}); participants keep its keys",
                    sagaName,
                    sagaId,
                    error.toString());
              }
            });
  }

  @Override
  public void send(Attempt attempt) {
    if (attempt.cause() == Cause.REPLY) {
      return;
    }
    if (attempt.cause() == Cause.OBSERVED) {
      if (!attempt.step().compensating() || attempt.step().attempt() > 1) {
        return; // the participant's event that armed this attempt triggers it
      }
      FlowRules.Target natural = flow.target(attempt.observed());
      if (natural != null
          && natural.compensation()
          && natural.step().equals(attempt.step().name())) {
        return;
      }
    }
    FlowEvent trigger = flow.trigger(attempt.state(), attempt.step());
    producer
        .send(
            flowTopic,
            attempt.sagaId(),
            trigger.dataJson().getBytes(StandardCharsets.UTF_8),
            trigger.headers(sagaName, attempt.sagaId()))
        .whenComplete(
            (ok, error) -> {
              if (error != null) {
                LOG.warn(
                    "saga {} {}: emitting {} failed ({}); the attempt will time out",
                    sagaName,
                    attempt.sagaId(),
                    trigger.kind(),
                    error.toString());
              }
            });
  }
}
