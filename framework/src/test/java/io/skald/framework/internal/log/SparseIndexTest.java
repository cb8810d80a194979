package io.skald.framework.internal.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SparseIndexTest {

  /** 30 events of one 10,000-byte record each, indexed every 16 events or 64 KiB. */
  private static SparseIndex tenKilobyteRecords() {
    SparseIndex index = new SparseIndex(16);
    for (int i = 0; i < 30; i++) {
      index.add(i, i + 1, 1_000 + i, i * 10_000L);
    }
    return index;
  }

  @Test
  void sizeRetentionKeepsAtLeastTheLimit() {
    SparseIndex index = tenKilobyteRecords();
    long total = 300_000;
    long start = index.startKeeping(total, 100_000);
    long kept = total - start * 10_000;
    // the cut is at an index entry, so somewhat more than the limit may stay, never less
    assertTrue(kept >= 100_000, "kept " + kept + " bytes from offset " + start);
    assertTrue(kept < 100_000 + 65_536 + 10_000, "kept " + kept + " bytes from offset " + start);
  }

  @Test
  void aLogUnderTheLimitIsNotCut() {
    SparseIndex index = tenKilobyteRecords();
    assertEquals(0, index.startKeeping(300_000, 300_000));
    assertEquals(0, index.startKeeping(300_000, 1_000_000));
    assertEquals(0, new SparseIndex(16).startKeeping(0, 10));
  }

  @Test
  void anExactEntryBoundaryKeepsExactlyTheLimit() {
    SparseIndex index = new SparseIndex(1);
    for (int i = 0; i < 10; i++) {
      index.add(i, i + 1, 0, i * 100L);
    }
    assertEquals(7, index.startKeeping(1_000, 300));
    assertEquals(6, index.startKeeping(1_000, 350));
  }
}
