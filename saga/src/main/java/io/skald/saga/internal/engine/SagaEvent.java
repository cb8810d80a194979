package io.skald.saga.internal.engine;

import io.skald.saga.OperatorAction;
import io.skald.saga.SagaStatus;
import io.skald.saga.internal.SagaSerializable;

/**
 * INTERNAL API: the persisted transitions of a saga instance. Each is written before the instance
 * acts on it (sends a command, arms a timer), so a crash resumes exactly where it was.
 */
public sealed interface SagaEvent extends SagaSerializable
    permits SagaEvent.Started,
        SagaEvent.StepStarted,
        SagaEvent.StepSucceeded,
        SagaEvent.StepFailed,
        SagaEvent.StepSkipped,
        SagaEvent.CompensationBegan,
        SagaEvent.Parked,
        SagaEvent.Resumed,
        SagaEvent.Finished,
        SagaEvent.ReplyHeld,
        SagaEvent.DeadlinePassed,
        SagaEvent.SignalReceived,
        SagaEvent.Migrated {

  /**
   * When it happened, epoch milliseconds.
   *
   * @return the time
   */
  long at();

  /**
   * The instance started.
   *
   * @param dataJson the initial data
   * @param at when
   * @param trace the W3C trace context of the starter ({@code traceparent}, {@code tracestate}),
   *     empty if it was not traced (and in events written before tracing)
   * @param version the definition's version the instance runs (absent, so 0, read as 1, in events
   *     written before versions)
   * @param parent the fan-out that started the instance as a child saga, or null (absent in events
   *     written before child sagas)
   */
  record Started(
      String dataJson, long at, java.util.Map<String, String> trace, int version, String parent)
      implements SagaEvent {
    /**
     * Copies the trace context (null in events written before tracing); reads a missing version as
     * 1.
     */
    public Started {
      trace = trace == null ? java.util.Map.of() : java.util.Map.copyOf(trace);
      version = version < 1 ? 1 : version;
    }

    /**
     * A start of version 1.
     *
     * @param dataJson the initial data
     * @param at when
     * @param trace the starter's trace context
     */
    public Started(String dataJson, long at, java.util.Map<String, String> trace) {
      this(dataJson, at, trace, 1, null);
    }

    /**
     * A start of an instance of its own (not a child).
     *
     * @param dataJson the initial data
     * @param at when
     * @param trace the starter's trace context
     * @param version the version
     */
    public Started(String dataJson, long at, java.util.Map<String, String> trace, int version) {
      this(dataJson, at, trace, version, null);
    }

    /**
     * The version, with events written before versions read as 1.
     *
     * @return from 1
     */
    public int runsVersion() {
      return version < 1 ? 1 : version;
    }
  }

  /**
   * An attempt of a step (or of its compensation) is armed: its command goes out at {@code sendAt}
   * and times out at {@code deadline}.
   *
   * @param step the step
   * @param compensation true for the compensation
   * @param attempt the attempt, from 1
   * @param sendAt when the command is sent (later than now after a retry backoff)
   * @param deadline when the attempt times out
   * @param at when
   * @param since the attempts before the retry budget restarted: 0, or the attempt an operator's
   *     retry continues from (absent, so 0, in events written before operators' retries kept
   *     counting)
   */
  record StepStarted(
      String step,
      boolean compensation,
      int attempt,
      long sendAt,
      long deadline,
      long at,
      int since)
      implements SagaEvent {

    /**
     * An attempt within the first retry budget.
     *
     * @param step the step
     * @param compensation true for the compensation
     * @param attempt the attempt, from 1
     * @param sendAt when the command is sent
     * @param deadline when the attempt times out
     * @param at when
     */
    public StepStarted(
        String step, boolean compensation, int attempt, long sendAt, long deadline, long at) {
      this(step, compensation, attempt, sendAt, deadline, at, 0);
    }
  }

  /**
   * A step (or its compensation) succeeded.
   *
   * @param step the step
   * @param compensation true for the compensation
   * @param reply the reply type's simple name, or what the operator did
   * @param dataJson the data after the reply handler, or null if unchanged
   * @param at when
   */
  record StepSucceeded(String step, boolean compensation, String reply, String dataJson, long at)
      implements SagaEvent {}

  /**
   * A step (or its compensation) failed for good.
   *
   * @param step the step
   * @param compensation true for the compensation
   * @param business true if the participant answered with a business failure (so it did not act)
   * @param reason why
   * @param dataJson the data after the step's failure handler, or null if unchanged
   * @param at when
   */
  record StepFailed(
      String step, boolean compensation, boolean business, String reason, String dataJson, long at)
      implements SagaEvent {}

  /**
   * A conditional step was skipped.
   *
   * @param step the step
   * @param at when
   */
  record StepSkipped(String step, long at) implements SagaEvent {}

  /**
   * The saga turned back: the completed steps are compensated from now on.
   *
   * @param reason why
   * @param at when
   */
  record CompensationBegan(String reason, long at) implements SagaEvent {}

  /**
   * The instance waits for an operator.
   *
   * @param step the step that cannot proceed
   * @param compensation true if its compensation is what failed
   * @param reason why
   * @param at when
   */
  record Parked(String step, boolean compensation, String reason, long at) implements SagaEvent {}

  /**
   * An operator resumed a parked instance.
   *
   * @param action retry, skip or compensate (persisted by {@link OperatorAction#wireName()})
   * @param at when
   */
  record Resumed(OperatorAction action, long at) implements SagaEvent {}

  /**
   * The instance ended.
   *
   * @param status COMPLETED, COMPENSATED or ABORTED
   * @param at when
   */
  record Finished(SagaStatus status, long at) implements SagaEvent {}

  /**
   * A participant's reply arrived while the instance was parked: it is kept, and takes effect when
   * an operator resumes the instance (dropping it would lose an outcome that is in place, and the
   * step would time out on resume).
   *
   * @param step the step it answers
   * @param compensation true if it answers the compensation
   * @param attempt the attempt it answers, or 0 if the participant did not say
   * @param type the reply's class name, or {@code ack}
   * @param replyJson the reply
   * @param at when it arrived
   */
  record ReplyHeld(
      String step, boolean compensation, int attempt, String type, String replyJson, long at)
      implements SagaEvent {}

  /**
   * The saga's deadline ({@link io.skald.saga.SagaDefinition#deadline()}) passed while it was not
   * done; the events after it in the same write say what it did (compensate or park). Recorded
   * once: an instance an operator resumes afterwards runs without a deadline.
   *
   * @param at when
   */
  record DeadlinePassed(long at) implements SagaEvent {}

  /**
   * A signal for a wait step arrived. Taken at once when the step waits (the events after it in the
   * same write are its effect); kept when the step is not reached yet, or the instance is parked on
   * it, and taken when the step waits.
   *
   * @param step the wait step it is for
   * @param type the signal's class name
   * @param signalJson the signal
   * @param at when it arrived
   */
  record SignalReceived(String step, String type, String signalJson, long at)
      implements SagaEvent {}

  /**
   * An operator moved the instance to another version of its definition ({@code
   * SagaRunner.migrate}): from now on it runs under that version's steps; the steps it has not
   * reached are the target's.
   *
   * @param fromVersion the version it ran
   * @param toVersion the version it runs now
   * @param at when
   */
  record Migrated(int fromVersion, int toVersion, long at) implements SagaEvent {}
}
