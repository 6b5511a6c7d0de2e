package io.dynconf.jmh;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A route set for the routing benchmarks: one {@code METHOD PATH} per line ({@code :name} a
 * one-segment parameter), as in go-http-routing-benchmark's route lists. Blank lines and lines
 * starting with {@code #} are skipped.
 *
 * <p>The sets used by the benchmarks ship in this module as classpath resources under {@value
 * #RESOURCE_DIR} ({@link #BUNDLED}; provenance and licence in the README there), so a fresh clone
 * runs every benchmark with its defaults. {@link #load} takes a bundled set's name ({@code
 * github.txt}) or the path of any other file.
 *
 * @param source where it was read from: {@code classpath:<resource>} or the file's path
 * @param routes the routes in file order; route {@code i}'s handler is {@code i}
 */
public record RouteSet(String source, List<Route> routes) {

  /** The classpath folder of the bundled route sets. */
  public static final String RESOURCE_DIR = "io/dynconf/jmh/routes/";

  /** The bundled route sets, by the name {@link #load} takes. */
  public static final List<String> BUNDLED = List.of("github.txt", "static.txt", "parse.txt", "gplus.txt");

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

  /**
   * Reads a route set: {@code name} is one of the {@link #BUNDLED} sets (read from the classpath),
   * else the path of a file (absolute, or relative to the working directory). A local file that
   * has a bundled set's name is read with a path, e.g. {@code ./github.txt}.
   *
   * @throws IllegalArgumentException when {@code name} is neither, or the file is malformed
   */
  public static RouteSet load(String name) {
    if (BUNDLED.contains(name)) {
      String resource = RESOURCE_DIR + name;
      InputStream in = RouteSet.class.getClassLoader().getResourceAsStream(resource);
      if (in == null) {
        throw new IllegalStateException("bundled route set " + resource + " missing from the classpath");
      }
      try (in) {
        String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        return parse("classpath:" + resource, text.lines().toList());
      } catch (IOException e) {
        throw new UncheckedIOException("route set " + resource + ": " + e.getMessage(), e);
      }
    }
    Path file = Path.of(name);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("route set " + name + " not found: not a bundled set "
          + BUNDLED + " and no file " + file.toAbsolutePath().normalize());
    }
    try {
      return parse(file.toString(), Files.readAllLines(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("route file " + file + ": " + e.getMessage(), e);
    }
  }

  private static RouteSet parse(String source, List<String> lines) {
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
            "route file " + source + " line " + lineNo + ": expected 'METHOD /path', got '" + t + "'");
      }
      if (!seen.add(parts[0] + " " + parts[1])) {
        throw new IllegalArgumentException(
            "route file " + source + " line " + lineNo + ": duplicate route '" + t + "'");
      }
      routes.add(new Route(parts[0], parts[1]));
    }
    if (routes.isEmpty()) {
      throw new IllegalArgumentException("route file " + source + ": no routes");
    }
    return new RouteSet(source, routes);
  }
}
