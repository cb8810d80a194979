package io.skald.testkit;

import io.skald.framework.Skald;
import io.skald.framework.consumer.Inbox;
import io.skald.framework.internal.SkaldSerializable;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;

/**
 * An account credited from a topic with exactly-once effect: the {@link Inbox} of applied message
 * ids is part of the state and updated by the same event as the balance (the pattern of
 * docs/delivery.md). Skald's exactly-once and crash tests use it; it is also a template for an
 * entity of your own persisted on Skald's journal ({@link Skald#journalPluginId()}).
 */
public final class AccountEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        AccountEntity.Command, AccountEntity.Event, AccountEntity.Account> {

  /** The entity type. */
  public static final EntityTypeKey<Command> TYPE =
      EntityTypeKey.create(Command.class, "test-account");

  /** Commands. */
  public sealed interface Command extends SkaldSerializable permits Credit, GetAccount {}

  /**
   * Credit the account once per message.
   *
   * @param messageId the message's id
   * @param amount the amount
   * @param replyTo acknowledged once applied (or recognised as applied)
   */
  public record Credit(String messageId, long amount, ActorRef<Done> replyTo) implements Command {}

  /**
   * Read the account.
   *
   * @param replyTo receives it
   */
  public record GetAccount(ActorRef<Account> replyTo) implements Command {}

  /** Events. */
  public sealed interface Event extends SkaldSerializable permits Credited {}

  /**
   * The account was credited.
   *
   * @param messageId the message applied
   * @param amount the amount
   */
  public record Credited(String messageId, long amount) implements Event {}

  /**
   * The state.
   *
   * @param balance the balance
   * @param effects how many credits were applied (the effect count)
   * @param inbox the applied message ids
   */
  public record Account(long balance, long effects, Inbox inbox) implements SkaldSerializable {}

  /**
   * Registers the entity type, persisted on Skald's journal.
   *
   * @param skald the node
   */
  public static void init(Skald skald) {
    // #own-entity-journal
    String journal = skald.journalPluginId();
    String snapshots = skald.snapshotPluginId();
    ClusterSharding.get(skald.system())
        .init(Entity.of(TYPE, ctx -> new AccountEntity(ctx.getEntityId(), journal, snapshots)));
    // #own-entity-journal
  }

  /**
   * An account's reference.
   *
   * @param system the actor system
   * @param id the account id
   * @return the reference
   */
  public static EntityRef<Command> ref(ActorSystem<?> system, String id) {
    return ClusterSharding.get(system).entityRefFor(TYPE, id);
  }

  private final String journal;
  private final String snapshots;

  private AccountEntity(String id, String journal, String snapshots) {
    super(PersistenceId.of(TYPE.name(), id));
    this.journal = journal;
    this.snapshots = snapshots;
  }

  // #own-entity-journal
  // in the entity (an EventSourcedBehavior):
  @Override
  public String journalPluginId() {
    return journal;
  }

  @Override
  public String snapshotPluginId() {
    return snapshots;
  }

  // #own-entity-journal

  @Override
  public Account emptyState() {
    return new Account(0, 0, Inbox.empty(1_000));
  }

  @Override
  public CommandHandlerWithReply<Command, Event, Account> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        // #delivery-inbox-entity
        // state: record Account(long balance, long effects, Inbox inbox)
        .onCommand(
            Credit.class,
            (state, cmd) -> {
              if (state.inbox().contains(cmd.messageId())) {
                return Effect().reply(cmd.replyTo(), Done.getInstance()); // a redelivery: done
              }
              return Effect()
                  .persist(new Credited(cmd.messageId(), cmd.amount()))
                  .thenReply(cmd.replyTo(), s -> Done.getInstance());
            })
        // #delivery-inbox-entity
        .onCommand(GetAccount.class, (state, cmd) -> Effect().reply(cmd.replyTo(), state))
        .build();
  }

  @Override
  public EventHandler<Account, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        // #delivery-inbox-entity
        // event handler: the effect and its "processed" marker in one event
        .onEvent(
            Credited.class,
            (state, e) ->
                new Account(
                    state.balance() + e.amount(),
                    state.effects() + 1,
                    state.inbox().record(e.messageId())))
        // #delivery-inbox-entity
        .build();
  }
}
