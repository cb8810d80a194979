package io.skald.framework.internal.journal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.ReceiveTimeout;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.ReadJournalProvider;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A read journal for {@code currentEventsByPersistenceId} that replays through the write journal
 * itself, in batches, for any journal plugin that answers Pekko's replay protocol.
 *
 * <p>Pekko's LevelDB read journal refuses every write journal whose class is not exactly Pekko's
 * {@code LeveldbJournal}, so it cannot sit beside {@link GroupCommitLeveldbJournal}. This one asks
 * the journal for at most {@code batch-size} events at a time (bounded memory, natural
 * backpressure: the next batch is asked for when the stream pulls).
 *
 * <p>Configuration: {@code write-plugin} (the journal's plugin id), {@code batch-size}, {@code
 * replay-timeout}.
 */
public final class JournalReplayReadJournalProvider implements ReadJournalProvider {
  private final Journal journal;

  /**
   * Created by Pekko persistence query from the plugin's configuration.
   *
   * @param system the actor system
   * @param config the plugin configuration
   */
  public JournalReplayReadJournalProvider(ExtendedActorSystem system, Config config) {
    this.journal =
        new Journal(
            system,
            config.getString("write-plugin"),
            config.getInt("batch-size"),
            config.getDuration("replay-timeout"));
  }

  @Override
  public org.apache.pekko.persistence.query.scaladsl.ReadJournal scaladslReadJournal() {
    return new ScalaJournal(journal);
  }

  @Override
  public org.apache.pekko.persistence.query.javadsl.ReadJournal javadslReadJournal() {
    return journal;
  }

  /** The Java API. */
  static final class Journal
      implements org.apache.pekko.persistence.query.javadsl.ReadJournal,
          org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery {
    private final ExtendedActorSystem system;
    private final String writePluginId;
    private final int batchSize;
    private final Duration timeout;

    Journal(ExtendedActorSystem system, String writePluginId, int batchSize, Duration timeout) {
      this.system = system;
      this.writePluginId = writePluginId;
      this.batchSize = batchSize;
      this.timeout = timeout;
    }

    @Override
    public Source<EventEnvelope, NotUsed> currentEventsByPersistenceId(
        String persistenceId, long fromSequenceNr, long toSequenceNr) {
      return Source.unfoldAsync(
              Math.max(1, fromSequenceNr),
              from -> {
                if (from > toSequenceNr) {
                  return CompletableFuture.completedFuture(Optional.empty());
                }
                return replay(persistenceId, from, toSequenceNr)
                    .thenApply(
                        events ->
                            events.isEmpty()
                                ? Optional.empty()
                                : Optional.of(
                                    Pair.create(
                                        events.get(events.size() - 1).sequenceNr() + 1, events)));
              })
          .mapConcat(events -> events);
    }

    private CompletionStage<List<EventEnvelope>> replay(String persistenceId, long from, long to) {
      CompletableFuture<List<EventEnvelope>> result = new CompletableFuture<>();
      ActorRef writeJournal =
          Persistence.get(system).journalFor(writePluginId, ConfigFactory.empty());
      int max = batchSize;
      Duration replayTimeout = timeout;
      system.systemActorOf(
          Props.create(
              Replayer.class,
              () ->
                  new Replayer(writeJournal, persistenceId, from, to, max, replayTimeout, result)),
          "skald-replay-" + java.util.UUID.randomUUID());
      return result;
    }
  }

  /** The Scala API, over the Java one. */
  static final class ScalaJournal
      implements org.apache.pekko.persistence.query.scaladsl.ReadJournal,
          org.apache.pekko.persistence.query.scaladsl.CurrentEventsByPersistenceIdQuery {
    private final Journal journal;

    ScalaJournal(Journal journal) {
      this.journal = journal;
    }

    @Override
    public org.apache.pekko.stream.scaladsl.Source<EventEnvelope, NotUsed>
        currentEventsByPersistenceId(String persistenceId, long fromSequenceNr, long toSequenceNr) {
      return journal
          .currentEventsByPersistenceId(persistenceId, fromSequenceNr, toSequenceNr)
          .asScala();
    }
  }

  /** Replays one batch from the write journal, completes the future, and stops. */
  static final class Replayer extends AbstractActor {
    private final ActorRef journal;
    private final String persistenceId;
    private final long from;
    private final long to;
    private final int max;
    private final CompletableFuture<List<EventEnvelope>> result;
    private final List<EventEnvelope> events = new ArrayList<>();

    Replayer(
        ActorRef journal,
        String persistenceId,
        long from,
        long to,
        int max,
        Duration timeout,
        CompletableFuture<List<EventEnvelope>> result) {
      this.journal = journal;
      this.persistenceId = persistenceId;
      this.from = from;
      this.to = to;
      this.max = max;
      this.result = result;
      getContext().setReceiveTimeout(timeout);
    }

    @Override
    public void preStart() {
      journal.tell(
          new JournalProtocol.ReplayMessages(from, to, max, persistenceId, self()), self());
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(
              JournalProtocol.ReplayedMessage.class,
              replayed -> {
                PersistentRepr repr = replayed.persistent();
                events.add(
                    EventEnvelope.apply(
                        Sequence.apply(repr.sequenceNr()),
                        repr.persistenceId(),
                        repr.sequenceNr(),
                        repr.payload(),
                        repr.timestamp(),
                        repr.metadata()));
              })
          .match(
              JournalProtocol.RecoverySuccess.class,
              done -> {
                result.complete(List.copyOf(events));
                getContext().stop(self());
              })
          .match(
              JournalProtocol.ReplayMessagesFailure.class,
              failed -> {
                result.completeExceptionally(failed.cause());
                getContext().stop(self());
              })
          .match(
              ReceiveTimeout.class,
              timeout -> {
                result.completeExceptionally(
                    new java.util.concurrent.TimeoutException(
                        "replay of " + persistenceId + " from " + from + " timed out"));
                getContext().stop(self());
              })
          .build();
    }
  }
}
