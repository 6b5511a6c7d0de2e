package io.dynconf.radix;

import io.dynconf.radix.internal.HostMatcher;
import io.dynconf.radix.internal.PathParams;
import io.dynconf.radix.internal.PathTree;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A reusable, caller-owned holder for one match at a time, so that matching allocates nothing:
 * keep one per thread (or per connection) and pass it to {@link Router#match(RouteRequest,
 * MatchResult)}. Parameter values become strings only when read. Not thread-safe.
 *
 * @param <V> the value type
 */
public final class MatchResult<V> {

  /** The bit of a method outside {@link HttpMethod}: only routes without methods admit it. */
  static final int UNKNOWN_METHOD = 1 << 30;

  final PathParams params = new PathParams(8);
  final long[] scratch = new long[2];
  /** A host pass that admits only routes without hosts (see {@link RouterMode#RADIXTREE_HOST_URI}). */
  static final int HOSTLESS = -2;

  @Nullable RouteRequest request;
  int methodBit;
  int hostPass = HostMatcher.ANY;
  /**
   * The entry that matched (its value is the route), or null. One field, written only when it
   * changes: on the router's path every reference store into this long-lived holder costs a GC
   * write barrier.
   */
  private PathTree.@Nullable Entry<? extends RouteSpec<V>> entry;
  private @Nullable V current; // set when the route's value is newer than the one it was built with

  /** Whether the last match found a route. */
  public boolean found() {
    return entry != null;
  }

  /**
   * The route of the last successful match, as the router holds it: its {@code value()} may be older
   * than {@link #value()} (a {@link RouteTable} gives a route whose upstream changed the new one
   * without rebuilding the route).
   */
  public RouteSpec<V> route() {
    PathTree.Entry<? extends RouteSpec<V>> e = entry;
    if (e == null) {
      throw new IllegalStateException("no route matched");
    }
    return e.value();
  }

  /** The matched route's value, current as of the match. */
  public V value() {
    V v = current;
    return v != null ? v : route().value();
  }

  /** The matched route's id. */
  public String id() {
    return route().id();
  }

  /** The path pattern that matched. */
  public String pattern() {
    PathTree.Entry<? extends RouteSpec<V>> e = entry;
    if (e == null) {
      throw new IllegalStateException("no route matched");
    }
    return e.pattern();
  }

  /** The value bound to parameter {@code name}, or null. */
  public @Nullable String param(String name) {
    route();
    return params.get(name);
  }

  /** Number of bound parameters. */
  public int paramCount() {
    route();
    return params.size();
  }

  /** Parameter {@code i}'s name, in path order. */
  public String paramName(int i) {
    route();
    return params.name(i);
  }

  /** Parameter {@code i}'s value (allocates the substring). */
  public String paramValue(int i) {
    route();
    return params.value(i);
  }

  /** A new map of the parameters in path order. */
  public Map<String, String> params() {
    route();
    return params.toMap();
  }

  /**
   * The route's host pattern that matched, lower-cased (as lua-resty-radixtree reports it), or
   * null when it has no host condition.
   */
  public @Nullable String host() {
    RouteSpec<V> r = route();
    if (r.hostMatcher == null) {
      return null;
    }
    RouteRequest req = request;
    int i = r.hostMatcher.match(req == null ? null : req.host(), hostPass == HOSTLESS ? HostMatcher.ANY : hostPass);
    return i < 0 ? null : r.hostMatcher.lowerPattern(i);
  }

  /** An immutable copy of this result, or null when nothing matched. */
  public @Nullable RouteMatch<V> toMatch() {
    if (entry == null) {
      return null;
    }
    RouteSpec<V> r = route();
    V v = current;
    return new RouteMatch<>(v != null ? r.withValue(v) : r, pattern(), params(), host());
  }

  /**
   * The bit of a request's method ({@link #UNKNOWN_METHOD} for one outside {@link HttpMethod}):
   * {@code GET}, most requests' method, checked inline; the rest through {@link HttpMethod#parse}
   * (too large to be inlined into a match).
   */
  static int methodBit(String method) {
    if (method.length() == 3 && method.charAt(0) == 'G' && method.charAt(1) == 'E' && method.charAt(2) == 'T') {
      return HttpMethod.GET.bit();
    }
    HttpMethod m = HttpMethod.parse(method);
    return m == null ? UNKNOWN_METHOD : m.bit();
  }

  /**
   * The result of a match that {@link PathTree#exactPlain} decided: {@code entry} (no parameters)
   * for {@code request}, whose method has {@code methodBit}.
   */
  void exact(RouteRequest request, int methodBit, PathTree.Entry<? extends RouteSpec<V>> entry) {
    this.request = request;
    this.methodBit = methodBit;
    this.hostPass = HostMatcher.ANY;
    if (this.current != null) {
      this.current = null;
    }
    params.none();
    found(entry);
  }

  void start(RouteRequest request) {
    start(request, methodBit(request.method()));
  }

  void start(RouteRequest request, int methodBit) {
    this.request = request;
    this.methodBit = methodBit;
    if (this.current != null) {
      this.current = null;
    }
    this.hostPass = HostMatcher.ANY;
  }

  /** The entry that matched, or null for a miss (stored only when it changes, see {@link #entry}). */
  void found(PathTree.@Nullable Entry<? extends RouteSpec<V>> entry) {
    if (this.entry != entry) {
      this.entry = entry;
    }
  }

  /** The matched route's value as it is now (see {@link #route()}). */
  void current(V value) {
    this.current = value;
  }
}
