package io.skald.saga.testkit;

import io.skald.saga.Endpoint;
import io.skald.saga.OperatorAction;
import io.skald.saga.SagaStatus;
import io.skald.saga.SagaView;
import io.skald.saga.internal.engine.InstanceState;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * One saga instance under test, driven step by step: expect the command it sends, answer it, let
 * virtual time pass, and check where it ends. Every method throws {@link AssertionError} with a
 * description of what the instance did instead.
 * <!-- snippet: jd-scenario -->
 *
 * <pre>{@code
 * SagaTestKit.of(placeOrder)
 *     .start(order)
 *     .expectCommandTo(Inventory.RESERVE)
 *     .reply(new StockReserved("r-1"))
 *     .expectCommandTo(Payments.CHARGE)
 *     .reply(new Declined("no credit"))
 *     .expectCompensationTo(Inventory.RELEASE)
 *     .reply(null)
 *     .expectStatus(SagaStatus.COMPENSATED);
 * }</pre>
 *
 * @param <D> the saga data type
 */
public final class SagaScenario<D> {
  private final VirtualInstance<D> instance;
  private final Deque<VirtualInstance.Sent> outbox;
  private VirtualInstance.Sent last;
  private Object lastReply;

  SagaScenario(VirtualInstance<D> instance, Deque<VirtualInstance.Sent> outbox) {
    this.instance = instance;
    this.outbox = outbox;
  }

  static <D> SagaScenario<D> start(io.skald.saga.SagaDefinition<D> definition, D data) {
    Deque<VirtualInstance.Sent> outbox = new ArrayDeque<>();
    VirtualInstance<D> instance =
        new VirtualInstance<>(
            definition,
            "test-saga",
            sent -> {
              if (!sent.awaitsSignal()) {
                outbox.add(sent); // a wait sends nothing
              }
            });
    instance.start(data);
    return new SagaScenario<>(instance, outbox);
  }

  private VirtualInstance.Sent next(Endpoint<?> endpoint, boolean compensation) {
    VirtualInstance.Sent sent = outbox.poll();
    String wanted = (compensation ? "compensation " : "command ") + endpoint.name();
    if (sent == null) {
      throw new AssertionError("expected " + wanted + " but nothing was sent; " + describe());
    }
    if (sent.endpoint() != endpoint || sent.compensation() != compensation) {
      throw new AssertionError(
          "expected "
              + wanted
              + " but the saga sent "
              + (sent.compensation() ? "compensation " : "command ")
              + sent.endpoint().name()
              + " of step "
              + sent.step()
              + "; "
              + describe());
    }
    last = sent;
    return sent;
  }

  /**
   * Expects the next command sent to be a step's command to this endpoint.
   *
   * @param endpoint the endpoint
   * @param <C> the command type
   * @return the command, to inspect
   */
  public <C> C expectCommand(Endpoint<C> endpoint) {
    return endpoint.commandType().cast(next(endpoint, false).command());
  }

  /**
   * Expects the next command sent to be a compensation to this endpoint.
   *
   * @param endpoint the endpoint
   * @param <C> the command type
   * @return the command, to inspect
   */
  public <C> C expectCompensation(Endpoint<C> endpoint) {
    return endpoint.commandType().cast(next(endpoint, true).command());
  }

  /**
   * Like {@link #expectCommand}, continuing the chain.
   *
   * @param endpoint the endpoint
   * @return this scenario
   */
  public SagaScenario<D> expectCommandTo(Endpoint<?> endpoint) {
    next(endpoint, false);
    return this;
  }

  /**
   * Like {@link #expectCompensation}, continuing the chain.
   *
   * @param endpoint the endpoint
   * @return this scenario
   */
  public SagaScenario<D> expectCompensationTo(Endpoint<?> endpoint) {
    next(endpoint, true);
    return this;
  }

  /**
   * Answers the last expected command.
   *
   * @param reply a declared reply or failure of its endpoint, or null for an acknowledgement
   * @return this scenario
   */
  public SagaScenario<D> reply(Object reply) {
    if (last == null) {
      throw new AssertionError("no command to reply to: expect one first");
    }
    lastReply = reply;
    instance.reply(last.step(), last.compensation(), last.attempt(), reply);
    return this;
  }

  /**
   * Answers an earlier attempt of the last expected command's step, as a participant whose reply
   * was slower than the step's timeout does: the reply carries that attempt.
   *
   * @param attempt the attempt it answers, from 1
   * @param reply a declared reply or failure of its endpoint, or null for an acknowledgement
   * @return true if the saga acted on it, false if it ignored it
   */
  public boolean replyToAttempt(int attempt, Object reply) {
    if (last == null) {
      throw new AssertionError("no command to reply to: expect one first");
    }
    return instance.reply(last.step(), last.compensation(), attempt, reply);
  }

