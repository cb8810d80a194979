package io.skald.framework.consumer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The expression tree of a {@link RecordFilter} (what each node tests and how it prints) and the
 * parser of its expression language, kept out of the public class.
 */
final class FilterTree {
  private FilterTree() {}

  // ---- the expression tree ----

  /** The record being tested; the key is decoded on first use. */
  static final class Input {
    private byte[] keyBytes;
    private String key;
    private boolean keyDecoded;
    final Map<String, String> headers;

    Input(String key, Map<String, String> headers) {
      this.key = key;
      this.keyDecoded = true;
      this.headers = headers;
    }

    Input(byte[] key, Map<String, String> headers) {
      this.keyBytes = key;
      this.headers = headers;
    }

    String key() {
      if (!keyDecoded) {
        key = keyBytes == null ? null : new String(keyBytes, StandardCharsets.UTF_8);
        keyDecoded = true;
      }
      return key;
    }
  }

  enum Op {
    EQ,
    NE,
    IN,
    LIKE,
    MATCHES,
    EXISTS
  }

  interface Node {
    boolean test(Input input);

    /** Prints the node; {@code context} 1 inside an 'and', 2 inside a 'not'. */
    String print(int context);
  }

  record Compare(String header, Op op, List<String> values, Object compiled) implements Node {
    Compare {
      values = List.copyOf(values);
      if (op == Op.IN) {
        compiled = Set.copyOf(values);
      }
    }

    @Override
    public boolean test(Input input) {
      String value = header == null ? input.key() : input.headers.get(header);
      if (value == null) {
        return false;
      }
      return switch (op) {
        case EQ -> value.equals(values.get(0));
        case NE -> !value.equals(values.get(0));
        case IN -> ((Set<?>) compiled).contains(value);
        case LIKE -> ((TopicPattern) compiled).matches(value);
        case MATCHES -> ((Pattern) compiled).matcher(value).matches();
        case EXISTS -> true;
      };
    }

    @Override
    public String print(int context) {
      String subject = header == null ? "key" : "header(" + quote(header) + ")";
      return switch (op) {
        case EQ -> subject + " = " + quote(values.get(0));
        case NE -> subject + " != " + quote(values.get(0));
        case IN ->
            subject
                + " in ("
                + String.join(", ", values.stream().map(FilterTree::quote).toList())
                + ")";
        case LIKE -> subject + " like " + quote(values.get(0));
        case MATCHES -> subject + " matches " + quote(values.get(0));
        case EXISTS -> subject + " exists";
      };
    }
  }

  record Junction(boolean and, List<Node> parts) implements Node {
    @Override
    public boolean test(Input input) {
      for (Node part : parts) {
        if (part.test(input) != and) {
          return !and;
        }
      }
      return and;
    }

    @Override
    public String print(int context) {
      List<String> printed = new ArrayList<>(parts.size());
      for (Node part : parts) {
        printed.add(part.print(and ? 1 : 0));
      }
      String text = String.join(and ? " and " : " or ", printed);
      // 'and' binds tighter than 'or'; 'not' tighter than both
      boolean parens = context == 2 || (context == 1 && !and);
      return parens ? "(" + text + ")" : text;
    }
  }

  record Not(Node inner) implements Node {
    @Override
    public boolean test(Input input) {
      return !inner.test(input);
    }

    @Override
    public String print(int context) {
      return "not " + inner.print(inner instanceof Compare ? 0 : 2);
    }
  }

  static Node junction(boolean and, Node left, Node right) {
    List<Node> parts = new ArrayList<>();
    for (Node node : List.of(left, right)) {
      if (node instanceof Junction j && j.and() == and) {
        parts.addAll(j.parts());
      } else {
        parts.add(node);
      }
    }
    return new Junction(and, List.copyOf(parts));
  }

  static String quote(String text) {
    return "'" + text.replace("'", "''") + "'";
  }

  static Pattern compile(String regex, int position) {
    try {
      return Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new InvalidFilterException(
          at(position) + "invalid regular expression " + quote(regex) + ": " + e.getDescription());
    }
  }

  static String at(int position) {
    return position < 0 ? "" : "invalid filter at position " + (position + 1) + ": ";
  }

  /**
   * A topic-exchange binding pattern: dot-separated words, {@code *} one word, {@code #} zero or
   * more.
   */
  static final class TopicPattern {
    private final String[] words;

    TopicPattern(String[] words) {
      this.words = words;
    }

    static TopicPattern of(String pattern, int position) {
      Objects.requireNonNull(pattern, "pattern");
      String[] words = pattern.split("\\.", -1);
      for (String word : words) {
        if ((word.contains("*") || word.contains("#")) && word.length() > 1) {
          throw new InvalidFilterException(
              at(position)
                  + "in the pattern "
                  + quote(pattern)
                  + " the word '"
                  + word
                  + "' mixes a wildcard with text; '*' and '#' must be whole words");
        }
      }
      return new TopicPattern(words);
    }

