package io.dynconf.jmh;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A route set for the routing benchmarks: one {@code METHOD PATH} per line ({@code :name} a
 * one-segment parameter), as in go-http-routing-benchmark's files under
 * {@code shared/bench-data/routes}. Blank lines and lines starting with {@code #} are skipped.
 *
 * @param file the file it was read from
 * @param routes the routes in file order; route {@code i}'s handler is {@code i}
 */
public record RouteSet(Path file, List<Route> routes) {

  /** One line of a route file. */
  public record Route(String method, String path) {
    /** Number of {@code :name} segments. */
    public int params() {
      int n = 0;
      for (String s : path.split("/", -1)) {
        if (s.startsWith(":")) {
          n++;
        }
      }
      return n;
    }

    /** The path in Spring's and Undertow's template syntax: {@code :name} becomes {@code {name}}. */
    public String braces() {
      StringBuilder b = new StringBuilder();
      for (String s : path.substring(1).split("/", -1)) {
        b.append('/').append(s.startsWith(":") ? "{" + s.substring(1) + "}" : s);
      }
      return b.toString();
    }

    @Override
    public String toString() {
      return method + " " + path;
    }
  }

  public RouteSet {
    routes = List.copyOf(routes);
  }

  /** The directories {@link #resolve} tries a relative name against, in order. */
  private static final List<Path> BASES =
      List.of(Path.of(""), Path.of(".."), Path.of("../shared/bench-data/routes"),
          Path.of("shared/bench-data/routes"), Path.of("/work/shared/bench-data/routes"));

  /**
   * Finds {@code name}: as given (relative to the working directory), then against the working
   * directory's parent, then by its file name under {@code ../shared/bench-data/routes},
   * {@code shared/bench-data/routes} and {@code /work/shared/bench-data/routes}, so that the
   * default works from the repository root, from the {@code jmh} module and from a worktree.
   *
   * @throws IllegalArgumentException naming every place tried when none exists
   */
  public static Path resolve(String name) {
    Path given = Path.of(name);
    if (Files.isRegularFile(given)) {
      return given;
    }
    List<Path> tried = new ArrayList<>();
    tried.add(given.toAbsolutePath());
    Set<Path> candidates = new LinkedHashSet<>();
    if (!given.isAbsolute()) {
      candidates.add(Path.of("..").resolve(given));
    }
    Path fileName = given.getFileName();
    for (Path base : BASES) {
      if (fileName != null) {
        candidates.add(base.resolve(fileName));
      }
    }
    for (Path p : candidates) {
      if (Files.isRegularFile(p)) {
        return p;
      }
      tried.add(p.toAbsolutePath().normalize());
    }
    throw new IllegalArgumentException("route file " + name + " not found; tried " + tried);
  }

  /** Reads the route file {@code name} (see {@link #resolve}). */
  public static RouteSet load(String name) {
    Path file = resolve(name);
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException("route file " + file + ": " + e.getMessage(), e);
    }
    List<Route> routes = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    int lineNo = 0;
    for (String line : lines) {
      lineNo++;
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      String[] parts = t.split("\\s+");
      if (parts.length != 2 || !parts[1].startsWith("/")) {
        throw new IllegalArgumentException(
            "route file " + file + " line " + lineNo + ": expected 'METHOD /path', got '" + t + "'");
      }
      if (!seen.add(parts[0] + " " + parts[1])) {
        throw new IllegalArgumentException(
            "route file " + file + " line " + lineNo + ": duplicate route '" + t + "'");
      }
      routes.add(new Route(parts[0], parts[1]));
    }
    if (routes.isEmpty()) {
      throw new IllegalArgumentException("route file " + file + ": no routes");
    }
    return new RouteSet(file, routes);
  }
}