  /**
   * Answers the command of a step that may no longer wait for it (a late reply, after the step
   * timed out, was refused or the saga turned back), as the participant's reply arriving now.
   *
   * @param step the step
   * @param attempt the attempt it answers, from 1
   * @param reply a declared reply or failure of the step's endpoint, or null for an acknowledgement
   * @return true if the saga acted on it, false if it ignored it
   */
  public boolean lateReply(String step, int attempt, Object reply) {
    return instance.reply(step, false, attempt, reply);
  }

  /**
   * Moves the instance to another version of its definition, as {@link
   * io.skald.saga.SagaRunner#migrate} does: allowed when the instance's past fits the version.
   *
   * @param target the version to run from now on (same name and data type)
   * @return this scenario
   * @throws IllegalStateException naming what does not fit
   */
  public SagaScenario<D> migrate(io.skald.saga.SagaDefinition<D> target) {
    instance.migrate(target);
    return this;
  }

  /**
   * Sends a signal to the instance's wait step, as {@link io.skald.saga.SagaRunner#signal} does:
   * taken if its wait runs, kept if the wait is not reached yet.
   *
   * @param signal a signal (or refusal) a wait step of the definition declares
   * @return true if the saga took or kept it, false if it changed nothing
   * @throws IllegalArgumentException if no step waits for the signal's type
   */
  public boolean signal(Object signal) {
    return instance.signal(signal);
  }

  /**
   * Delivers the last reply again, as a redelivery would; the saga must ignore it.
   *
   * @return this scenario
   * @throws AssertionError if the saga acted on it
   */
  public SagaScenario<D> duplicateLastReply() {
    if (last == null) {
      throw new AssertionError("no reply to duplicate");
    }
    if (instance.reply(last.step(), last.compensation(), last.attempt(), lastReply)) {
      throw new AssertionError("the saga acted on a duplicated reply; " + describe());
    }
    return this;
  }

  /**
   * Lets virtual time pass: commands delayed by a retry backoff go out and attempts time out.
   *
   * @param duration how long
   * @return this scenario
   */
  public SagaScenario<D> advance(Duration duration) {
    instance.advanceTo(instance.now() + duration.toMillis());
    return this;
  }

  /**
   * Restarts the instance from its journal, as after a crash: running attempts are sent again.
   *
   * @return this scenario
   */
  public SagaScenario<D> crash() {
    instance.crash();
    return this;
  }

  /**
   * Expects that nothing more was sent.
   *
   * @return this scenario
   */
  public SagaScenario<D> expectNoCommand() {
    if (!outbox.isEmpty()) {
      VirtualInstance.Sent sent = outbox.peek();
      throw new AssertionError(
          "expected no command but the saga sent "
              + sent.endpoint().name()
              + " of step "
              + sent.step()
              + "; "
              + describe());
    }
    return this;
  }

  /**
   * Expects a status.
   *
   * @param status the status
   * @return this scenario
   */
  public SagaScenario<D> expectStatus(SagaStatus status) {
    if (instance.state().status() != status) {
      throw new AssertionError("expected " + status + "; " + describe());
    }
    return this;
  }

  /**
   * An operator's action on the instance, as {@link io.skald.saga.SagaRunner#retry} and its
   * siblings run it.
   *
   * @param action the action
   * @return this scenario
   * @throws IllegalStateException if the action does not apply to the instance's status, as the
   *     runner refuses it
   */
  public SagaScenario<D> operator(OperatorAction action) {
    instance.operate(action);
    return this;
  }

  /**
   * The status now.
   *
   * @return the status
   */
  public SagaStatus status() {
    return instance.state().status();
  }

  /**
   * The data now.
   *
   * @return the data
   */
  public D data() {
    return instance.rules().data(instance.state());
  }

  /**
   * The history, as the operator view shows it.
   *
   * @return one line per transition
   */
  public List<String> history() {
    return io.skald.saga.internal.engine.InstanceViews.history(instance.state());
  }

  private String describe() {
    InstanceState s = instance.state();
    return "the saga is "
        + s.status()
        + (s.reason() == null ? "" : " (" + s.reason() + ")")
        + ", history "
        + history();
  }

  /**
   * The operator view.
   *
   * @return the view
   */
  public SagaView<D> view() {
    return io.skald.saga.internal.engine.InstanceViews.view(
        instance.rules(), "test-saga", instance.state());
  }
}
