package io.skald.framework.internal.health;

import io.skald.framework.internal.EntitySupport;
import io.skald.framework.internal.SkaldSerializable;
import io.skald.framework.internal.SkaldSettings;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * INTERNAL API: proves the journal writable by writing to it. Each node has one small event-sourced
 * actor ({@code skald-journal-probe|<host>:<port>}) that persists a {@link Probed} event per probe,
 * through the journal and snapshot store Skald writes partitions with; every 100 probes it
 * snapshots and deletes the events before, so it never holds more than about a hundred. A write
 * that fails or takes longer than the timeout fails the probe (and readiness); the actor restarts
 * with back-off after a failed write and the next probe succeeds once the journal does.
 *
 * <p>Probes that arrive while one is in flight share its answer, so however often readiness is
 * asked, there is at most one probe write at a time.
 */
public final class JournalProbe implements Extension {

  /** The extension's id. */
  public static final ExtensionId<JournalProbe> ID =
      new ExtensionId<>() {
        @Override
        public JournalProbe createExtension(ActorSystem<?> system) {
          return new JournalProbe(system);
        }
      };

  /**
   * The probe of an actor system.
   *
   * @param system the actor system
   * @return its probe
   */
  public static JournalProbe get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** The event a probe writes ({@code health.journal-probed.v1}). */
  public record Probed(long atMillis) implements SkaldSerializable {}

  /** The probe actor's state: how many probes it wrote ({@code health.journal-probe.v1}). */
  public record ProbeState(long writes) implements SkaldSerializable {}

  /** Writes one probe event and answers once it is written. */
  public record Write(ActorRef<ProbeState> replyTo) implements SkaldSerializable {}

  private final ActorSystem<?> system;
  private final ActorRef<Write> actor;
  private final AtomicReference<CompletableFuture<Duration>> inFlight = new AtomicReference<>();

  private JournalProbe(ActorSystem<?> system) {
    this.system = system;
    SkaldSettings settings = SkaldSettings.from(system.settings().config());
    Address self = Cluster.get(system).selfMember().address();
    String node =
        self.host().isDefined()
            ? self.host().get() + ":" + self.port().get()
            : system.name(); // a local actor system: one per process
    this.actor =
        system.systemActorOf(
            new ProbeBehavior(PersistenceId.of("skald-journal-probe", node), settings),
            "skald-journal-probe",
            Props.empty());
  }

  /**
   * Writes a probe event.
   *
   * @param timeout how long the write may take
   * @return a stage with how long the write took, failed if it failed or timed out
   */
  public CompletionStage<Duration> probe(Duration timeout) {
    CompletableFuture<Duration> mine = new CompletableFuture<>();
    CompletableFuture<Duration> running = inFlight.compareAndExchange(null, mine);
    if (running != null) {
      return running;
    }
    long started = System.nanoTime();
    AskPattern.<Write, ProbeState>ask(actor, Write::new, timeout, system.scheduler())
        .whenComplete(
            (state, error) -> {
              inFlight.set(null);
              if (error != null) {
                mine.completeExceptionally(error);
              } else {
                mine.complete(Duration.ofNanos(System.nanoTime() - started));
              }
            });
    return mine;
  }

  private static final class ProbeBehavior extends EventSourcedBehavior<Write, Probed, ProbeState> {
    private final SkaldSettings settings;

    ProbeBehavior(PersistenceId id, SkaldSettings settings) {
      super(id, EntitySupport.ON_PERSIST_FAILURE);
      this.settings = settings;
    }

    @Override
    public String journalPluginId() {
      return settings.journalPluginId();
    }

    @Override
    public String snapshotPluginId() {
      return settings.snapshotPluginId();
    }

    @Override
    public ProbeState emptyState() {
      return new ProbeState(0);
    }

    @Override
    public RetentionCriteria retentionCriteria() {
      return RetentionCriteria.snapshotEvery(100, 1).withDeleteEventsOnSnapshot();
    }

    @Override
    public CommandHandler<Write, Probed, ProbeState> commandHandler() {
      return newCommandHandlerBuilder()
          .forAnyState()
          .onCommand(
              Write.class,
              write ->
                  Effect()
                      .persist(new Probed(System.currentTimeMillis()))
                      .thenReply(write.replyTo(), state -> state))
          .build();
    }

    @Override
    public EventHandler<ProbeState, Probed> eventHandler() {
      return newEventHandlerBuilder()
          .forAnyState()
          .onEvent(Probed.class, (state, probed) -> new ProbeState(state.writes() + 1))
          .build();
    }
  }
}
