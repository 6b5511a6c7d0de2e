package io.dynconf.core.match;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A parsed, validated path pattern in lua-resty-radixtree's syntax, split into one token per
 * {@code /}-separated segment: the path syntax of a route's {@code uri}/{@code uris}. Routes are
 * checked against it when stored (so a bad pattern is rejected with its reason before any router
 * sees it), and dynconf-radix's router compiles the parsed form into its tree.
 *
 * <p>Syntax (the part after the leading {@code /}, split on {@code /}; a trailing slash yields a
 * final empty literal segment, so {@code /a/} and {@code /a} differ):
 *
 * <ul>
 *   <li>{@link Kind#LITERAL}: any segment text; it must equal the path's segment. A {@code :} that
 *       is not the first character of a segment is an ordinary character ({@code /a/b:c} is
 *       literal). lua-resty-radixtree treats any pattern containing {@code :} as a parameter
 *       pattern (matched by regex, so only as a prefix candidate); here such a pattern is exact.
 *   <li>{@link Kind#PARAM} {@code :name}: exactly one non-empty segment, bound to {@code name}.
 *   <li>{@link Kind#PREFIX} {@code lit*} (last segment only, {@code lit} non-empty): the rest of the
 *       path, from this segment on, starts with {@code lit}; {@code /foo*} matches {@code /foo},
 *       {@code /foobar}, {@code /foo/x}.
 *   <li>{@link Kind#CATCH_ALL} {@code *} or {@code *name} (last segment only): this segment must
 *       exist (the path has the {@code /} before it) and the rest of the path from here, possibly
 *       empty, is bound to {@code name} when named. {@code /foo/*} matches {@code /foo/} and
 *       {@code /foo/x/y} but not {@code /foo}. lua-resty-radixtree binds an unnamed {@code *} as
 *       {@code ":ext"}; we bind nothing for it.
 * </ul>
 *
 * <p>The pattern {@code *} alone matches every path (APISIX accepts {@code uri: "*"}); it is read
 * as {@code /*}. {@link #parseLiteral} reads a {@code :name} segment as literal text, as APISIX's
 * default routers ({@code radixtree_host_uri}, {@code radixtree_uri}) do with lua-resty-radixtree's
 * {@code no_param_match}.
 *
 * <p>Rejected with {@link IllegalArgumentException} naming the pattern and the reason: a pattern
 * not starting with {@code /} (other than {@code *}); a {@code *} anywhere but at the end; an empty parameter name
 * ({@code /:}, {@code /a/:/b}); a parameter or catch-all name containing {@code :} or {@code *};
 * a name used twice.
 */
public final class PathPattern {

  /** What one segment of a pattern matches. */
  public enum Kind {
    LITERAL,
    PREFIX,
    PARAM,
    CATCH_ALL
  }

  private final String text;
  private final Kind[] kinds;
  private final String[] texts;
  private final String[] captureNames;
  private final boolean exact;

  private PathPattern(String text, Kind[] kinds, String[] texts, String[] captureNames) {
    this.text = text;
    this.kinds = kinds;
    this.texts = texts;
    this.captureNames = captureNames;
    boolean allLiteral = true;
    for (Kind k : kinds) {
      allLiteral &= k == Kind.LITERAL;
    }
    this.exact = allLiteral;
  }

  /**
   * Parses and validates {@code pattern}.
   *
   * @throws IllegalArgumentException if the pattern is invalid; the message names the pattern and
   *     the reason
   */
  public static PathPattern parse(String pattern) {
    return parse(pattern, true);
  }

  /**
   * Parses {@code pattern} with {@code :name} segments taken as literal text (no parameters); the
   * rest of the syntax as {@link #parse}.
   *
   * @throws IllegalArgumentException if the pattern is invalid
   */
  public static PathPattern parseLiteral(String pattern) {
    return parse(pattern, false);
  }

  private static PathPattern parse(String pattern, boolean params) {
    Objects.requireNonNull(pattern, "pattern");
    if (pattern.equals("*")) {
      return new PathPattern(pattern, new Kind[] {Kind.CATCH_ALL}, new String[] {""}, new String[0]);
    }
    if (pattern.isEmpty() || pattern.charAt(0) != '/') {
      throw invalid(pattern, "must start with '/'");
    }
    List<Kind> kinds = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    List<String> names = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    int start = 1;
    while (true) {
      int slash = pattern.indexOf('/', start);
      boolean last = slash < 0;
      int end = last ? pattern.length() : slash;
      String seg = pattern.substring(start, end);
      int star = seg.indexOf('*');
      if (star >= 0 && !last) {
        throw invalid(pattern, "'*' is only allowed at the end of the pattern");
      }
      if (params && !seg.isEmpty() && seg.charAt(0) == ':') {
        String name = seg.substring(1);
        checkName(pattern, name, seen, "parameter");
        kinds.add(Kind.PARAM);
        texts.add(name);
        names.add(name);
      } else if (star == 0) {
        String name = seg.substring(1);
        kinds.add(Kind.CATCH_ALL);
        if (name.isEmpty()) {
          texts.add("");
        } else {
          checkName(pattern, name, seen, "catch-all");
          texts.add(name);
          names.add(name);
        }
      } else if (star > 0) {
        if (star != seg.length() - 1) {
          throw invalid(pattern, "'*' is only allowed at the end of the pattern");
        }
        kinds.add(Kind.PREFIX);
        texts.add(seg.substring(0, star));
      } else {
        kinds.add(Kind.LITERAL);
        texts.add(seg);
      }
      if (last) {
        break;
      }
      start = slash + 1;
    }
    return new PathPattern(
        pattern,
        kinds.toArray(new Kind[0]),
        texts.toArray(new String[0]),
        names.toArray(new String[0]));
  }

  private static void checkName(String pattern, String name, Set<String> seen, String what) {
    if (name.isEmpty()) {
      throw invalid(pattern, "empty " + what + " name");
    }
    if (name.indexOf('*') >= 0) {
      throw invalid(
          pattern, "'*' is only allowed at the end of the pattern (found in " + what + " name '" + name + "')");
    }
    if (name.indexOf(':') >= 0) {
      throw invalid(pattern, what + " name '" + name + "' must not contain ':'");
    }
    if (!seen.add(name)) {
      throw invalid(pattern, "duplicate parameter name '" + name + "'");
    }
  }

  private static IllegalArgumentException invalid(String pattern, String reason) {
    return new IllegalArgumentException("invalid path pattern '" + pattern + "': " + reason);
  }

  /** The pattern text as given. */
  public String text() {
    return text;
  }

  /** Number of segments (tokens). */
  public int size() {
    return kinds.length;
  }

  public Kind kind(int i) {
    return kinds[i];
  }

  /** Literal text for LITERAL, the literal prefix for PREFIX, the name for PARAM/CATCH_ALL. */
  public String segmentText(int i) {
    return texts[i];
  }

  /** Names bound by this pattern, in path order (parameters, then the catch-all if named). */
  public String[] captureNames() {
    return captureNames.clone();
  }

  /** True when every segment is literal: the pattern matches exactly one path. */
  public boolean isExact() {
    return exact;
  }

  /** The catch-all name of the last segment, or null. */
  public @Nullable String catchAllName() {
    int last = kinds.length - 1;
    return kinds[last] == Kind.CATCH_ALL && !texts[last].isEmpty() ? texts[last] : null;
  }

  @Override
  public String toString() {
    return text;
  }
}
