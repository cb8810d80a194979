package io.skald.saga;

import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.producer.Acks;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.saga.internal.SagaJson;
import io.skald.saga.internal.SagaRuntimeSettings;
import io.skald.saga.internal.participant.DefaultParticipant;
import io.skald.saga.internal.participant.LedgerLayout;
import io.skald.saga.internal.participant.ParticipantLedger;
import io.skald.saga.internal.runner.DefaultSagaRunner;
import io.skald.saga.internal.runner.SagaIndex;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The saga module on a Skald node: runs orchestrators of saga definitions and participant services.
 * Commands, replies and the instances' own journals all live in Skald (topics and the node's
 * journal), so sagas are exactly as durable as the log.
 * <!-- snippet: jd-sagas -->
 *
 * <pre>{@code
 * Skald skald = Skald.start("shop");
 * Sagas sagas = Sagas.create(skald);
 * sagas
 *     .participant("inventory")
 *     .on(
 *         Inventory.RESERVE,
 *         (cmd, ctx) -> CompletableFuture.completedFuture(new StockReserved("r-1")))
 *     .on(Inventory.RELEASE, (cmd, ctx) -> CompletableFuture.completedFuture(null))
 *     .start(); // and the payment and order services' participants alike
 * SagaOrchestrator<Order> orders = sagas.orchestrator(placeOrder);
 * orders.start(order.id(), order);
 * }</pre>
 *
 * <p>Thread-safe. One {@code Sagas} per Skald node; it uses one durable producer for commands and
 * replies.
 */
public final class Sagas {
  private final Skald skald;
  private final SagaRuntimeSettings settings;
  private final io.skald.saga.internal.SagaRetention retention;
  private final SagaJson json = new SagaJson();
  private final Producer<String, byte[]> producer;
  private final Map<String, DefaultSagaRunner<?>> runners = new HashMap<>();

  private Sagas(Skald skald) {
    this.skald = skald;
    this.settings = SagaRuntimeSettings.from(skald.system().settings().config());
    this.retention = io.skald.saga.internal.SagaRetention.from(skald.system().settings().config());
    this.producer =
        skald.producer(
            ProducerSettings.of(Codecs.string(), Codecs.bytes())
                .withAcks(Acks.DURABLE)
                .withIdempotence());
    SagaIndex.init(
        skald.system(),
        settings.journalPluginId(),
        settings.snapshotPluginId(),
        settings.indexMaxFinished(),
        retention,
        indexSnapshotEvery(skald.system().settings().config()));
    ParticipantLedger.init(
        skald.system(),
        settings.journalPluginId(),
        settings.snapshotPluginId(),
        settings.ledgerGrace());
    LedgerLayout.init(skald.system(), settings.journalPluginId(), settings.snapshotPluginId());
    io.skald.saga.internal.runner.DefinitionCatalog.init(
        skald.system(), settings.journalPluginId(), settings.snapshotPluginId());
    io.skald.saga.internal.lock.LockEntity.init(
        skald.system(), settings.journalPluginId(), settings.snapshotPluginId());
    io.skald.saga.internal.lock.LockHoldings.init(
        skald.system(), settings.journalPluginId(), settings.snapshotPluginId());
    io.skald.saga.internal.runner.FanOut.init(
        skald.system(),
        settings.journalPluginId(),
        settings.snapshotPluginId(),
        producer,
        settings.askTimeout());
  }

  private static int indexSnapshotEvery(com.typesafe.config.Config config) {
    int every = config.getInt("skald.saga.index-snapshot-every");
    if (every < 1) {
      throw new IllegalArgumentException(
          "skald.saga.index-snapshot-every must be at least 1, was " + every);
    }
    return every;
  }

  /**
   * The saga module on a node.
   *
   * @param skald the node
   * @return the module
   */
  public static Sagas create(Skald skald) {
    return new Sagas(skald);
  }

  /**
   * The orchestrator of a definition: registers its instances with sharding, creates its reply
   * topic and its endpoints' topics if missing, and starts consuming replies. Asking again for a
   * definition of the same name returns the same orchestrator.
   *
   * @param definition the definition
   * @param <D> the data type
   * @return its orchestrator
   * @throws IllegalArgumentException if another definition with the same name was registered
   */
  public <D> SagaOrchestrator<D> orchestrator(SagaDefinition<D> definition) {
    return runner(List.of(definition), false);
  }

