package io.skald.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skald.testkit.PersistedFormats;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every event and state type an entity of this module persists has a stable name (or Skald's
 * versioned binary format), found by scanning the module for event-sourced behaviours: a new event
 * added without a name fails here, before it reaches a journal under its class name.
 */
class PersistedNamesTest {

  @Test
  void everyPersistedTypeHasAStableName() throws Exception {
    // the module's compiled main classes (surefire runs in the module's directory)
    assertEquals(
        List.of(),
        PersistedFormats.unstableIn(
            Path.of("target", "classes"),
            List.<Class<?>>of(
                // what the snapshot adapters of the partition and the group coordinator write
                io.skald.framework.internal.log.PartitionSnapshot.class,
                io.skald.framework.internal.group.GroupProtocol.Snapshot.class,
                io.skald.framework.internal.share.ShareProtocol.ShareSnapshot.class)));
  }
}
