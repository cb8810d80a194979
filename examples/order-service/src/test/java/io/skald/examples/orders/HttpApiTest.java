package io.skald.examples.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.time.Duration;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HttpApiTest {
  private static SkaldTestNode node;
  private static ServerBinding binding;
  private static HttpClientSupport http;

  @BeforeAll
  static void start() throws Exception {
    node = SkaldTestNode.start();
    Shop shop = Shop.start(node.skald(), new Shop.Options(Shop.Flow.ORCHESTRATION, 0.0, 0, 1));
    binding = new HttpServer(shop).bind(node.skald(), "127.0.0.1", 0).toCompletableFuture().join();
    http = new HttpClientSupport("http://127.0.0.1:" + binding.localAddress().getPort());
  }

  @AfterAll
  static void stop() {
    binding.unbind().toCompletableFuture().join();
    node.close();
    node.deleteDataDir();
  }

  @Test
  void anOrderIsAcceptedAndEndsAndACompensationShowsItsReason() throws Exception {
    assertEquals(200, http.get("/health").status());
    assertEquals(201, http.post("/customers", "{\"customerId\":\"ada\",\"credit\":1000}").status());
    assertEquals(409, http.post("/customers", "{\"customerId\":\"ada\",\"credit\":5}").status());
    var stock = http.post("/inventory", "{\"sku\":\"book\",\"quantity\":3}");
    assertEquals(200, stock.status());
    assertEquals(3, stock.body().get("available").asLong());

    var accepted =
        http.post(
            "/orders",
            "{\"customerId\":\"ada\",\"items\":[{\"sku\":\"book\",\"quantity\":2,\"unitPrice\":300}]}");
    assertEquals(202, accepted.status());
    String orderId = accepted.body().get("orderId").asText();
    Await.until(
        node.skald().system(),
        Duration.ofSeconds(20),
        () -> {
          try {
            assertEquals("CONFIRMED", http.get("/orders/" + orderId).body().get("status").asText());
            // the order is confirmed before the saga's last step (commit-stock) runs: wait for the
            // saga's end before looking at the stock
            assertEquals("COMPLETED", http.get("/sagas/" + orderId).body().get("state").asText());
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        });
    var book = http.get("/inventory/book").body();
    assertEquals(1, book.get("available").asLong());
    assertEquals(2, book.get("sold").asLong());
    assertEquals(400, http.get("/customers/ada").body().get("available").asLong());

    // not enough credit: the stock is released and the order rejected with the reason
    var refused =
        http.post(
            "/orders",
            "{\"customerId\":\"ada\",\"items\":[{\"sku\":\"book\",\"quantity\":1,\"unitPrice\":900}]}");
    String refusedId = refused.body().get("orderId").asText();
    Await.until(
        node.skald().system(),
        Duration.ofSeconds(20),
        () -> {
          try {
            var order = http.get("/orders/" + refusedId).body();
            assertEquals("REJECTED", order.get("status").asText());
            assertEquals("insufficient credit", order.get("reason").asText());
            // the order is rejected by the last compensation; the saga records its end after that
            assertEquals(
                "COMPENSATED", http.get("/sagas/" + refusedId).body().get("state").asText());
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        });
    assertEquals(1, http.get("/inventory/book").body().get("available").asLong());
    var saga = http.get("/sagas/" + refusedId).body();
    assertTrue(saga.get("history").toString().contains("compensation succeeded"));
    Await.until(
        node.skald().system(),
        Duration.ofSeconds(5),
        () -> {
          try {
            assertTrue(
                http.get("/orders?status=REJECTED")
                    .body()
                    .get("orders")
                    .toString()
                    .contains(refusedId));
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        });
  }

  @Test
  void badInputIsA400AndUnknownIdsA404() throws Exception {
    var malformed = http.post("/orders", "{not json");
    assertEquals(400, malformed.status());
    assertTrue(malformed.body().get("error").asText().startsWith("malformed JSON"));
    var negative =
        http.post(
            "/orders",
            "{\"customerId\":\"ada\",\"items\":[{\"sku\":\"book\",\"quantity\":-1,\"unitPrice\":1}]}");
    assertEquals(400, negative.status());
    assertTrue(negative.body().get("error").asText().contains("quantity"));
    var unknownCustomer =
        http.post(
            "/orders",
            "{\"customerId\":\"nobody\",\"items\":[{\"sku\":\"book\",\"quantity\":1,\"unitPrice\":1}]}");
    assertEquals(400, unknownCustomer.status());
    assertEquals("unknown customer nobody", unknownCustomer.body().get("error").asText());
    assertEquals(400, http.post("/customers", "{\"customerId\":\"x\",\"credit\":-5}").status());
    assertEquals(400, http.get("/orders?status=LOST").status());
    assertEquals(404, http.get("/orders/order-none").status());
    assertEquals(404, http.get("/customers/none").status());
    assertEquals(404, http.get("/inventory/none").status());
    assertEquals(404, http.get("/sagas/none").status());
  }

  /** The body of a POST /orders with one line. */
  private static String order(String customer, String sku, String quantity, String price) {
    return "{\"customerId\":"
        + customer
        + ",\"items\":[{\"sku\":"
        + sku
        + ",\"quantity\":"
        + quantity
        + ",\"unitPrice\":"
        + price
        + "}]}";
  }

  @Test
  void whatTheApiCannotHonourIsA400WithTheLimitAndChangesNothing() throws Exception {
    assertEquals(201, http.post("/customers", "{\"customerId\":\"bob\",\"credit\":1000}").status());
    long credit = http.get("/customers/bob").body().get("available").asLong();
    // before: 1.5 was coerced to 1 and the order charged; "2" and 1e3 were accepted too
    for (String quantity : new String[] {"1.5", "\"2\"", "1e3", "2000000", "0"}) {
      var refused = http.post("/orders", order("\"bob\"", "\"book\"", quantity, "1"));
      assertEquals(400, refused.status(), quantity);
      assertTrue(
          refused.body().get("error").asText().contains("\"quantity\" must be a whole number from"),
          refused.body().toString());
    }
    // ids that would break the API's own URLs, or are too long
    for (String id : new String[] {"\"a/b\"", "\"a b\"", "\"\"", "\"" + "x".repeat(65) + "\""}) {
      var refused = http.post("/customers", "{\"customerId\":" + id + ",\"credit\":1}");
      assertEquals(400, refused.status(), id);
      assertTrue(refused.body().get("error").asText().contains("[A-Za-z0-9._-]"), id);
      assertEquals(400, http.post("/orders", order("\"bob\"", id, "1", "1")).status(), id);
    }
    // too many lines
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i <= HttpServer.MAX_LINES; i++) {
      lines.append(i == 0 ? "" : ",").append("{\"sku\":\"book\",\"quantity\":1,\"unitPrice\":1}");
    }
    var tooMany = http.post("/orders", "{\"customerId\":\"bob\",\"items\":[" + lines + "]}");
    assertEquals(400, tooMany.status());
    assertTrue(tooMany.body().get("error").asText().contains("1 to 100 lines"));
    // a body over 64 KiB
    var huge =
        http.post("/customers", "{\"customerId\":\"big\",\"pad\":\"" + "x".repeat(70_000) + "\"}");
    assertEquals(413, huge.status());
    assertTrue(huge.body().get("error").asText().contains("larger than"));
    // nothing changed
    assertEquals(credit, http.get("/customers/bob").body().get("available").asLong());
    assertEquals(404, http.get("/customers/big").status());
    assertEquals(
        0, http.get("/orders?status=PENDING").body().get("orders").size(), "no order was placed");
  }
}
