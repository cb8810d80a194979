package io.skald.framework.testing;

import io.skald.framework.Codecs;
import io.skald.framework.Skald;
import io.skald.framework.admin.TopicSpec;
import io.skald.framework.consumer.SubscriptionSpec;
import io.skald.framework.producer.Producer;
import io.skald.framework.producer.ProducerSettings;
import io.skald.testkit.AccountEntity;
import io.skald.testkit.AccountEntity.Credit;
import io.skald.testkit.SkaldTestNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The process an exactly-once test kills: group {@code ledger} credits 50 deposits to account
 * {@code acct-1} but never commits (commit interval of an hour), prints {@code APPLIED} once the
 * balance is 50, and waits to be killed: a crash between handling and commit.
 */
public final class ExactlyOnceNodeMain {
  /** Deposits produced. */
  public static final int DEPOSITS = 50;

  private ExactlyOnceNodeMain() {}

  /**
   * Runs until killed.
   *
   * @param args the data directory
   * @throws Exception never expected
   */
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, "UTF-8");
    SkaldTestNode node =
        SkaldTestNode.start(
            Path.of(args[0]), true, "skald.framework.consumer.commit-interval = 1h");
    Skald skald = node.skald();
    AccountEntity.init(skald);
    skald.admin().createTopic(TopicSpec.of("deposits", 1)).toCompletableFuture().join();
    Producer<String, String> producer =
        skald.producer(ProducerSettings.of(Codecs.string(), Codecs.string()));
    for (int i = 0; i < DEPOSITS; i++) {
      producer.send("deposits", "acct-1", "1").toCompletableFuture().join();
    }
    ActorSystem<?> system = skald.system();
    Duration timeout = Duration.ofSeconds(5);
    skald.subscribe(
        SubscriptionSpec.of("ledger", Codecs.string(), Codecs.string()).withTopics("deposits"),
        // #delivery-inbox-handler
        record ->
            AccountEntity.ref(system, record.key())
                .<Done>ask(
                    replyTo ->
                        new Credit(record.messageId(), Long.parseLong(record.value()), replyTo),
                    timeout)
        // #delivery-inbox-handler
        );
    while (true) {
      AccountEntity.Account account =
          AccountEntity.ref(skald.system(), "acct-1")
              .<AccountEntity.Account>ask(AccountEntity.GetAccount::new, Duration.ofSeconds(5))
              .toCompletableFuture()
              .join();
      if (account.balance() == DEPOSITS) {
        out.println("APPLIED");
        new java.util.concurrent.CountDownLatch(1).await();
      }
      CompletableFuture.runAsync(
              () -> {},
              CompletableFuture.delayedExecutor(50, java.util.concurrent.TimeUnit.MILLISECONDS))
          .join();
    }
  }

  /**
   * The handler's effect: credit the account once per message id.
   *
   * @param skald the node
   * @param account the account id
   * @param messageId the record's message id
   * @param amount the amount
   * @return completes when applied
   */
  public static java.util.concurrent.CompletionStage<?> credit(
      Skald skald, String account, String messageId, long amount) {
    return AccountEntity.ref(skald.system(), account)
        .ask(
            (org.apache.pekko.actor.typed.ActorRef<org.apache.pekko.Done> replyTo) ->
                new AccountEntity.Credit(messageId, amount, replyTo),
            Duration.ofSeconds(5));
  }
}
