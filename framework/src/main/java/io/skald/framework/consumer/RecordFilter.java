package io.skald.framework.consumer;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A declarative predicate over a record's key and headers, evaluated by the partition: a filtered
 * subscription ({@link SubscriptionSpec#withFilter}) is sent only the records that match, and the
 * records it is not sent still advance its committed position, so they are never read again and do
 * not stay in its lag.
 *
 * <p>A filter is an expression, so it can be stored, shown and sent as text; {@link #parse} reads
 * one and {@link #expression()} writes it back in a canonical form:
 * <!-- snippet: jd-record-filter -->
 *
 * <pre>{@code
 * RecordFilter euOrders =
 *     RecordFilter.parse("key like 'order.*.eu' and header('tier') != 'test'");
 * RecordFilter same =
 *     RecordFilter.keyLike("order.*.eu").and(RecordFilter.header("tier").notEqualTo("test"));
 * }</pre>
 *
 * <p>The grammar (keywords are case-insensitive, strings are single-quoted, {@code ''} is a quote
 * inside one):
 *
 * <pre>
 * filter    := term ('or' term)*
 * term      := factor ('and' factor)*
 * factor    := 'not' factor | '(' filter ')' | subject predicate
 * subject   := 'key' | 'header' '(' string ')'
 * predicate := '=' string | '!=' string | 'in' '(' string (',' string)* ')'
 *            | 'like' string | 'matches' string | 'exists'
 * </pre>
 *
 * <ul>
 *   <li>{@code like} is a RabbitMQ topic-exchange binding pattern over dot-separated words: {@code
 *       *} matches exactly one word, {@code #} zero or more words ({@code order.#} matches {@code
 *       order}, {@code order.paid} and {@code order.paid.eu}).
 *   <li>{@code matches} is a Java regular expression that must match the whole value.
 *   <li>The key is compared as the UTF-8 text of its encoded bytes (the key itself for {@code
 *       Codecs.string()}). A record without key, or without the header, matches no predicate on it
 *       except under {@code not}; {@code exists} tests presence.
 * </ul>
 *
 * <p>Immutable and thread-safe; equal when their canonical expressions are equal.
 */
public final class RecordFilter {
  private final FilterTree.Node root;
  private final String expression;

  private RecordFilter(FilterTree.Node root) {
    this.root = root;
    this.expression = root.print(0);
  }

  /**
   * Reads a filter expression.
   *
   * @param expression the expression, see the grammar above
   * @return the filter
   * @throws InvalidFilterException naming the position and what was expected, or the invalid
   *     pattern
   */
  public static RecordFilter parse(String expression) {
    Objects.requireNonNull(expression, "expression");
    FilterTree.Parser parser = new FilterTree.Parser(expression);
    FilterTree.Node node = parser.filter();
    parser.expectEnd();
    return new RecordFilter(node);
  }

  /**
   * Records whose key is exactly {@code value}.
   *
   * @param value the key
   * @return the filter
   */
  public static RecordFilter keyEquals(String value) {
    return key().equalTo(value);
  }

  /**
   * Records whose key matches a topic-exchange pattern ({@code *} one word, {@code #} any words).
   *
   * @param pattern the pattern
   * @return the filter
   * @throws InvalidFilterException if a {@code *} or {@code #} is not a whole word
   */
  public static RecordFilter keyLike(String pattern) {
    return key().like(pattern);
  }

  /**
   * Predicates on the key.
   *
   * @return a builder
   */
  public static Subject key() {
    return new Subject(null);
  }

  /**
   * Predicates on a header.
   *
   * @param name the header name
   * @return a builder
   */
  public static Subject header(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty()) {
      throw new InvalidFilterException("a header name must not be empty");
    }
    return new Subject(name);
  }

  /**
   * Both this filter and another.
   *
   * @param other the other filter
   * @return the conjunction
   */
  public RecordFilter and(RecordFilter other) {
    return new RecordFilter(FilterTree.junction(true, root, other.root));
  }

  /**
   * This filter or another.
   *
   * @param other the other filter
   * @return the disjunction
   */
  public RecordFilter or(RecordFilter other) {
    return new RecordFilter(FilterTree.junction(false, root, other.root));
  }

  /**
   * The records this filter does not match.
   *
   * @return the negation
   */
  public RecordFilter negate() {
    return new RecordFilter(
        root instanceof FilterTree.Not not ? not.inner() : new FilterTree.Not(root));
  }

  /**
   * Whether a record matches.
   *
   * @param key the key as text, or null for a record without key
   * @param headers the record's headers
   * @return true if it matches
   */
  public boolean matches(String key, Map<String, String> headers) {
    return root.test(new FilterTree.Input(key, headers));
  }

  /**
   * Whether a record matches, its key given as encoded bytes (read as UTF-8 only if a predicate
   * needs it). Used by the partition on the records it stores.
   *
   * @param key the encoded key, or null
   * @param headers the record's headers
   * @return true if it matches
   */
  public boolean matchesEncoded(byte[] key, Map<String, String> headers) {
    return root.test(new FilterTree.Input(key, headers));
  }

  /**
   * The canonical expression: {@code parse(f.expression())} equals {@code f}.
   *
   * @return the expression
   */
  public String expression() {
    return expression;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RecordFilter other && expression.equals(other.expression);
  }

  @Override
  public int hashCode() {
    return expression.hashCode();
  }

  @Override
  public String toString() {
    return expression;
  }

  /** Builds a predicate on the key or one header. */
  public static final class Subject {
    private final String header;

    private Subject(String header) {
      this.header = header;
    }

    /**
     * The value equals {@code value}.
     *
     * @param value the value
     * @return the filter
     */
    public RecordFilter equalTo(String value) {
      return new RecordFilter(
          new FilterTree.Compare(header, FilterTree.Op.EQ, List.of(value), null));
    }

    /**
     * The value is present and differs from {@code value}.
     *
     * @param value the value
     * @return the filter
     */
    public RecordFilter notEqualTo(String value) {
      return new RecordFilter(
          new FilterTree.Compare(header, FilterTree.Op.NE, List.of(value), null));
    }

    /**
     * The value is one of {@code values}.
     *
     * @param values at least one value
     * @return the filter
     */
    public RecordFilter in(String... values) {
      if (values.length == 0) {
        throw new InvalidFilterException("'in' needs at least one value");
      }
      return new RecordFilter(
          new FilterTree.Compare(header, FilterTree.Op.IN, List.of(values), null));
    }

    /**
     * The value matches a topic-exchange pattern.
     *
     * @param pattern the pattern
     * @return the filter
     * @throws InvalidFilterException if a {@code *} or {@code #} is not a whole word
     */
    public RecordFilter like(String pattern) {
      return new RecordFilter(
          new FilterTree.Compare(
              header,
              FilterTree.Op.LIKE,
              List.of(pattern),
              FilterTree.TopicPattern.of(pattern, -1)));
    }

    /**
     * The whole value matches a Java regular expression.
     *
     * @param regex the expression
     * @return the filter
     * @throws InvalidFilterException if the expression is invalid
     */
    public RecordFilter matches(String regex) {
      return new RecordFilter(
          new FilterTree.Compare(
              header, FilterTree.Op.MATCHES, List.of(regex), FilterTree.compile(regex, -1)));
    }

    /**
     * The value is present (the record has a key, or the header).
     *
     * @return the filter
     */
    public RecordFilter exists() {
      return new RecordFilter(
          new FilterTree.Compare(header, FilterTree.Op.EXISTS, List.of(), null));
    }
  }
}
