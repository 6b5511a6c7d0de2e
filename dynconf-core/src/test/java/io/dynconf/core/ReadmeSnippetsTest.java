package io.dynconf.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 19, item 3: every Java snippet of the project's Markdown (README.md and the modules'
 * notes) is code the build compiles and runs. A snippet must equal, line by line after removing
 * the common indentation, a region of a test source (the modules' tests or the consumer project
 * in {@code src/it}) marked {@code // --- README example begins} ... {@code // --- README example
 * ends}; a later {@code // --- README example continues} ... {@code ends} appends to the region
 * before it, so a test may assert between the parts.
 */
class ReadmeSnippetsTest {
  private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
  private static final String BEGINS = "// --- README example begins";
  private static final String CONTINUES = "// --- README example continues";
  private static final String ENDS = "// --- README example ends";

  @Test
  void everyJavaSnippetIsAMarkedRegionOfATest() throws IOException {
    Path root = root();
    List<String> regions = new ArrayList<>();
    for (Path source : files(root, p -> p.toString().endsWith(".java") && isTestSource(root.relativize(p)))) {
      regions.addAll(regions(Files.readAllLines(source)));
    }
    assertThat(regions).as("marked regions in test sources").isNotEmpty();
    List<String> missing = new ArrayList<>();
    int snippets = 0;
    for (Path doc : files(root, p -> p.toString().endsWith(".md"))) {
      Matcher m = JAVA_BLOCK.matcher(Files.readString(doc));
      while (m.find()) {
        snippets++;
        String snippet = normalise(List.of(m.group(1).split("\n", -1)));
        if (!regions.contains(snippet)) {
          missing.add(root.relativize(doc) + ", the snippet starting \"" + snippet.lines().findFirst().orElse("") + "\"");
        }
      }
    }
    assertThat(snippets).as("Java snippets in the docs").isGreaterThan(3);
    assertThat(missing).as("snippets that no test compiles and runs (copy each into a test between the markers,"
        + " or change the test's region to match)").isEmpty();
  }

  @Test
  void regionsJoinTheirContinuationsAndLoseTheirIndentation() {
    List<String> regions = regions(List.of("  void t() {", "    // --- README example begins", "    int a = 1;",
        "      a++;", "    // --- README example ends", "    check(a);", "    // --- README example continues", "    a--;",
        "    // --- README example ends", "  }"));
    assertThat(regions).containsExactly("int a = 1;\n  a++;\na--;");
  }

  static List<String> regions(List<String> lines) {
    List<String> out = new ArrayList<>();
    List<String> current = null;
    boolean continuing = false;
    for (String line : lines) {
      String t = line.strip();
      if (t.equals(BEGINS) || t.equals(CONTINUES)) {
        continuing = t.equals(CONTINUES) && !out.isEmpty();
        current = new ArrayList<>();
      } else if (t.equals(ENDS) && current != null) {
        if (continuing) {
          String previous = out.remove(out.size() - 1);
          List<String> joined = new ArrayList<>(List.of(previous.split("\n", -1)));
          joined.addAll(dedent(current));
          out.add(String.join("\n", joined));
        } else {
          out.add(normalise(current));
        }
        current = null;
      } else if (current != null) {
        current.add(line);
      }
    }
    return out;
  }

  /** The lines without their common indentation, trailing spaces and surrounding blank lines. */
  static String normalise(List<String> lines) {
    List<String> l = dedent(lines);
    while (!l.isEmpty() && l.get(0).isEmpty()) {
      l.remove(0);
    }
    while (!l.isEmpty() && l.get(l.size() - 1).isEmpty()) {
      l.remove(l.size() - 1);
    }
    return String.join("\n", l);
  }

  private static List<String> dedent(List<String> lines) {
    int indent = Integer.MAX_VALUE;
    for (String s : lines) {
      if (!s.isBlank()) {
        indent = Math.min(indent, s.length() - s.stripLeading().length());
      }
    }
    List<String> out = new ArrayList<>();
    for (String s : lines) {
      out.add(s.isBlank() ? "" : s.substring(indent).stripTrailing());
    }
    return out;
  }

  private static boolean isTestSource(Path relative) {
    String p = relative.toString().replace('\\', '/');
    return p.contains("/src/test/java/") || p.contains("/src/it/");
  }

  private static List<Path> files(Path root, java.util.function.Predicate<Path> keep) throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      return all.filter(p -> {
        String s = root.relativize(p).toString().replace('\\', '/');
        return !s.contains("/target/") && !s.startsWith("target/") && !s.contains("node_modules") && !s.startsWith(".")
            && Files.isRegularFile(p) && keep.test(p);
      }).sorted().toList();
    }
  }

  /** The repository's root: the nearest parent holding README.md and dynconf-core. */
  private static Path root() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.exists(p.resolve("README.md")) && Files.isDirectory(p.resolve("dynconf-core"))) {
        return p;
      }
    }
    throw new UncheckedIOException(new IOException("no README.md above " + Path.of("").toAbsolutePath()));
  }
}
