package io.dynconf.radix.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One route's host condition: a few host patterns tested against a request's {@code Host}.
 *
 * <p>Patterns (APISIX's {@code ^\*?[0-9a-zA-Z-._\[\]:]+$}): an exact host ({@code
 * api.example.com}, {@code [::1]}), or a wildcard {@code *suffix} matching every host that ends
 * with {@code suffix} ({@code *.example.com} matches {@code a.example.com} and {@code
 * a.b.example.com}, not {@code example.com}), as lua-resty-radixtree's reversed-host prefix match
 * does. Either may end in {@code :port}; the pattern then also requires the request's {@code
 * Host} to carry that port, while a pattern without a port ignores the request's port (APISIX
 * compares nginx's {@code $host}, which has none). Case-insensitive (ASCII).
 *
 * <p>Request hosts: {@code name}, {@code name:port}, {@code [v6]}, {@code [v6]:port}; a bare IPv6
 * address is taken whole. Matching allocates nothing. Immutable.
 */
public final class HostMatcher {

  private final String[] names; // lower case; a wildcard's suffix without the '*'
  private final boolean[] wildcard;
  private final int[] ports; // -1: any
  private final String[] patterns;
  private final String[] lowerPatterns;

  private HostMatcher(String[] names, boolean[] wildcard, int[] ports, String[] patterns) {
    this.names = names;
    this.wildcard = wildcard;
    this.ports = ports;
    this.patterns = patterns;
    this.lowerPatterns = new String[patterns.length];
    for (int i = 0; i < patterns.length; i++) {
      lowerPatterns[i] = patterns[i].toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Compiles host patterns.
   *
   * @throws IllegalArgumentException naming the first invalid pattern and the reason
   */
  public static HostMatcher of(List<String> hostPatterns) {
    int n = hostPatterns.size();
    List<String> names = new ArrayList<>(n);
    boolean[] wild = new boolean[n];
    int[] ports = new int[n];
    for (int i = 0; i < n; i++) {
      String p = hostPatterns.get(i);
      if (p == null || p.isEmpty()) {
        throw new IllegalArgumentException("[" + i + "]: a host pattern must not be empty");
      }
      for (int c = 0; c < p.length(); c++) {
        char ch = p.charAt(c);
        boolean ok = ch < 128 && (Character.isLetterOrDigit(ch) || ch == '-' || ch == '.' || ch == '_'
            || ch == '[' || ch == ']' || ch == ':' || (ch == '*' && c == 0));
        if (!ok) {
          throw new IllegalArgumentException("[" + i + "] \"" + p + "\": character '" + ch + "' at " + c
              + " is not allowed (letters, digits, - . _ [ ] : and a leading *)");
        }
      }
      boolean w = p.charAt(0) == '*';
      String body = w ? p.substring(1) : p;
      int port = -1;
      int colon = portColon(body);
      if (colon >= 0) {
        String digits = body.substring(colon + 1);
        port = parsePort(digits);
        if (port < 0) {
          throw new IllegalArgumentException("[" + i + "] \"" + p + "\": bad port \"" + digits + "\" (expected 1-65535)");
        }
        body = body.substring(0, colon);
      }
      if (body.isEmpty()) {
        throw new IllegalArgumentException("[" + i + "] \"" + p + "\": no host name");
      }
      names.add(body.toLowerCase(Locale.ROOT));
      wild[i] = w;
      ports[i] = port;
    }
    return new HostMatcher(names.toArray(new String[0]), wild, ports, hostPatterns.toArray(new String[0]));
  }

  /** Index of the ':' before a port, or -1. A bare IPv6 address has no port. */
  private static int portColon(String host) {
    if (host.startsWith("[")) {
      int close = host.indexOf(']');
      return close >= 0 && close + 1 < host.length() && host.charAt(close + 1) == ':' ? close + 1 : -1;
    }
    int first = host.indexOf(':');
    return first >= 0 && first == host.lastIndexOf(':') ? first : -1;
  }

  private static int parsePort(String s) {
    return parsePort(s, 0, s.length());
  }

  private static int parsePort(String s, int from, int to) {
    if (to == from || to - from > 5) {
      return -1;
    }
    int port = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      port = port * 10 + (c - '0');
    }
    return port >= 1 && port <= 65535 ? port : -1;
  }

  /**
   * Where the host name of a request's {@code Host} ends: before {@code :port}, or the length.
   * {@code [v6]:port} ends after the bracket; a bare IPv6 address is taken whole.
   */
  public static int hostEnd(String requestHost) {
    int len = requestHost.length();
    if (len > 0 && requestHost.charAt(0) == '[') {
      int close = requestHost.indexOf(']');
      return close >= 0 && close + 1 < len && requestHost.charAt(close + 1) == ':' ? close + 1 : len;
    }
    int colon = requestHost.indexOf(':');
    if (colon < 0 || requestHost.indexOf(':', colon + 1) >= 0) {
      return len;
    }
    return colon;
  }

  /** The exact host names (lower case, no port), or null when a pattern is a wildcard. */
  public String @Nullable [] exactNames() {
    for (boolean w : wildcard) {
      if (w) {
        return null;
      }
    }
    return names.clone();
  }

  /** The wildcard suffix lengths of this matcher's patterns (0 entries when it has none). */
  public int[] wildcardLengths() {
    int n = 0;
    for (boolean w : wildcard) {
      n += w ? 1 : 0;
    }
    int[] out = new int[n];
    int j = 0;
    for (int i = 0; i < names.length; i++) {
      if (wildcard[i]) {
        out[j++] = names[i].length();
      }
    }
    return out;
  }

  /** Whether a pattern is an exact host. */
  public boolean hasExact() {
    for (boolean w : wildcard) {
      if (!w) {
        return true;
      }
    }
    return false;
  }

  /**
   * The index of the first pattern matching {@code requestHost}, or -1 (also for a null host).
   */
  public int match(@Nullable String requestHost) {
    return match(requestHost, ANY);
  }

  /** {@link #match(String, int)}: any pattern. */
  public static final int ANY = -1;

  /** {@link #match(String, int)}: exact patterns only. */
  public static final int EXACT = 0;

  /**
   * The index of the first pattern of one kind matching {@code requestHost}, or -1: {@code kind}
   * is {@link #ANY}, {@link #EXACT} or, for wildcards only, the length of their suffix (so that a
   * router can try wildcards longest suffix first, as APISIX's host router does).
   */
  public int match(@Nullable String requestHost, int kind) {
    if (requestHost == null || requestHost.isEmpty()) {
      return -1;
    }
    int end = hostEnd(requestHost);
    int port = end < requestHost.length() ? parsePort(requestHost, end + 1, requestHost.length()) : -1;
    for (int i = 0; i < names.length; i++) {
      if (ports[i] >= 0 && ports[i] != port) {
        continue;
      }
      String n = names[i];
      int len = n.length();
      if (kind != ANY && (kind == EXACT ? wildcard[i] : !wildcard[i] || len != kind)) {
        continue;
      }
      if (wildcard[i]) {
        if (end >= len && SegmentTable.equalsAsciiIgnoreCase(n, requestHost, end - len)) {
          return i;
        }
      } else if (end == len && SegmentTable.equalsAsciiIgnoreCase(n, requestHost, 0)) {
        return i;
      }
    }
    return -1;
  }

  /** Pattern {@code i} as given. */
  public String pattern(int i) {
    return patterns[i];
  }

  /** Pattern {@code i} lower-cased, as lua-resty-radixtree reports a matched host. */
  public String lowerPattern(int i) {
    return lowerPatterns[i];
  }
}
