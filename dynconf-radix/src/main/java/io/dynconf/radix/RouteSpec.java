package io.dynconf.radix;

import io.dynconf.radix.internal.HostMatcher;
import io.dynconf.radix.internal.IpMatcher;
import io.dynconf.core.match.PathPattern;
import io.dynconf.radix.internal.PathTree;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One route as the router sees it: an id, the value a match returns, and the conditions a request
 * must meet. Built and validated by {@link #builder}; immutable and thread-safe once built.
 *
 * <p>Conditions, tested in this order once a path pattern matched: {@linkplain
 * Builder#methods methods}, {@linkplain Builder#remoteAddrs remote addresses}, {@linkplain
 * Builder#hosts hosts}, {@linkplain Builder#vars vars}, {@linkplain Builder#filter filter}. An
 * empty condition admits every request. See {@link Router} for the order among routes.
 *
 * @param <V> the value type
 */
public final class RouteSpec<V> {

  private final String id;
  private final V value;
  private final List<PathPattern> paths;
  private final List<PathPattern> literalPaths; // the same, with :name as literal text
  private final List<String> pathTexts; // as given
  private final List<String> hosts;
  private final List<String> methods;
  private final List<String> remoteAddrs;
  private final @Nullable RouteVars vars;
  private final @Nullable RouteFilter filter;
  private final int priority;
  private final long sequence;
  final int methodMask;
  final @Nullable IpMatcher remoteMatcher;
  final @Nullable HostMatcher hostMatcher;
  private final String @Nullable [] hostKeys;

  private RouteSpec(Builder<V> b) {
    this.id = b.id;
    this.value = b.value;
    this.priority = b.priority;
    this.sequence = b.sequence;
    this.vars = b.vars;
    this.filter = b.filter;
    if (b.paths.isEmpty()) {
      throw invalid("paths", "a route needs at least one path");
    }
    java.util.Map<String, PathPattern> parsed = new java.util.LinkedHashMap<>();
    List<PathPattern> literal = new ArrayList<>(b.paths.size());
    int i = 0;
    for (String p : b.paths) {
      if (!p.isEmpty() && !p.startsWith("/") && !p.equals("*")) {
        i++;
        continue; // APISIX accepts such a uri; no request path can match it
      }
      try {
        PathPattern withParams = PathPattern.parse(p);
        literal.add(p.indexOf(':') < 0 ? withParams : PathPattern.parseLiteral(p));
        String optional = optionalTrailingSlash(withParams);
        if (optional == null) {
          parsed.putIfAbsent(p, withParams);
        } else {
          // lua-resty-radixtree matches a parameter pattern as a regular expression, so a final
          // "/?" makes the slash optional there: /users/:id/? is /users/:id and /users/:id/
          parsed.putIfAbsent(optional, PathPattern.parse(optional));
          parsed.putIfAbsent(optional + "/", PathPattern.parse(optional + "/"));
        }
      } catch (IllegalArgumentException e) {
        throw invalid("paths[" + i + "]", e.getMessage());
      }
      i++;
    }
    if (parsed.isEmpty()) {
      throw invalid("paths", "no path starts with '/', so no request can match " + b.paths);
    }
    this.paths = List.copyOf(parsed.values());
    this.literalPaths = List.copyOf(literal);
    this.pathTexts = List.copyOf(b.paths);
    this.methods = List.copyOf(b.methods);
    try {
      this.methodMask = methods.isEmpty() ? -1 : HttpMethod.mask(methods); // -1 admits unknown methods too
    } catch (IllegalArgumentException e) {
      throw invalid("methods", e.getMessage());
    }
    this.remoteAddrs = List.copyOf(b.remoteAddrs);
    try {
      this.remoteMatcher = remoteAddrs.isEmpty() ? null : IpMatcher.of(remoteAddrs);
    } catch (IllegalArgumentException e) {
      throw invalid("remote_addrs", e.getMessage());
    }
    this.hosts = List.copyOf(b.hosts);
    try {
      this.hostMatcher = hosts.isEmpty() ? null : HostMatcher.of(hosts);
    } catch (IllegalArgumentException e) {
      throw invalid("hosts", e.getMessage());
    }
    this.hostKeys = hostMatcher == null ? null : hostMatcher.exactNames();
  }

  /** A copy of {@code other} with another sequence, sharing every compiled part. */
  private RouteSpec(RouteSpec<V> other, long sequence) {
    this(other, other.value, sequence);
  }

  private RouteSpec(RouteSpec<V> other, V value, long sequence) {
    this.id = other.id;
    this.value = value;
    this.paths = other.paths;
    this.literalPaths = other.literalPaths;
    this.pathTexts = other.pathTexts;
    this.hosts = other.hosts;
    this.methods = other.methods;
    this.remoteAddrs = other.remoteAddrs;
    this.vars = other.vars;
    this.filter = other.filter;
    this.priority = other.priority;
    this.sequence = sequence;
    this.methodMask = other.methodMask;
    this.remoteMatcher = other.remoteMatcher;
    this.hostMatcher = other.hostMatcher;
    this.hostKeys = other.hostKeys;
  }

  private IllegalArgumentException invalid(String field, @Nullable String reason) {
    return new IllegalArgumentException("route " + id + ": " + field + ": " + reason);
  }

  /**
   * A builder for route {@code id} whose matches return {@code value}.
   *
   * @throws NullPointerException if either is null
   */
  public static <V> Builder<V> builder(String id, V value) {
    return new Builder<>(id, value);
  }

  public String id() {
    return id;
  }

  public V value() {
    return value;
  }

  /** The path patterns, each parsed and validated, duplicates removed, in the order given. */
  public List<String> paths() {
    return pathTexts;
  }

  /** The patterns the router compiles in {@code mode}. */
  List<PathPattern> parsedPaths(RouterMode mode) {
    return mode.bindsParameters() ? paths : literalPaths;
  }

  /** For a parameter pattern ending in {@code /?}: the pattern without it; otherwise null. */
  private static @Nullable String optionalTrailingSlash(PathPattern p) {
    String text = p.text();
    return p.captureNames().length > 0 && p.catchAllName() == null && text.endsWith("/?") && text.length() > 2
        ? text.substring(0, text.length() - 2) : null;
  }

  public List<String> hosts() {
    return hosts;
  }

  public List<String> methods() {
    return methods;
  }

  public List<String> remoteAddrs() {
    return remoteAddrs;
  }

  public @Nullable RouteVars vars() {
    return vars;
  }

  public @Nullable RouteFilter filter() {
    return filter;
  }

  public int priority() {
    return priority;
  }

  /** The tie-breaker among otherwise equal candidates (lower first); -1 when not set. */
  public long sequence() {
    return sequence;
  }

  /** This route with another sequence. */
  RouteSpec<V> withSequence(long seq) {
    return seq == sequence ? this : new RouteSpec<>(this, seq);
  }

  /** This route with another value; everything it matches on is shared, not compiled again. */
  RouteSpec<V> withValue(V other) {
    return other == value ? this : new RouteSpec<>(this, java.util.Objects.requireNonNull(other, "value"), sequence);
  }

  /** A builder holding this route's settings. */
  public Builder<V> toBuilder() {
    Builder<V> b = new Builder<>(id, value);
    b.paths(paths());
    b.hosts.addAll(hosts);
    b.methods.addAll(methods);
    b.remoteAddrs.addAll(remoteAddrs);
    b.vars = vars;
    b.filter = filter;
    b.priority = priority;
    b.sequence = sequence;
    return b;
  }

  /** The host index's view of this route (see {@link PathTree.HostKeys}). */
  static String @Nullable [] hostKeys(RouteSpec<?> route) {
    return route.hostKeys;
  }

  /**
   * The method mask when the methods are this route's only condition (no remote addresses, hosts,
   * vars or filter), so that {@link #admits} in the host passes {@link HostMatcher#ANY} and {@link
   * MatchResult#HOSTLESS} is {@code (mask & methodBit) != 0}; 0 otherwise.
   */
  int plainMask() {
    return remoteMatcher == null && hostMatcher == null && vars == null && filter == null ? methodMask : 0;
  }

  /** Tests everything but the path, in the documented order. */
  boolean admits(RouteRequest request, int methodBit, long[] scratch) {
    return admits(request, methodBit, scratch, HostMatcher.ANY);
  }

  /**
   * As {@link #admits(RouteRequest, int, long[])}, with the host tested in one of the router's
   * host passes: {@link HostMatcher#ANY} (hosts filter), {@link MatchResult#HOSTLESS} (only routes
   * without hosts), {@link HostMatcher#EXACT} or a wildcard suffix length (see {@link
   * HostMatcher#match(String, int)}).
   */
  boolean admits(RouteRequest request, int methodBit, long[] scratch, int hostPass) {
    if ((methodMask & methodBit) == 0) {
      return false;
    }
    if (remoteMatcher != null) {
      String addr = request.remoteAddress();
      if (addr == null || !remoteMatcher.matches(addr, scratch)) {
        return false;
      }
    }
    if (hostPass == MatchResult.HOSTLESS) {
      if (hostMatcher != null) {
        return false;
      }
    } else if (hostMatcher != null ? hostMatcher.match(request.host(), hostPass) < 0 : hostPass != HostMatcher.ANY) {
      return false;
    }
    if (vars != null && !vars.test(request)) {
      return false;
    }
    return filter == null || filter.test(request);
  }

  @Override
  public String toString() {
    return "route " + id + " " + paths() + (hosts.isEmpty() ? "" : " hosts " + hosts)
        + (methods.isEmpty() ? "" : " methods " + methods) + (priority == 0 ? "" : " priority " + priority);
  }

  /** Collects a route's settings; {@link #build} validates them. Not thread-safe. */
  public static final class Builder<V> {
    private final String id;
    private final V value;
    private final LinkedHashSet<String> paths = new LinkedHashSet<>();
    private final List<String> hosts = new ArrayList<>();
    private final List<String> methods = new ArrayList<>();
    private final List<String> remoteAddrs = new ArrayList<>();
    private @Nullable RouteVars vars;
    private @Nullable RouteFilter filter;
    private int priority;
    private long sequence = -1;

    private Builder(String id, V value) {
      this.id = Objects.requireNonNull(id, "id");
      this.value = Objects.requireNonNull(value, "value");
    }

    /** Adds path patterns ({@code /a}, {@code /a/:id}, {@code /a/*}, {@code /a*}, {@code /a/*rest}). */
    public Builder<V> paths(Collection<String> patterns) {
      for (String p : patterns) {
        paths.add(Objects.requireNonNull(p, "path"));
      }
      return this;
    }

    public Builder<V> paths(String... patterns) {
      return paths(List.of(patterns));
    }

    /** Adds host patterns: {@code api.example.com}, {@code *.example.com}, optionally with {@code :port}. */
    public Builder<V> hosts(Collection<String> patterns) {
      hosts.addAll(patterns);
      return this;
    }

    public Builder<V> hosts(String... patterns) {
      return hosts(List.of(patterns));
    }

    /** Adds methods by upper-case name ({@code GET}); none means any. */
    public Builder<V> methods(Collection<String> names) {
      methods.addAll(names);
      return this;
    }

    public Builder<V> methods(String... names) {
      return methods(List.of(names));
    }

    /** Adds client addresses: IPv4 or IPv6 addresses and CIDR blocks. */
    public Builder<V> remoteAddrs(Collection<String> addresses) {
      remoteAddrs.addAll(addresses);
      return this;
    }

    public Builder<V> remoteAddrs(String... addresses) {
      return remoteAddrs(List.of(addresses));
    }

    /** The {@code vars} condition; null for none. */
    public Builder<V> vars(@Nullable RouteVars vars) {
      this.vars = vars;
      return this;
    }

    /** The last predicate; null for none. */
    public Builder<V> filter(@Nullable RouteFilter filter) {
      this.filter = filter;
      return this;
    }

    /** Higher is tried first among candidates at the same place; default 0. */
    public Builder<V> priority(int priority) {
      this.priority = priority;
      return this;
    }

    /**
     * The tie-breaker among otherwise equal candidates, lower first. Unset (the default), a router
     * uses insertion order; {@link RouteTable} uses the route's etcd create revision, so every
     * node orders ties alike.
     */
    public Builder<V> sequence(long sequence) {
      if (sequence < 0) {
        throw new IllegalArgumentException("route " + id + ": sequence must be >= 0, got " + sequence);
      }
      this.sequence = sequence;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the route id, the field and the reason, for an
     *     invalid path pattern, method, address or host
     */
    public RouteSpec<V> build() {
      return new RouteSpec<>(this);
    }
  }
}
