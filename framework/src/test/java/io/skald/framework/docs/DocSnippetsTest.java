package io.skald.framework.docs;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Docs that cannot drift: every {@code ```java} block of {@code README.md}, {@code docs/*.md} and
 * the sample's README is a copy of a region of a test source that the build compiles (and, for
 * most, runs). A block is preceded by {@code <!-- snippet: name -->}; the region is the code
 * between two {@code // #name} lines in any {@code src/test/java} file of the repository, or of the
 * testkit (lines holding another region's marker are left out; the common indentation is removed).
 *
 * <p>When a region changes, copy it into the docs with {@code mvn -pl framework test
 * -Dtest=DocSnippetsTest -Dskald.snippets.write=true}, then review the diff.
 */
class DocSnippetsTest {
  private static final Pattern MARKER = Pattern.compile("^\\s*// #([a-z0-9-]+)\\s*$");
  private static final Pattern BLOCK =
      Pattern.compile("<!-- snippet: ([a-z0-9-]+) -->\\n```java\\n(.*?)```", Pattern.DOTALL);
  private static final Pattern FENCE = Pattern.compile("(?m)^```java$");

  private static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    while (!Files.exists(dir.resolve("docs")) || !Files.exists(dir.resolve("framework"))) {
      dir = dir.getParent();
      if (dir == null) {
        throw new IllegalStateException("not inside the Skald repository");
      }
    }
    return dir;
  }

  private static List<Path> docs(Path root) throws IOException {
    List<Path> docs = new ArrayList<>();
    docs.add(root.resolve("README.md"));
    docs.add(root.resolve("examples/order-service/README.md"));
    try (Stream<Path> files = Files.list(root.resolve("docs"))) {
      files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
    }
    return docs;
  }

  /** Every region of every test source, by name. */
  static Map<String, String> regions(Path root) throws IOException {
    Map<String, String> regions = new LinkedHashMap<>();
    List<Path> sources;
    try (Stream<Path> files = Files.walk(root)) {
      sources =
          files
              .filter(p -> p.toString().endsWith(".java"))
              .filter(
                  p ->
                      p.toString().contains("/src/test/java/")
                          || p.toString().contains("/testkit/src/main/java/"))
              .filter(p -> !p.toString().contains("/target/"))
              .sorted()
              .toList();
    }
    Map<String, Path> definedIn = new LinkedHashMap<>();
    for (Path source : sources) {
      List<String> lines = Files.readAllLines(source, StandardCharsets.UTF_8);
      // a region may come in several segments (around test plumbing): each is dedented on its
      // own, then they are joined
      Map<String, List<String>> segments = new LinkedHashMap<>();
      Map<String, Integer> open = new LinkedHashMap<>();
      for (int i = 0; i < lines.size(); i++) {
        Matcher m = MARKER.matcher(lines.get(i));
        if (!m.matches()) {
          continue;
        }
        String name = m.group(1);
        Integer start = open.remove(name);
        if (start == null) {
          open.put(name, i);
          continue;
        }
        List<String> body = new ArrayList<>();
        for (String line : lines.subList(start + 1, i)) {
          if (!MARKER.matcher(line).matches()) {
            body.add(line);
          }
        }
        segments
            .computeIfAbsent(name, n -> new ArrayList<>())
            .add(normalize(String.join("\n", body)));
      }
      if (!open.isEmpty()) {
        throw new IllegalStateException(source + ": unclosed snippet marker(s) " + open.keySet());
      }
      for (Map.Entry<String, List<String>> region : segments.entrySet()) {
        Path previous = definedIn.put(region.getKey(), source);
        if (previous != null) {
          throw new IllegalStateException(
              "snippet '" + region.getKey() + "' is defined in " + previous + " and " + source);
        }
        regions.put(region.getKey(), normalize(String.join("\n", region.getValue())));
      }
    }
    return regions;
  }

  /** Without the common indentation, trailing spaces and surrounding blank lines. */
  static String normalize(String code) {
    List<String> lines =
        code.lines().map(l -> l.replaceAll("\\s+$", "")).collect(Collectors.toList());
    while (!lines.isEmpty() && lines.get(0).isEmpty()) {
      lines.remove(0);
    }
    while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1);
    }
    int indent =
        lines.stream()
            .filter(l -> !l.isEmpty())
            .mapToInt(l -> l.length() - l.stripLeading().length())
            .min()
            .orElse(0);
    return lines.stream()
        .map(l -> l.isEmpty() ? l : l.substring(indent))
        .collect(Collectors.joining("\n"));
  }

  @Test
  void everyJavaBlockOfTheDocsIsCompiledTestCode() throws IOException {
    Path root = root();
    Map<String, String> regions = regions(root);
    boolean write = Boolean.getBoolean("skald.snippets.write");
    List<String> problems = new ArrayList<>();
    int checked = 0;
    for (Path doc : docs(root)) {
      String text = Files.readString(doc, StandardCharsets.UTF_8);
      String where = root.relativize(doc).toString();
      // a java block without a marker is code nobody compiles
      Matcher fence = FENCE.matcher(text);
      while (fence.find()) {
        String before = text.substring(0, fence.start());
        if (!before.matches("(?s).*<!-- snippet: [a-z0-9-]+ -->\\n$")) {
          problems.add(
              where
                  + ":"
                  + lineOf(text, fence.start())
                  + ": a java block without <!-- snippet: name --> (nothing compiles it)");
        }
      }
      StringBuilder rewritten = new StringBuilder();
      Matcher block = BLOCK.matcher(text);
      int last = 0;
      while (block.find()) {
        checked++;
        String name = block.group(1);
        String source = regions.get(name);
        String shown = normalize(block.group(2));
        rewritten.append(text, last, block.start());
        last = block.end();
        if (source == null) {
          problems.add(
              where
                  + ":"
                  + lineOf(text, block.start())
                  + ": no test source has region // #"
                  + name);
          rewritten.append(block.group());
        } else if (!source.equals(shown)) {
          problems.add(
              where
                  + ":"
                  + lineOf(text, block.start())
                  + ": snippet '"
                  + name
                  + "' differs from its compiled source:\n--- docs\n"
                  + shown
                  + "\n--- source\n"
                  + source);
          rewritten.append("<!-- snippet: ").append(name).append(" -->\n```java\n");
          rewritten.append(source).append("\n```");
        } else {
          rewritten.append(block.group());
        }
      }
      rewritten.append(text.substring(last));
      if (write && !rewritten.toString().equals(text)) {
        Files.writeString(doc, rewritten.toString(), StandardCharsets.UTF_8);
      }
    }
    assertTrue(checked > 0, "no snippet found: is the repository root right? " + root);
    if (!problems.isEmpty() && !(write && problems.stream().allMatch(p -> p.contains("differs")))) {
      fail(
          problems.size()
              + " snippet problem(s); copy sources into the docs with -Dskald.snippets.write=true:\n"
              + String.join("\n\n", problems));
    }
  }

  private static final Pattern JAVADOC_BLOCK =
      Pattern.compile(
          "(?m)^([ \\t]*)\\* <!-- (snippet: ([a-z0-9-]+)|not java) -->\\n(?:[ \\t]*\\*\\n)?"
              + "[ \\t]*\\* <pre>\\{@code\\n(.*?)^[ \\t]*\\* \\}</pre>",
          Pattern.DOTALL);
  private static final Pattern JAVADOC_FENCE = Pattern.compile("(?m)^[ \\t]*\\* <pre>\\{@code$");

  /** The public API's sources: every module's main code outside {@code internal} packages. */
  private static List<Path> apiSources(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(p -> p.toString().endsWith(".java"))
          .filter(p -> p.toString().contains("/src/main/java/"))
          .filter(p -> !p.toString().contains("/internal/"))
          .filter(p -> !p.toString().contains("/target/"))
          .filter(p -> !p.toString().contains("/bench/") && !p.toString().contains("/examples/"))
          .sorted()
          .toList();
    }
  }

  @Test
  void everyJavadocExampleOfThePublicApiIsCompiledTestCode() throws IOException {
    Path root = root();
    Map<String, String> regions = regions(root);
    boolean write = Boolean.getBoolean("skald.snippets.write");
    List<String> problems = new ArrayList<>();
    int checked = 0;
    for (Path source : apiSources(root)) {
      String text = Files.readString(source, StandardCharsets.UTF_8);
      String where = root.relativize(source).toString();
      Matcher fence = JAVADOC_FENCE.matcher(text);
      while (fence.find()) {
        String before = text.substring(0, fence.start());
        if (!before.matches(
            "(?s).*\\* <!-- (snippet: [a-z0-9-]+|not java) -->\\n([ \\t]*\\*\\n)?$")) {
          problems.add(
              where
                  + ":"
                  + lineOf(text, fence.start())
                  + ": a Javadoc example without <!-- snippet: name --> (nothing compiles it)");
        }
      }
      StringBuilder rewritten = new StringBuilder();
      Matcher block = JAVADOC_BLOCK.matcher(text);
      int last = 0;
      while (block.find()) {
        rewritten.append(text, last, block.start());
        last = block.end();
        String name = block.group(3);
        if (name == null) { // <!-- not java -->: configuration, shown as it is
          rewritten.append(block.group());
          continue;
        }
        checked++;
        String indent = block.group(1);
        String shown =
            normalize(
                block
                    .group(4)
                    .lines()
                    .map(l -> l.replaceFirst("^[ \\t]*\\*( |$)", ""))
                    .collect(Collectors.joining("\n")));
        String code = regions.get(name);
        if (code == null) {
          problems.add(
              where
                  + ":"
                  + lineOf(text, block.start())
                  + ": no test source has region // #"
                  + name);
          rewritten.append(block.group());
        } else if (!code.equals(shown)) {
          problems.add(
              where
                  + ":"
                  + lineOf(text, block.start())
                  + ": Javadoc example '"
                  + name
                  + "' differs from its compiled source:\n--- javadoc\n"
                  + shown
                  + "\n--- source\n"
                  + code);
          rewritten.append(indent).append("* <!-- snippet: ").append(name).append(" -->\n");
          rewritten.append(indent).append("*\n");
          rewritten.append(indent).append("* <pre>{@code\n");
          code.lines()
              .forEach(
                  l -> rewritten.append(indent).append(l.isEmpty() ? "*" : "* " + l).append('\n'));
          rewritten.append(indent).append("* }</pre>");
        } else {
          rewritten.append(block.group());
        }
      }
      rewritten.append(text.substring(last));
      if (write && !rewritten.toString().equals(text)) {
        Files.writeString(source, rewritten.toString(), StandardCharsets.UTF_8);
      }
    }
    assertTrue(checked > 0, "no Javadoc example found under " + root);
    if (!problems.isEmpty() && !(write && problems.stream().allMatch(p -> p.contains("differs")))) {
      fail(
          problems.size()
              + " Javadoc example problem(s); copy sources in with -Dskald.snippets.write=true:\n"
              + String.join("\n\n", problems));
    }
  }

  private static int lineOf(String text, int index) {
    return (int) text.substring(0, index).chars().filter(c -> c == '\n').count() + 1;
  }
}
