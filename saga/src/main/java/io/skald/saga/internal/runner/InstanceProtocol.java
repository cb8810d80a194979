package io.skald.saga.internal.runner;

import io.skald.saga.OperatorAction;
import io.skald.saga.SagaStatus;
import io.skald.saga.internal.SagaSerializable;
import io.skald.saga.internal.engine.FlowEvent;
import io.skald.saga.internal.engine.InstanceState;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * INTERNAL API: the protocol of {@link SagaInstance}: its commands, replies and persisted events.
 */
public final class InstanceProtocol {
  private InstanceProtocol() {}

  /** Messages of an instance. */
  public sealed interface Command extends SagaSerializable
      permits Start,
          Reply,
          Deadline,
          SagaDeadlineDue,
          SendDue,
          SendFailed,
          IndexAcked,
          IndexRetry,
          Get,
          Operate,
          Observe,
          Signal,
          Migrate,
          CompensateCompleted,
          ParentAcked,
          FanOutReleased,
          ParentFinished {}

  /**
   * Starts the instance.
   *
   * @param dataJson the initial data
   * @param trace the starter's W3C trace context, or empty
   * @param parent the fan-out starting it as a child saga, or null
   * @param replyTo true if started now, false if it existed
   */
  public record Start(
      String dataJson,
      java.util.Map<String, String> trace,
      String parent,
      ActorRef<Boolean> replyTo)
      implements Command {
    /** Copies the trace context (absent in a message from a node of an earlier version). */
    public Start {
      trace = trace == null ? java.util.Map.of() : java.util.Map.copyOf(trace);
    }

    /**
     * Starts an instance of its own (not a child).
     *
     * @param dataJson the initial data
     * @param trace the starter's trace context
     * @param replyTo true if started now
     */
    public Start(String dataJson, java.util.Map<String, String> trace, ActorRef<Boolean> replyTo) {
      this(dataJson, trace, null, replyTo);
    }
  }

  /**
   * A completed child saga is to be compensated: its parent turns back (or failed to reach its
   * quorum). A completed instance turns to compensating; one compensating or ended otherwise
   * answers true too (nothing more to do); one running, parked or unknown answers false.
   *
   * @param replyTo whether the instance compensates (or has)
   */
  public record CompensateCompleted(ActorRef<Boolean> replyTo) implements Command {}

  /**
   * The parent's fan-out acknowledged (or not) this child's end.
   *
   * @param status the status told
   * @param ok acknowledged
   */
  record ParentAcked(SagaStatus status, boolean ok) implements Command {}

  /**
   * A fan-out of the instance acknowledged (or not) its release.
   *
   * @param step the child-saga step
   * @param ok acknowledged
   */
  record FanOutReleased(String step, boolean ok) implements Command {}

  /**
   * This completed child's parent has ended for good: nothing will compensate the child any more,
   * so it releases the fan-outs of its own child-saga steps.
   */
  public record ParentFinished() implements Command {}

  /**
   * A participant's reply.
   *
   * @param step the step
   * @param compensation whether it answers the compensation
   * @param attempt the attempt it answers, or 0 if the participant did not say
   * @param type the reply type's class name or {@code ack}
   * @param json the reply
   * @param replyTo acknowledged once handled (persisted or ignored)
   */
  public record Reply(
      String step,
      boolean compensation,
      int attempt,
      String type,
      String json,
      ActorRef<Boolean> replyTo)
      implements Command {}

  /**
   * A choreography's flow event, seen by its tracker: from the tracker's own consumer of the flow
   * topic, or from a participant that asks whether it may act on the event.
   *
   * @param event the event
   * @param target the step the participant would run, or null
   * @param compensation whether it would run the step's compensation
   * @param replyTo true if the tracker waits for that step (always true without a target)
   */
  public record Observe(
      FlowEvent event, String target, boolean compensation, ActorRef<Boolean> replyTo)
      implements Command {}

  record Deadline(String step, boolean compensation, int attempt, long deadline)
      implements Command {}

  record SendDue(String step, boolean compensation, int attempt) implements Command {}

  /** The saga's deadline, armed for {@code at} (epoch milliseconds), fell due. */
  record SagaDeadlineDue(long at) implements Command {}

  /** The index persisted a status change (or could not be reached, {@code ok} false). */
  record IndexAcked(SagaStatus status, int version, boolean ok) implements Command {}

  /** Report the status to the index again after it could not be reached. */
  enum IndexRetry implements Command {
    INSTANCE
  }

  /** The command of an attempt could not be built (the definition's code threw): park on it. */
  record SendFailed(String step, boolean compensation, int attempt, String reason)
      implements Command {}

  /**
   * Asks for the state.
   *
   * @param replyTo receives it
   */
  public record Get(ActorRef<InstanceState> replyTo) implements Command {}

  /**
   * An operator's action.
   *
   * @param action the action
   * @param replyTo receives the state after it, or the reason it does not apply
   */
  public record Operate(OperatorAction action, ActorRef<OperateResult> replyTo)
      implements Command {}

  /** The answer to an {@link Operate}. */
  public sealed interface OperateResult extends SagaSerializable {}

  /**
   * The action was applied.
   *
   * @param state the state after it
   */
  public record Operated(InstanceState state) implements OperateResult {}

  /**
   * The action does not apply to the instance as it is; nothing changed.
   *
   * @param reason why, naming the status
   */
  public record Refused(String reason) implements OperateResult {}

  /**
   * A signal for one of the instance's wait steps.
   *
   * @param type the signal's class name or simple name
   * @param json the signal
   * @param replyTo gets whether it was taken (or kept for its step), or why it was refused
   */
  public record Signal(String type, String json, ActorRef<SignalResult> replyTo)
      implements Command {}

  /**
   * What became of a signal.
   *
   * @param taken true if the instance took it or keeps it for its step; false if it changed nothing
   *     (its wait is over, a signal for it came already, or the saga ended)
   * @param refusal why it was refused (no such instance, a type no step waits for, a payload that
   *     does not read as it), or null
   */
  public record SignalResult(boolean taken, String refusal) implements SagaSerializable {}

  /**
   * An operator's migration to another version.
   *
   * @param toVersion the version
   * @param replyTo gets the state after it, or why it was refused
   */
  public record Migrate(int toVersion, ActorRef<OperateResult> replyTo) implements Command {}
}
