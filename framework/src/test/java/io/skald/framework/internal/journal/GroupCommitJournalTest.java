package io.skald.framework.internal.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.Stages;
import io.skald.testkit.AccountEntity;
import io.skald.testkit.SkaldTestNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.fusesource.leveldbjni.JniDBFactory;
import org.iq80.leveldb.DB;
import org.iq80.leveldb.Options;
import org.junit.jupiter.api.Test;

/**
 * The default journal group-commits: concurrent writes of many entities share fsyncs, every
 * acknowledged write is in the journal after a restart, and each entity's events keep their order.
 */
class GroupCommitJournalTest {
  private static final int ACCOUNTS = 300;
  private static final int CREDITS_PER_ACCOUNT = 3;

  @Test
  void concurrentWritesShareFsyncsAndAllSurviveARestart() throws Exception {
    Path dataDir = SkaldTestNode.newDataDir();
    try {
      // given 300 entities persisting 3 events each, all at once, with fsync on
      try (SkaldTestNode node = SkaldTestNode.start(dataDir, true, "")) {
        AccountEntity.init(node.skald());
        for (int round = 1; round <= CREDITS_PER_ACCOUNT; round++) {
          List<CompletableFuture<?>> acks = new ArrayList<>();
          for (int a = 0; a < ACCOUNTS; a++) {
            String message = "m" + round;
            long amount = round;
            acks.add(
                Stages.inline(
                    AccountEntity.ref(node.skald().system(), "acc-" + a)
                        .<org.apache.pekko.Done>ask(
                            replyTo -> new AccountEntity.Credit(message, amount, replyTo),
                            Duration.ofSeconds(30))));
          }
          CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
        }
      }
      // then the journal synced in groups: fewer synced groups than acknowledged writes
      long writes = (long) ACCOUNTS * CREDITS_PER_ACCOUNT;
      long groups = syncedGroups(dataDir.resolve("journal"));
      assertTrue(groups > 0, "no synced group was recorded");
      assertTrue(groups < writes, groups + " synced groups for " + writes + " writes");

      // and every acknowledged event is replayed, in order (1 + 2 + 3 with 3 effects)
      try (SkaldTestNode node = SkaldTestNode.start(dataDir, true, "")) {
        AccountEntity.init(node.skald());
        for (int a = 0; a < ACCOUNTS; a++) {
          AccountEntity.Account account =
              Stages.inline(
                      AccountEntity.ref(node.skald().system(), "acc-" + a)
                          .<AccountEntity.Account>ask(
                              AccountEntity.GetAccount::new, Duration.ofSeconds(30)))
                  .join();
          assertEquals(6, account.balance(), "acc-" + a);
          assertEquals(CREDITS_PER_ACCOUNT, account.effects(), "acc-" + a);
        }
      }
    } finally {
      SkaldTestNode.deleteRecursively(dataDir);
    }
  }

  /** The count of synced groups the journal recorded, read from its LevelDB files directly. */
  private static long syncedGroups(Path journalDir) throws Exception {
    try (DB db = JniDBFactory.factory.open(journalDir.toFile(), new Options())) {
      byte[] value = db.get("skald.group-commit".getBytes(StandardCharsets.UTF_8));
      return value == null ? 0 : Long.parseLong(new String(value, StandardCharsets.UTF_8));
    }
  }
}
