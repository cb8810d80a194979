package io.skald.framework.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordFilterTest {
  private static boolean matches(String expression, String key, Map<String, String> headers) {
    return RecordFilter.parse(expression).matches(key, headers);
  }

  @Test
  void topicExchangePatternsMatchWordsLikeRabbitMq() {
    RecordFilter star = RecordFilter.keyLike("order.*.eu");
    assertTrue(star.matches("order.paid.eu", Map.of()));
    assertFalse(star.matches("order.eu", Map.of()));
    assertFalse(star.matches("order.paid.x.eu", Map.of()));
    RecordFilter hash = RecordFilter.keyLike("order.#");
    assertTrue(hash.matches("order", Map.of()));
    assertTrue(hash.matches("order.paid", Map.of()));
    assertTrue(hash.matches("order.paid.eu", Map.of()));
    assertFalse(hash.matches("orders.paid", Map.of()));
    RecordFilter middle = RecordFilter.keyLike("#.eu.#");
    assertTrue(middle.matches("eu", Map.of()));
    assertTrue(middle.matches("a.b.eu.c", Map.of()));
    assertFalse(middle.matches("a.b.us.c", Map.of()));
    assertTrue(RecordFilter.keyLike("#").matches("anything.at.all", Map.of()));
  }

  @Test
  void predicatesOnKeysAndHeaders() {
    Map<String, String> eu = Map.of("region", "eu", "tier", "gold");
    assertTrue(matches("header('region') = 'eu'", "k", eu));
    assertTrue(matches("header('region') in ('us', 'eu')", "k", eu));
    assertTrue(matches("header('tier') matches 'g.*d'", "k", eu));
    assertFalse(matches("header('tier') matches 'g'", "k", eu), "a regex matches whole values");
    assertTrue(matches("header('region') exists and not header('missing') exists", "k", eu));
    assertFalse(matches("header('missing') != 'x'", "k", eu), "!= needs the header");
    assertTrue(matches("not header('missing') = 'x'", "k", eu));
    assertFalse(matches("key exists", null, eu), "a record without key has no key");
    assertTrue(matches("key = 'it''s'", "it's", Map.of()));
    assertTrue(matches("KEY = 'a' OR key = 'b' AND header('x') = 'y'", "a", Map.of()));
    assertFalse(
        matches("(key = 'a' or key = 'b') and header('x') = 'y'", "a", Map.of()),
        "'and' binds tighter than 'or'; parentheses override");
  }

  @Test
  void theCanonicalExpressionParsesBackToAnEqualFilter() {
    String[] expressions = {
      "key like 'order.*.eu'",
      "(key = 'a' or key = 'b') and header('x') = 'y'",
      "not (key = 'a' and header('h') exists)",
      "not key in ('a', 'b''c')",
      "key matches '[a-z]+' or header('p') like '#.x' and not header('q') != 'r'"
    };
    for (String expression : expressions) {
      RecordFilter filter = RecordFilter.parse(expression);
      assertEquals(filter, RecordFilter.parse(filter.expression()), expression);
      assertEquals(filter.expression(), RecordFilter.parse(filter.expression()).expression());
    }
    assertEquals(
        "key like 'order.*.eu' and not header('tier') = 'test'",
        RecordFilter.keyLike("order.*.eu")
            .and(RecordFilter.header("tier").equalTo("test").negate())
            .expression());
    assertEquals(
        "(key = 'a' or key = 'b') and header('x') = 'y'",
        RecordFilter.keyEquals("a")
            .or(RecordFilter.keyEquals("b"))
            .and(RecordFilter.header("x").equalTo("y"))
            .expression());
  }

  @Test
  void invalidExpressionsAreRefusedWithThePosition() {
    InvalidFilterException noOperator =
        assertThrows(InvalidFilterException.class, () -> RecordFilter.parse("key 'a'"));
    assertTrue(noOperator.getMessage().contains("position 5"), noOperator.getMessage());
    assertTrue(noOperator.getMessage().contains("expected '='"), noOperator.getMessage());
    assertThrows(InvalidFilterException.class, () -> RecordFilter.parse(""));
    assertThrows(InvalidFilterException.class, () -> RecordFilter.parse("key = 'a' and"));
    assertThrows(InvalidFilterException.class, () -> RecordFilter.parse("key = 'a"));
    assertThrows(InvalidFilterException.class, () -> RecordFilter.parse("(key = 'a'"));
    assertThrows(InvalidFilterException.class, () -> RecordFilter.parse("key = 'a' key = 'b'"));
    assertThrows(InvalidFilterException.class, () -> RecordFilter.parse("value = 'a'"));
    assertThrows(InvalidFilterException.class, () -> RecordFilter.parse("header() exists"));
    assertThrows(InvalidFilterException.class, () -> RecordFilter.parse("header('') exists"));
    InvalidFilterException wildcard =
        assertThrows(InvalidFilterException.class, () -> RecordFilter.parse("key like 'order*'"));
    assertTrue(wildcard.getMessage().contains("whole words"), wildcard.getMessage());
    InvalidFilterException regex =
        assertThrows(
            InvalidFilterException.class, () -> RecordFilter.parse("key matches '[unclosed'"));
    assertTrue(regex.getMessage().contains("regular expression"), regex.getMessage());
    assertThrows(InvalidFilterException.class, () -> RecordFilter.keyLike("a.b#"));
    assertThrows(
        InvalidFilterException.class,
        () ->
            SubscriptionSpec.of(
                    "g", io.skald.framework.Codecs.string(), io.skald.framework.Codecs.string())
                .withFilter("key like"));
  }
}
