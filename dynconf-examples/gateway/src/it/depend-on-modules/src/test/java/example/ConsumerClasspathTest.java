package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What Maven resolved for a user's project that depends on dynconf's published artifacts without its
 * BOM: exactly the jars listed in expected-runtime.txt (what dynconf needs at runtime, plus what this
 * project adds itself), one Netty version (the one dynconf is built with) and one gRPC version.
 */
class ConsumerClasspathTest {
  /** Test-only jars of this project (JUnit and what it brings); everything else is the runtime tree. */
  private static final List<String> TEST_ONLY_GROUPS =
      List.of("org.junit", "org.opentest4j", "org.apiguardian", "org.apache.maven");

  /** Never wanted by a user of dynconf: optional, excluded upstream, or test-only in dynconf's build. */
  private static final List<String> NEVER =
      List.of(
          "io.netty:netty-codec-native-quic", // optional in Vert.x: 12 MB of QUIC natives
          "commons-beanutils:commons-beanutils", // excluded by everit-json-schema
          "io.micrometer:micrometer-core", // optional in dynconf (this project may add it itself)
          "org.testcontainers:",
          "org.awaitility:",
          "org.assertj:",
          "com.tngtech.archunit:",
          "ch.qos.logback:");

  @Test
  void runtimeIsExactlyWhatDynconfNeeds() throws IOException {
    Set<String> expected = new TreeSet<>();
    for (String line : Files.readAllLines(Path.of("expected-runtime.txt"))) {
      String s = line.strip();
      if (!s.isEmpty() && !s.startsWith("#")) {
        expected.add(s);
      }
    }
    Set<String> actual = new TreeSet<>(runtime().keySet());
    Set<String> extra = new TreeSet<>(actual);
    extra.removeAll(expected);
    Set<String> missing = new TreeSet<>(expected);
    missing.removeAll(actual);
    assertTrue(
        extra.isEmpty() && missing.isEmpty(),
        "the resolved runtime tree differs from expected-runtime.txt; not expected: " + extra
            + ", missing: " + missing);
  }

  @Test
  void nothingOptionalOrTestOnly() {
    String addedByThisProject = System.getProperty("dynconf.it.adds", "");
    List<String> leaked = new ArrayList<>();
    for (String artifact : runtime().keySet()) {
      for (String never : NEVER) {
        if ((artifact + ":").startsWith(never.endsWith(":") ? never : never + ":")
            && !addedByThisProject.contains(artifact)) {
          leaked.add(artifact);
        }
      }
    }
    assertTrue(leaked.isEmpty(), "optional or test-only artifacts reached a user's runtime: " + leaked);
  }

  @Test
  void oneNettyVersion() {
    // netty-tcnative has its own version line; every other io.netty jar has dynconf's Netty version
    Map<String, String> netty = versions("io.netty:netty-", "io.netty:netty-tcnative");
    assertFalse(netty.isEmpty(), "no Netty on the classpath: " + runtime());
    assertEquals(
        Set.of(System.getProperty("dynconf.netty.version")),
        Set.copyOf(netty.values()),
        "Netty versions: " + netty);
  }

  @Test
  void oneGrpcVersion() {
    Map<String, String> grpc = versions("io.grpc:grpc-", null);
    if (System.getProperty("dynconf.it.grpc", "true").equals("true")) {
      assertFalse(grpc.isEmpty(), "no gRPC on the classpath");
    }
    assertTrue(Set.copyOf(grpc.values()).size() <= 1, "gRPC versions: " + grpc);
  }

  private static Map<String, String> versions(String prefix, String except) {
    return runtime().entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix) && (except == null || !e.getKey().startsWith(except)))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a + "," + b, TreeMap::new));
  }

  /**
   * The jars of the test class path that come from the local repository, as groupId:artifactId
   * (:classifier when there is one) to version, without this project's test-only jars.
   */
  private static Map<String, String> runtime() {
    Path repo = Path.of(System.getProperty("dynconf.it.repo")).toAbsolutePath().normalize();
    Map<String, String> found = new TreeMap<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path jar = Path.of(entry).toAbsolutePath().normalize();
      if (!jar.startsWith(repo) || !jar.toString().endsWith(".jar")) {
        continue; // this project's own classes
      }
      Path rel = repo.relativize(jar);
      int n = rel.getNameCount();
      String file = rel.getName(n - 1).toString();
      String version = rel.getName(n - 2).toString();
      String artifactId = rel.getName(n - 3).toString();
      String groupId = rel.subpath(0, n - 3).toString().replace(File.separatorChar, '.');
      String rest = file.substring(artifactId.length() + 1 + version.length(), file.length() - ".jar".length());
      String key = groupId + ":" + artifactId + (rest.startsWith("-") ? ":" + rest.substring(1) : "");
      if (TEST_ONLY_GROUPS.stream().noneMatch(g -> groupId.equals(g) || groupId.startsWith(g + "."))) {
        found.merge(key, version, (a, b) -> a + "," + b);
      }
    }
    return found;
  }
}
