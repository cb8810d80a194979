package io.skald.framework.internal.share;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skald.framework.internal.SkaldSettings;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The write-behind journal of a share-partition recovers every write it confirmed. */
class ShareJournalTest {
  private final Path dataDir = SkaldTestNode.newDataDir();
  private SkaldTestNode node;

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
    SkaldTestNode.deleteRecursively(dataDir);
  }

  private ShareProtocol.ShareSnapshot recover(String config, int round) {
    node = SkaldTestNode.start(dataDir, false, config);
    var system = node.skald().system();
    TestProbe<ShareProtocol.Command> parent = TestProbe.create(system);
    system.systemActorOf(
        ShareJournal.create(
            "g~t~0", SkaldSettings.from(system.settings().config()), parent.getRef()),
        "journal-" + round,
        Props.empty());
    return parent.expectMessageClass(ShareJournal.Recovered.class, Duration.ofSeconds(10)).state();
  }

  @Test
  void everyConfirmedWriteIsRecoveredWithSnapshotsAndDeletedEvents() {
    String config = "skald.framework.consumer.shared.snapshot-every = 10";
    node = SkaldTestNode.start(dataDir, false, config);
    var system = node.skald().system();
    TestProbe<ShareProtocol.Command> parent = TestProbe.create(system);
    ActorRef<ShareJournal.Command> journal =
        system.systemActorOf(
            ShareJournal.create(
                "g~t~0", SkaldSettings.from(system.settings().config()), parent.getRef()),
            "journal-0",
            Props.empty());
    parent.expectMessageClass(ShareJournal.Recovered.class, Duration.ofSeconds(10));
    long offset = 0;
    long token = 0;
    List<ShareProtocol.Event> first = List.of(new ShareProtocol.ShareStarted(0));
    journal.tell(new ShareJournal.Write(first, ++token));
    parent.expectMessage(new ShareJournal.Written(token));
    java.util.Random random = new java.util.Random(7);
    for (int write = 0; write < 300; write++) {
      List<ShareProtocol.Event> events = new ArrayList<>();
      int size = 1 + random.nextInt(7);
      for (int i = 0; i < size; i++) {
        events.add(new ShareProtocol.RecordsAcquired(new long[] {offset}, "m", 1));
        events.add(new ShareProtocol.RecordsAcknowledged(new long[] {offset}, offset + 1));
        offset++;
      }
      journal.tell(new ShareJournal.Write(events, ++token));
      parent.expectMessage(Duration.ofSeconds(10), new ShareJournal.Written(token));
    }
    node.close();
    node = null;
    ShareProtocol.ShareSnapshot recovered = recover(config, 1);
    assertEquals(offset, recovered.startOffset(), "every confirmed acknowledgement survived");
  }
}
