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
 * the sample's README, and every {@code <pre>{@code ...}} example in the Javadoc of the public API,
 * is a copy of a region of a test source that the build compiles (and, for most docs blocks, runs).
 * A block is preceded by {@code <!-- snippet: name -->} (a Javadoc block that is not Java, such as
 * configuration, by {@code <!-- not java -->}); the region is the code between two {@code // #name}
 * lines in any {@code src/test/java} file of the repository, or of the testkit (lines holding
 * another region's marker are left out; the common indentation is removed).
 *
 * <p>When a region changes, copy it into the docs with {@code mvn -pl framework test
 * -Dtest=DocSnippetsTest -Dskald.snippets.write=true}, then review the diff.
 */
class DocSnippetsTest {
  private static final Pattern MARKER = Pattern.compile("^\\s*// #([a-z0-9-]+)\\s*$");

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

  /**
   * How a kind of file shows code.
   *
   * @param what what a block is called in messages
   * @param fence the first line of any code block
   * @param marked what must stand right before a fence: the block's marker
   * @param block a marked block: group "indent", group "name" (absent for a block that is not Java,
   *     which is left alone) and group "code"
   * @param unprefix what to strip from each line of the code (the Javadoc's {@code *})
   */
  private record Format(
      String what, Pattern fence, Pattern marked, Pattern block, String unprefix) {

    /** The block as it must be written for a region. */
    String render(String indent, String name, String code) {
      if (unprefix.isEmpty()) {
        return "<!-- snippet: " + name + " -->\n```java\n" + code + "\n```";
      }
      StringBuilder out = new StringBuilder();
      out.append(indent).append("* <!-- snippet: ").append(name).append(" -->\n");
      out.append(indent).append("*\n").append(indent).append("* <pre>{@code\n");
      code.lines()
          .forEach(l -> out.append(indent).append(l.isEmpty() ? "*" : "* " + l).append('\n'));
      return out.append(indent).append("* }</pre>").toString();
    }
  }

  private static final Format MARKDOWN =
      new Format(
          "java block",
          Pattern.compile("(?m)^```java$"),
          Pattern.compile("(?s).*<!-- snippet: [a-z0-9-]+ -->\\n$"),
          Pattern.compile(
              "(?<indent>)<!-- snippet: (?<name>[a-z0-9-]+) -->\\n```java\\n(?<code>.*?)```",
              Pattern.DOTALL),
          "");

  private static final Format JAVADOC =
      new Format(
          "Javadoc example",
          Pattern.compile("(?m)^[ \\t]*\\* <pre>\\{@code$"),
          Pattern.compile("(?s).*\\* <!-- (snippet: [a-z0-9-]+|not java) -->\\n([ \\t]*\\*\\n)?$"),
          Pattern.compile(
              "(?m)^(?<indent>[ \\t]*)\\* <!-- (snippet: (?<name>[a-z0-9-]+)|not java) -->\\n"
                  + "(?:[ \\t]*\\*\\n)?[ \\t]*\\* <pre>\\{@code\\n(?<code>.*?)^[ \\t]*\\* \\}</pre>",
              Pattern.DOTALL),
          "^[ \\t]*\\*( |$)");

  /**
   * Checks the blocks of some files against the regions, and with {@code -Dskald.snippets.write}
   * copies the regions into them.
   *
   * @return how many blocks were compared
   */
  private static int check(
      Path root,
      List<Path> files,
      Format format,
      Map<String, String> regions,
      List<String> problems)
      throws IOException {
    boolean write = Boolean.getBoolean("skald.snippets.write");
    int checked = 0;
    for (Path file : files) {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      String where = root.relativize(file).toString();
      Matcher fence = format.fence().matcher(text);
      while (fence.find()) {
        if (!format.marked().matcher(text.substring(0, fence.start())).matches()) {
          problems.add(
              where
                  + ":"
                  + lineOf(text, fence.start())
                  + ": a "
                  + format.what()
                  + " without <!-- snippet: name --> (nothing compiles it)");
        }
      }
      StringBuilder rewritten = new StringBuilder();
      Matcher block = format.block().matcher(text);
      int last = 0;
      while (block.find()) {
        rewritten.append(text, last, block.start());
        last = block.end();
        String name = block.group("name");
        String code = name == null ? null : regions.get(name);
        String shown =
            normalize(
                block
                    .group("code")
                    .lines()
                    .map(
                        l ->
                            format.unprefix().isEmpty() ? l : l.replaceFirst(format.unprefix(), ""))
                    .collect(Collectors.joining("\n")));
        if (name != null) {
          checked++;
        }
        if (name != null && code == null) {
          problems.add(
              where
                  + ":"
                  + lineOf(text, block.start())
                  + ": no test source has region // #"
                  + name);
        } else if (name != null && !code.equals(shown)) {
          problems.add(
              where
                  + ":"
                  + lineOf(text, block.start())
                  + ": "
                  + format.what()
                  + " '"
                  + name
                  + "' differs from its compiled source:\n--- shown\n"
                  + shown
                  + "\n--- source\n"
                  + code);
          rewritten.append(format.render(block.group("indent"), name, code));
          continue;
        }
        rewritten.append(block.group());
      }
      rewritten.append(text.substring(last));
      if (write && !rewritten.toString().equals(text)) {
        Files.writeString(file, rewritten.toString(), StandardCharsets.UTF_8);
      }
    }
    return checked;
  }

  private static void assertNoProblems(List<String> problems) {
    boolean write = Boolean.getBoolean("skald.snippets.write");
    if (!problems.isEmpty() && !(write && problems.stream().allMatch(p -> p.contains("differs")))) {
      fail(
          problems.size()
              + " problem(s); copy the sources in with -Dskald.snippets.write=true:\n"
              + String.join("\n\n", problems));
    }
  }

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
  void everyJavaBlockOfTheDocsIsCompiledTestCode() throws IOException {
    Path root = root();
    List<String> problems = new ArrayList<>();
    int checked = check(root, docs(root), MARKDOWN, regions(root), problems);
    assertTrue(checked > 0, "no snippet found: is the repository root right? " + root);
    assertNoProblems(problems);
  }

  @Test
  void everyJavadocExampleOfThePublicApiIsCompiledTestCode() throws IOException {
    Path root = root();
    List<String> problems = new ArrayList<>();
    int checked = check(root, apiSources(root), JAVADOC, regions(root), problems);
    assertTrue(checked > 0, "no Javadoc example found under " + root);
    assertNoProblems(problems);
  }

  private static int lineOf(String text, int index) {
    return (int) text.substring(0, index).chars().filter(c -> c == '\n').count() + 1;
  }
}
