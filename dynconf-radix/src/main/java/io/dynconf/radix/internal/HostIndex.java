package io.dynconf.radix.internal;

import io.dynconf.core.match.IpAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * An immutable index from host patterns to values, with lua-resty-radixtree's host semantics: for a
 * request host it yields the values whose pattern matches, as <em>candidates</em> in the order the
 * router tries them.
 *
 * <h2>Patterns</h2>
 *
 * <ul>
 *   <li>An exact host, {@code api.example.com}: matches that host only.
 *   <li>A wildcard, {@code *.example.com}: matches any host ending in {@code .example.com} with at
 *       least one character before it ({@code a.example.com}, {@code a.b.example.com}), not
 *       {@code example.com} itself.
 *   <li>A bracketed IPv6 literal, {@code [::1]}: an exact host, matched textually.
 *   <li>No host ({@code null}): the value has no host restriction and is a candidate for every
 *       request, including one without a host.
 * </ul>
 *
 * Patterns are case-insensitive (lower-cased, ASCII only). A pattern is one or more non-empty
 * labels of ASCII letters, digits, {@code -} and {@code _} separated by dots, optionally preceded by
 * {@code *.}; anything else ({@code *} elsewhere, an empty label, whitespace, a port) fails
 * {@link Builder#add} with an {@link IllegalArgumentException} naming the pattern.
 *
 * <h2>Request hosts</h2>
 *
 * A request host may carry a port ({@code api.example.com:8080}, {@code [::1]:8080}); the port is
 * ignored. A bare IPv6 address (more than one {@code :}) is taken whole. Upper-case ASCII letters
 * are lower-cased; only then is a copy made, so an already lower-case host is looked up in place
 * without allocating. Non-ASCII characters are compared as they are (no Unicode case folding, so
 * the Kelvin sign does not match {@code k}).
 *
 * <h2>Candidate order</h2>
 *
 * For one request host: the exact entries for that host; then wildcard entries, the longest suffix
 * first ({@code *.b.example.com} before {@code *.example.com}); then the host-less entries. Entries
 * with the same pattern keep their insertion order.
 *
 * <h2>Structure</h2>
 *
 * Exact hosts in one {@link SegmentTable} keyed by the lower-cased host; wildcards in a second
 * one keyed by their suffix including the leading dot ({@code .example.com}). A lookup probes the
 * exact table once and the wildcard table once per dot in the host, leftmost (longest suffix)
 * first, each probe on the request string in place.
 *
 * <p>Instances are immutable and safe to share between threads.
 *
 * @param <V> the value type
 */
public final class HostIndex<V> {

  private static final Object[] NONE = new Object[0];

  private final SegmentTable<Object[]> exact;
  private final SegmentTable<Object[]> wildcards;
  private final Object[] hostless;

  private HostIndex(SegmentTable<Object[]> exact, SegmentTable<Object[]> wildcards,
      Object[] hostless) {
    this.exact = exact;
    this.wildcards = wildcards;
    this.hostless = hostless;
  }

  /** A new, empty builder. */
  public static <V> Builder<V> builder() {
    return new Builder<>();
  }

  /** Collects patterns and values; not thread-safe. */
  public static final class Builder<V> {
    private final Map<String, List<V>> exact = new LinkedHashMap<>();
    private final Map<String, List<V>> wildcards = new LinkedHashMap<>();
    private final List<V> hostless = new ArrayList<>();

    private Builder() {}

    /**
     * Adds a value under a host pattern, or with no host restriction when the pattern is null.
     *
     * @throws IllegalArgumentException if the pattern is invalid, naming it
     */
    public Builder<V> add(@Nullable String hostPattern, V value) {
      if (hostPattern == null) {
        hostless.add(value);
        return this;
      }
      String key = normalizePattern(hostPattern);
      if (key.startsWith("*")) {
        wildcards.computeIfAbsent(key.substring(1), k -> new ArrayList<>()).add(value);
      } else {
        exact.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
      }
      return this;
    }

    /** Builds the immutable index; the builder may be reused. */
    public HostIndex<V> build() {
      return new HostIndex<>(table(exact), table(wildcards),
          hostless.isEmpty() ? NONE : hostless.toArray());
    }

    private static <V> SegmentTable<Object[]> table(Map<String, List<V>> map) {
      Map<String, Object[]> arrays = new HashMap<>();
      map.forEach((k, v) -> arrays.put(k, v.toArray()));
      return SegmentTable.of(arrays);
    }
  }

  /**
   * Validates a host pattern and returns it lower-cased.
   *
   * @throws IllegalArgumentException naming the pattern and the reason
   */
  static String normalizePattern(String pattern) {
    if (pattern.isEmpty()) {
      throw invalid(pattern, "empty host");
    }
    String p = lowerAscii(pattern, 0, pattern.length());
    if (p.charAt(0) == '[') {
      if (p.length() < 3 || p.charAt(p.length() - 1) != ']'
          || IpAddress.parse(p, 1, p.length() - 1, new long[2]) != IpAddress.V6) {
        throw invalid(pattern, "a bracketed host must be an IPv6 address, like [::1]");
      }
      return p;
    }
    int from = 0;
    if (p.startsWith("*.")) {
      from = 2;
    }
    int labelStart = from;
    for (int i = from; i <= p.length(); i++) {
      char c = i == p.length() ? '.' : p.charAt(i);
      if (c == '.') {
        if (i == labelStart) {
          throw invalid(pattern, "empty label");
        }
        labelStart = i + 1;
      } else if (c == '*') {
        throw invalid(pattern, "'*' is only allowed as a leading '*.'");
      } else if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        throw invalid(pattern, "contains whitespace or a control character");
      } else if (c == ':') {
        throw invalid(pattern, "a host pattern has no port");
      } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
        throw invalid(pattern, "invalid character '" + c + "'");
      }
    }
    return p;
  }

  private static IllegalArgumentException invalid(String pattern, String reason) {
    return new IllegalArgumentException("invalid host pattern '" + pattern + "': " + reason);
  }

  /**
   * Visits the candidates for the request host in order (exact, wildcards longest suffix first,
   * host-less) until the visitor returns false.
   *
   * @param requestHost the request's host, possibly with a port; null or empty visits only the
   *     host-less entries
   * @return false if the visitor stopped the walk, true if it saw every candidate
   */
  public boolean forEach(@Nullable String requestHost, Predicate<? super V> visitor) {
    if (requestHost != null && !requestHost.isEmpty()
        && (exact.size() != 0 || wildcards.size() != 0)) {
      String s = requestHost;
      int from = 0;
      int to = hostEnd(s);
      if (hasUpperAscii(s, from, to)) {
        s = lowerAscii(s, from, to);
        from = 0;
        to = s.length();
      }
      if (to > from) {
        Object[] values = exact.get(s, from, to);
        if (values != null && !visitAll(values, visitor)) {
          return false;
        }
        if (wildcards.size() != 0 && s.charAt(from) != '[') {
          // A wildcard needs at least one character before its suffix.
          for (int i = from + 1; i < to; i++) {
            if (s.charAt(i) == '.') {
              values = wildcards.get(s, i, to);
              if (values != null && !visitAll(values, visitor)) {
                return false;
              }
            }
          }
        }
      }
    }
    return visitAll(hostless, visitor);
  }

  /** The first candidate the predicate accepts, in {@link #forEach} order, or null. */
  @SuppressWarnings("unchecked")
  public @Nullable V first(@Nullable String requestHost, Predicate<? super V> accept) {
    Object[] found = new Object[1];
    forEach(requestHost, v -> {
      if (accept.test(v)) {
        found[0] = v;
        return false;
      }
      return true;
    });
    return (V) found[0];
  }

  /** All candidates for the request host, in order; for tests and diagnostics. */
  public List<V> candidates(@Nullable String requestHost) {
    List<V> out = new ArrayList<>();
    forEach(requestHost, out::add);
    return out;
  }

  @SuppressWarnings("unchecked")
  private static <V> boolean visitAll(Object[] values, Predicate<? super V> visitor) {
    for (Object v : values) {
      if (!visitor.test((V) v)) {
        return false;
      }
    }
    return true;
  }

  /** The end of the host part of {@code host[:port]}, {@code [v6][:port]} or a bare IPv6 address. */
  static int hostEnd(String s) {
    if (s.charAt(0) == '[') {
      int close = s.indexOf(']');
      return close < 0 ? s.length() : close + 1;
    }
    int colon = s.indexOf(':');
    if (colon >= 0 && s.indexOf(':', colon + 1) < 0) {
      return colon;
    }
    return s.length();
  }

  private static boolean hasUpperAscii(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        return true;
      }
    }
    return false;
  }

  private static String lowerAscii(String s, int from, int to) {
    if (from == 0 && to == s.length() && !hasUpperAscii(s, from, to)) {
      return s;
    }
    char[] chars = new char[to - from];
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      chars[i - from] = c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }
    return new String(chars);
  }
}
