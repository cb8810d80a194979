package io.skald.saga.internal.engine;

import io.skald.saga.SagaView;
import io.skald.saga.StepPhase;
import io.skald.saga.internal.engine.InstanceState.StepState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** INTERNAL API: the operator's view of an instance state. */
public final class InstanceViews {
  private InstanceViews() {}

  /**
   * The view of a state.
   *
   * @param rules the saga's rules
   * @param sagaId the instance
   * @param <D> the data type
   * @param state its state
   * @return the view
   */
  public static <D> SagaView<D> view(Transitions<D> rules, String sagaId, InstanceState state) {
    List<SagaView.Step> steps = new ArrayList<>();
    for (StepState st : state.steps()) {
      steps.add(
          new SagaView.Step(
              st.name(),
              StepPhase.valueOf(st.forward().name()),
              StepPhase.valueOf(st.compensation().name()),
              st.attempt()));
    }
    List<SagaView.HistoryEntry> history = new ArrayList<>();
    if (state.historyDropped() > 0 && !state.history().isEmpty()) {
      history.add(
          new SagaView.HistoryEntry(
              Instant.ofEpochMilli(state.history().get(0).at()),
              null,
              state.historyDropped() + " earlier transitions not shown (the journal has them)"));
    }
    for (SagaEvent e : state.history()) {
      history.add(describe(e));
    }

    return new SagaView<>(
        sagaId,
        rules.definition().name(),
        state.status(),
        rules.data(state),
        steps,
        state.reason(),
        history,
        rules.definition().deadline().isPresent() && state.startedAt() != 0
            ? Instant.ofEpochMilli(
                state.startedAt() + rules.definition().deadline().get().within().toMillis())
            : null,
        state.deadlinePassedAt() != 0,
        state.version() == 0 ? rules.definition().version() : state.version());
  }

  /**
   * One history line of an event.
   *
   * @param e the event
   * @return the entry
   */
  public static SagaView.HistoryEntry describe(SagaEvent e) {
    Instant at = Instant.ofEpochMilli(e.at());
    if (e instanceof SagaEvent.Started) {
      return new SagaView.HistoryEntry(at, null, "started");
    }
    if (e instanceof SagaEvent.StepStarted s) {
      return new SagaView.HistoryEntry(
          at,
          s.step(),
          (s.compensation() ? "compensation attempt " : "attempt ")
              + s.attempt()
              + (s.sendAt() > s.at() ? " after " + (s.sendAt() - s.at()) + " ms" : ""));
    }
    if (e instanceof SagaEvent.StepSucceeded s) {
      return new SagaView.HistoryEntry(
          at, s.step(), s.compensation() ? "compensation succeeded" : "succeeded: " + s.reply());
    }
    if (e instanceof SagaEvent.StepFailed s) {
      return new SagaView.HistoryEntry(
          at, s.step(), (s.compensation() ? "compensation failed: " : "failed: ") + s.reason());
    }
    if (e instanceof SagaEvent.StepSkipped s) {
      return new SagaView.HistoryEntry(at, s.step(), "skipped: condition false");
    }
    if (e instanceof SagaEvent.CompensationBegan s) {
      return new SagaView.HistoryEntry(at, null, "compensating: " + s.reason());
    }
    if (e instanceof SagaEvent.Parked s) {
      return new SagaView.HistoryEntry(at, s.step(), "parked: " + s.reason());
    }
    if (e instanceof SagaEvent.Resumed s) {
      return new SagaView.HistoryEntry(
          at, null, "resumed by an operator: " + s.action().wireName());
    }
    if (e instanceof SagaEvent.DeadlinePassed) {
      return new SagaView.HistoryEntry(at, null, "saga deadline passed");
    }
    if (e instanceof SagaEvent.Migrated m) {
      return new SagaView.HistoryEntry(
          at, null, "migrated from version " + m.fromVersion() + " to " + m.toVersion());
    }
    if (e instanceof SagaEvent.SignalReceived r) {
      String type = r.type();
      return new SagaView.HistoryEntry(
          at,
          r.step(),
          "signal received: " + type.substring(type.lastIndexOf('.') + 1).replace('$', '.'));
    }
    if (e instanceof SagaEvent.ReplyHeld h) {
      String type = h.type();
      return new SagaView.HistoryEntry(
          at,
          h.step(),
          "reply held while parked: "
              + (h.compensation() ? "compensation " : "")
              + type.substring(type.lastIndexOf('.') + 1).replace('$', '.'));
    }
    SagaEvent.Finished f = (SagaEvent.Finished) e;
    return new SagaView.HistoryEntry(
        at, null, f.status().name().toLowerCase(java.util.Locale.ROOT));
  }

  /**
   * The history of a state as lines: {@code "<step>: <what>"} or {@code "<what>"}.
   *
   * @param state the state
   * @return the lines
   */
  public static List<String> history(InstanceState state) {
    List<String> lines = new ArrayList<>();
    for (SagaEvent e : state.history()) {
      SagaView.HistoryEntry h = describe(e);
      lines.add(h.step() == null ? h.what() : h.step() + ": " + h.what());
    }
    return lines;
  }
}