  /**
   * The orchestrator of several versions of a definition run side by side: each instance runs the
   * version it started with (or was {@linkplain SagaRunner#migrate migrated} to), new instances
   * take the newest. Each version is checked against the shape its own instances ran under, and a
   * registration that leaves out a version instances in flight still run is refused, naming it.
   * <!-- snippet: jd-saga-versions -->
   *
   * <pre>{@code
   * SagaOrchestrator<Order> orders = sagas.orchestrator(List.of(placeOrderV1, placeOrderV2));
   * Map<Integer, Long> inFlight = orders.versionsInFlight().toCompletableFuture().join();
   * }</pre>
   *
   * @param versions the versions: one name and data type, distinct versions
   * @param <D> the data type
   * @return their orchestrator
   * @throws IllegalArgumentException if the versions differ in name or data type, or repeat a
   *     version, or another registration of the name differs
   * @throws InvalidSagaDefinitionException if a version changes steps its instances in flight
   *     passed, or a version instances in flight run is missing
   */
  public <D> SagaOrchestrator<D> orchestrator(java.util.List<SagaDefinition<D>> versions) {
    return runner(List.copyOf(versions), false);
  }

  /**
   * The choreography of a definition: registers its trackers with sharding, creates its flow topic
   * ({@code <name>.flow}) and its endpoints' topics if missing, and starts following its flows. The
   * participants of its steps must {@link Participant#follow follow} it. Asking again for a
   * definition of the same name returns the same choreography.
   *
   * @param definition a definition without parallel steps
   * @param <D> the data type
   * @return its choreography
   * @throws InvalidSagaDefinitionException if the definition has a parallel step
   * @throws IllegalArgumentException if another definition with the same name was registered
   */
  public <D> SagaChoreography<D> choreography(SagaDefinition<D> definition) {
    return runner(List.of(definition), true);
  }

  @SuppressWarnings("unchecked")
  private synchronized <D> DefaultSagaRunner<D> runner(
      List<SagaDefinition<D>> versions, boolean choreography) {
    if (versions.isEmpty()) {
      throw new IllegalArgumentException("no definition to run");
    }
    String name = versions.get(0).name();
    String key = (choreography ? "choreography:" : "orchestration:") + name;
    DefaultSagaRunner<?> existing = runners.get(key);
    if (existing != null) {
      if (!new java.util.HashSet<>(existing.registered())
          .equals(new java.util.HashSet<>(versions))) {
        throw new IllegalArgumentException(
            "a different definition named '" + name + "' is registered already");
      }
      return (DefaultSagaRunner<D>) existing;
    }
    // the child sagas of child-saga steps run here too: registered first (a child's instances
    // must be startable wherever the parent's fan-outs run)
    for (SagaDefinition<D> version : versions) {
      for (SagaDefinition<?> child :
          io.skald.saga.internal.definition.Definitions.children(version)) {
        DefaultSagaRunner<?> known = runners.get("orchestration:" + child.name());
        if (known == null) {
          runner(List.of(child), false);
        } else if (!known.registered().contains(child)) {
          throw new IllegalArgumentException(
              "saga '"
                  + name
                  + "' starts children of saga '"
                  + child.name()
                  + "', which is registered here with another definition: register the one it"
                  + " starts (or let the parent register it)");
        }
      }
    }
    DefaultSagaRunner<D> created =
        new DefaultSagaRunner<>(skald, versions, choreography, settings, json, producer);
    runners.put(key, created);
    return created;
  }

  /**
   * Semantic locks of a space (see {@link SemanticLocks}): resources a participant marks as held by
   * the saga in progress that changed them. Locks of the same name are the same locks, on every
   * node.
   *
   * @param name the space, 1 to 100 characters from {@code [a-zA-Z0-9._-]}
   * @param conflict what a saga that finds a resource held by another does
   * @param maxWait how long a queued saga waits at most (keep it below the step's timeout)
   * @return the locks
   * @throws IllegalArgumentException for a bad name or a wait that is not positive
   */
  public SemanticLocks semanticLocks(
      String name, SemanticLocks.Conflict conflict, java.time.Duration maxWait) {
    return new io.skald.saga.internal.lock.DefaultSemanticLocks(
        skald.system(), name, conflict, maxWait, settings.askTimeout());
  }

  /**
   * A participant service: add handlers with {@link Participant#on}, then {@link
   * Participant#start}.
   *
   * @param service the service's name, also its consumer group
   * @return the participant builder
   */
  public Participant participant(String service) {
    return new DefaultParticipant(skald, service, settings, json, producer);
  }
}
