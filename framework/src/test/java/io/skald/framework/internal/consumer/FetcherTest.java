package io.skald.framework.internal.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.internal.log.PartitionProtocol;
import org.junit.jupiter.api.Test;

class FetcherTest {

  @Test
  void onlyTheAnswerToTheFetchInFlightEndsIt() {
    Fetcher fetcher = new Fetcher();
    assertFalse(fetcher.started());
    fetcher.moveTo(10);
    PartitionProtocol.Fetch first = fetcher.begin(100, 1 << 20, null, null);
    assertEquals(10, first.fromOffset());
    assertTrue(fetcher.inFlight());
    assertFalse(fetcher.end(first.fetchId() - 1), "an older fetch's answer is ignored");
    assertTrue(fetcher.end(first.fetchId()));
    assertFalse(fetcher.end(first.fetchId()), "and answered once");
  }

  @Test
  void aMoveGivesUpTheFetchInFlight() {
    Fetcher fetcher = new Fetcher();
    fetcher.moveTo(0);
    PartitionProtocol.Fetch before = fetcher.begin(100, 1 << 20, null, null);
    fetcher.moveTo(90); // a seek
    assertFalse(fetcher.inFlight());
    assertFalse(fetcher.end(before.fetchId()), "the answer from before the seek is ignored");
    assertEquals(90, fetcher.begin(100, 1 << 20, null, null).fromOffset());
  }
}
