package io.skald.admin.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.admin.AdminServer;
import io.skald.admin.AdminSettings;
import io.skald.framework.Skald;
import io.skald.saga.SagaRunner;
import io.skald.testkit.SkaldTestNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The code of the admin module's Javadoc and of docs/operations.md, compiled and run. */
class AdminDocsTest {

  @Test
  void anAdminServerStartsFromTheNodesConfiguration() {
    try (SkaldTestNode node =
        SkaldTestNode.start(
            SkaldTestNode.newDataDir(), false, "skald.admin.enabled = on\nskald.admin.port = 0")) {
      Skald skald = node.skald();
      List<SagaRunner<?>> sagas = List.of();
      // #jd-admin-server
      AdminServer admin =
          AdminServer.start(
                  skald, AdminSettings.fromConfig(skald.system().settings().config()), sagas)
              .toCompletableFuture()
              .join();
      System.out.println("admin API on " + admin.address());
      // #jd-admin-server
      try (admin) {
        assertEquals("127.0.0.1", admin.address().getAddress().getHostAddress());
        assertTrue(admin.address().getPort() > 0);
      }
      try (AdminServer enabled = AdminServer.startIfEnabled(skald, sagas).orElseThrow()) {
        assertTrue(enabled.url().startsWith("http://127.0.0.1:"));
      }
    }
  }
}