    boolean matches(String value) {
      String[] parts = value.split("\\.", -1);
      // reachable[j]: the pattern's first i words can match the value's first j words
      boolean[] reachable = new boolean[parts.length + 1];
      reachable[0] = true;
      for (String word : words) {
        boolean[] next = new boolean[parts.length + 1];
        if (word.equals("#")) {
          boolean any = false;
          for (int j = 0; j <= parts.length; j++) {
            any |= reachable[j];
            next[j] = any;
          }
        } else {
          for (int j = 1; j <= parts.length; j++) {
            next[j] = reachable[j - 1] && (word.equals("*") || word.equals(parts[j - 1]));
          }
        }
        reachable = next;
      }
      return reachable[parts.length];
    }
  }

  // ---- the parser ----

  static final class Parser {
    private final String text;
    private int pos;

    Parser(String text) {
      this.text = text;
    }

    Node filter() {
      Node left = term();
      while (keyword("or")) {
        left = junction(false, left, term());
      }
      return left;
    }

    private Node term() {
      Node left = factor();
      while (keyword("and")) {
        left = junction(true, left, factor());
      }
      return left;
    }

    private Node factor() {
      skipSpaces();
      if (keyword("not")) {
        Node inner = factor();
        return inner instanceof Not not ? not.inner() : new Not(inner);
      }
      if (symbol("(")) {
        Node inner = filter();
        expectSymbol(")");
        return inner;
      }
      String header = null;
      if (keyword("header")) {
        expectSymbol("(");
        header = string("a quoted header name");
        if (header.isEmpty()) {
          throw error("a header name must not be empty");
        }
        expectSymbol(")");
      } else if (!keyword("key")) {
        throw error("expected 'key', 'header(...)', 'not' or '('");
      }
      skipSpaces();
      int at = pos;
      if (symbol("!=")) {
        return new Compare(header, Op.NE, List.of(string("a quoted value")), null);
      }
      if (symbol("=")) {
        return new Compare(header, Op.EQ, List.of(string("a quoted value")), null);
      }
      if (keyword("in")) {
        expectSymbol("(");
        List<String> values = new ArrayList<>();
        values.add(string("a quoted value"));
        while (symbol(",")) {
          values.add(string("a quoted value"));
        }
        expectSymbol(")");
        return new Compare(header, Op.IN, values, null);
      }
      if (keyword("like")) {
        skipSpaces();
        int patternAt = pos;
        String pattern = string("a quoted pattern");
        return new Compare(header, Op.LIKE, List.of(pattern), TopicPattern.of(pattern, patternAt));
      }
      if (keyword("matches")) {
        skipSpaces();
        int patternAt = pos;
        String regex = string("a quoted regular expression");
        return new Compare(header, Op.MATCHES, List.of(regex), compile(regex, patternAt));
      }
      if (keyword("exists")) {
        return new Compare(header, Op.EXISTS, List.of(), null);
      }
      pos = at;
      throw error("expected '=', '!=', 'in', 'like', 'matches' or 'exists'");
    }

    void expectEnd() {
      skipSpaces();
      if (pos < text.length()) {
        throw error("expected 'and', 'or' or the end");
      }
    }

    private void skipSpaces() {
      while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
        pos++;
      }
    }

    /** Consumes a keyword (a whole word, any case) if it comes next. */
    private boolean keyword(String word) {
      skipSpaces();
      int end = pos + word.length();
      if (end <= text.length()
          && text.substring(pos, end).toLowerCase(Locale.ROOT).equals(word)
          && (end == text.length() || !Character.isLetterOrDigit(text.charAt(end)))) {
        pos = end;
        return true;
      }
      return false;
    }

    private boolean symbol(String symbol) {
      skipSpaces();
      if (text.startsWith(symbol, pos)) {
        pos += symbol.length();
        return true;
      }
      return false;
    }

    private void expectSymbol(String symbol) {
      if (!symbol(symbol)) {
        throw error("expected '" + symbol + "'");
      }
    }

    private String string(String what) {
      skipSpaces();
      if (pos >= text.length() || text.charAt(pos) != '\'') {
        throw error("expected " + what);
      }
      int start = pos;
      StringBuilder value = new StringBuilder();
      pos++;
      while (true) {
        if (pos >= text.length()) {
          pos = start;
          throw error("unterminated string");
        }
        char c = text.charAt(pos++);
        if (c == '\'') {
          if (pos < text.length() && text.charAt(pos) == '\'') {
            value.append('\'');
            pos++;
          } else {
            return value.toString();
          }
        } else {
          value.append(c);
        }
      }
    }

    private InvalidFilterException error(String expected) {
      String found =
          pos >= text.length()
              ? "the end"
              : "'" + text.substring(pos, Math.min(text.length(), pos + 12)) + "'";
      return new InvalidFilterException(
          "invalid filter at position "
              + (pos + 1)
              + ": "
              + expected
              + ", found "
              + found
              + " in \""
              + text
              + "\"");
    }
  }
}
