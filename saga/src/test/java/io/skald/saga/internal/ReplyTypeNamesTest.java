package io.skald.saga.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.saga.Endpoint;
import org.junit.jupiter.api.Test;

/**
 * Reply types are persisted (in participants' memory) and carried (in reply records) by a stable
 * name, their simple name, instead of their class name; names written before are still read.
 */
class ReplyTypeNamesTest {
  record Charge(String id) {}

  record Charged(String paymentId) {}

  record Declined(String reason) {}

  static final Endpoint<Charge> CHARGE =
      Endpoint.of("payments.charge", "payments", Charge.class)
          .replies(Charged.class)
          .failures(Declined.class);

  @Test
  void aReplyTypeIsNamedStablyAndOldClassNamesStillResolve() {
    SagaJson json = new SagaJson();
    assertEquals("Charged", SagaJson.typeName(Charged.class));
    assertEquals(Charged.class, json.typeNamed(CHARGE, "Charged"));
    // as written before stable names, and after the class moved to another package
    assertEquals(Charged.class, json.typeNamed(CHARGE, Charged.class.getName()));
    assertEquals(Declined.class, json.typeNamed(CHARGE, "com.example.old.Payments$Declined"));
    assertNull(json.typeNamed(CHARGE, "Refunded"));
  }

  @Test
  void twoReplyTypesOfOneEndpointMayNotShareASimpleName() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> CHARGE.failures(io.skald.saga.internal.ReplyTypeNamesTest.Other.Charged.class));
    assertTrue(e.getMessage().contains("Charged is not unique"), e.getMessage());
  }

  static final class Other {
    record Charged(String id) {}
  }
}
