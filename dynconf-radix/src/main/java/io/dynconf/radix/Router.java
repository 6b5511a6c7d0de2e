package io.dynconf.radix;

import io.dynconf.core.match.PathPattern;
import io.dynconf.radix.internal.HostMatcher;
import io.dynconf.radix.internal.PathTree;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An immutable, compiled set of routes; {@link DynamicRouter} publishes a new one per change.
 *
 * <h2>Matching</h2>
 *
 * A request's path selects candidate (route, path pattern) pairs from a segment-aware radix tree;
 * the first candidate whose route admits the request (methods, remote addresses, hosts, vars,
 * filter — see {@link RouteSpec}) wins. Candidates come in lua-resty-radixtree's order: an exact
 * path before any pattern; then, segment by segment, a literal before a prefix pattern ({@code
 * /foo*}, longer literal first) before a parameter ({@code :name}) before a catch-all ({@code
 * *}); among candidates at the same place, higher priority, then longer pattern text, then lower
 * sequence (insertion order). A miss is a {@code false}/{@code null} return, never an exception.
 *
 * <p>Path syntax: {@code /a/b} exact (a trailing slash is significant); {@code /a*} prefix (any
 * path starting with {@code /a}); {@code /a/*} or {@code /a/*rest} the rest of the path after
 * {@code /a/}, possibly empty, bound to {@code rest} when named; {@code /a/:id} one non-empty
 * segment bound to {@code id}.
 *
 * <p>Cost: an exact path whose routes have no condition but their methods is one probe of the
 * whole-path table, decided by the request method's bit in a fast path small enough to be
 * compiled into the caller; anything else is one walk down the tree, hashing each literal segment
 * in place (no substrings, no regular expressions, no scan over routes that merely share a
 * prefix); with a {@link MatchResult} per thread a match allocates nothing. Thread-safe.
 *
 * @param <V> the value type
 */
public final class Router<V> {


  /**
   * The tree's view of a route: its exact hosts (the host index) and, for a route whose only
   * condition is its methods, its method mask ({@link RouteSpec#admits} is then that mask's test
   * in the host passes a match gives the tree a method bit in: {@link HostMatcher#ANY} and {@link
   * MatchResult#HOSTLESS}).
   */
  static final PathTree.HostKeys<RouteSpec<?>> HOST_KEYS = new PathTree.HostKeys<>() {
    @Override
    public String @Nullable [] of(RouteSpec<?> route) {
      return RouteSpec.hostKeys(route);
    }

    @Override
    public int plainMask(RouteSpec<?> route) {
      return route.plainMask();
    }
  };

  private static final Router<?> EMPTY =
      new Router<>(PathTree.empty(HOST_KEYS), 0, RouterMode.RADIXTREE_URI_WITH_PARAMETER, HostGroups.NONE);

  private static final PathTree.Tester<RouteSpec<?>, MatchResult<?>> ADMITS =
      (route, out) -> {
        MatchResult<?> o = java.util.Objects.requireNonNull(out, "a match always passes its result");
        return route.admits(java.util.Objects.requireNonNull(o.request, "set by start"), o.methodBit, o.scratch, o.hostPass);
      };

  final PathTree<RouteSpec<V>> tree;
  private final int size;
  private final RouterMode mode;
  private final HostGroups hosts;
  /** {@code hosts.isEmpty()}, kept so that a match reads one field. */
  private final boolean hostless;

  Router(PathTree<RouteSpec<V>> tree, int size, RouterMode mode, HostGroups hosts) {
    this.tree = tree;
    this.size = size;
    this.mode = mode;
    this.hosts = mode.hostsFirst() ? hosts : HostGroups.NONE;
    this.hostless = this.hosts.isEmpty();
  }

  /**
   * Which host groups a {@link RouterMode#RADIXTREE_HOST_URI} router tries before its host-less
   * routes: whether any route names an exact host, and the distinct wildcard suffix lengths,
   * longest first. Immutable.
   */
  static final class HostGroups {
    static final HostGroups NONE = new HostGroups(false, new int[0]);

    final boolean exact;
    final int[] wildcardLengths;

    HostGroups(boolean exact, int[] wildcardLengths) {
      this.exact = exact;
      this.wildcardLengths = wildcardLengths;
    }

    boolean isEmpty() {
      return !exact && wildcardLengths.length == 0;
    }

    /** The groups of {@code routes}. */
    static HostGroups of(Iterable<? extends RouteSpec<?>> routes) {
      boolean exact = false;
      java.util.TreeSet<Integer> lengths = new java.util.TreeSet<>(java.util.Comparator.reverseOrder());
      for (RouteSpec<?> r : routes) {
        if (r.hostMatcher != null) {
          exact |= r.hostMatcher.hasExact();
          for (int len : r.hostMatcher.wildcardLengths()) {
            lengths.add(len);
          }
        }
      }
      return of(exact, lengths);
    }

    static HostGroups of(boolean exact, java.util.Collection<Integer> lengthsLongestFirst) {
      if (!exact && lengthsLongestFirst.isEmpty()) {
        return NONE;
      }
      int[] l = new int[lengthsLongestFirst.size()];
      int i = 0;
      for (int len : lengthsLongestFirst) {
        l[i++] = len;
      }
      return new HostGroups(exact, l);
    }
  }

  /** A router without routes. */
  @SuppressWarnings("unchecked")
  public static <V> Router<V> empty() {
    return (Router<V>) EMPTY;
  }

  /** The mode this router matches in. */
  public RouterMode mode() {
    return mode;
  }

  /**
   * Compiles {@code routes}. A route without a {@linkplain RouteSpec#sequence() sequence} gets its
   * position in {@code routes}.
   *
   * @throws IllegalArgumentException if two routes share an id
   */
  public static <V> Router<V> of(Collection<RouteSpec<V>> routes) {
    return of(RouterMode.RADIXTREE_URI_WITH_PARAMETER, routes);
  }

  /**
   * Compiles {@code routes} for {@code mode}. A route without a {@linkplain RouteSpec#sequence()
   * sequence} gets its position in {@code routes}.
   *
   * @throws IllegalArgumentException if two routes share an id
   */
  public static <V> Router<V> of(RouterMode mode, Collection<RouteSpec<V>> routes) {
    PathTree.Builder<RouteSpec<V>> b = PathTree.builder(HOST_KEYS);
    List<RouteSpec<V>> all = new java.util.ArrayList<>(routes.size());
    Set<String> ids = new HashSet<>();
    long position = 0;
    for (RouteSpec<V> r : routes) {
      if (!ids.add(r.id())) {
        throw new IllegalArgumentException("route " + r.id() + ": the id is used by two routes");
      }
      RouteSpec<V> sequenced = r.sequence() >= 0 ? r : r.withSequence(position);
      add(b, sequenced, mode);
      all.add(sequenced);
      position++;
    }
    return new Router<>(b.build(), ids.size(), mode, mode.hostsFirst() ? HostGroups.of(all) : HostGroups.NONE);
  }

  @SafeVarargs
  public static <V> Router<V> of(RouteSpec<V>... routes) {
    return of(List.of(routes));
  }

  static <V> void add(PathTree.Builder<RouteSpec<V>> b, RouteSpec<V> r, RouterMode mode) {
    for (PathPattern p : r.parsedPaths(mode)) {
      b.add(p, r, r.priority(), r.sequence());
    }
  }

  /** The route with this id, or null (a scan: for tools and tests, not the request path). */
  public @Nullable RouteSpec<V> route(String id) {
    for (PathTree.Entry<RouteSpec<V>> e : tree.entries()) {
      if (e.value().id().equals(id)) {
        return e.value();
      }
    }
    return null;
  }

  /** Number of routes. */
  public int size() {
    return size;
  }

  /**
   * Matches {@code request} into {@code result} without allocating (once {@code result}'s arrays
   * have grown to the router's deepest pattern).
   *
   * @return whether a route matched; {@code result} tells which
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public boolean match(RouteRequest request, MatchResult<V> result) {
    int methodBit = MatchResult.methodBit(request.method());
    if (hostless) {
      // an exact path whose routes have no condition but their methods: decided here, in code
      // small enough to be compiled into the caller; everything else in matchRest
      PathTree.Entry<RouteSpec<V>> e = tree.exactPlain(request.path(), methodBit);
      if (e != null && e != PathTree.UNDECIDED) {
        result.exact(request, methodBit, e);
        return true;
      }
      return matchRest(request, result, methodBit, e == null);
    }
    return matchRest(request, result, methodBit, false);
  }

  /** {@link #match} past the exact fast path; {@code exactProbed}: the exact table has nothing for the request. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private boolean matchRest(RouteRequest request, MatchResult<V> result, int methodBit, boolean exactProbed) {
    result.start(request, methodBit);
    PathTree.Entry<RouteSpec<V>> e = hostless
        ? tree.first(request.path(), request.host(), methodBit, exactProbed, (PathTree.Tester) ADMITS, result,
            result.params)
        : firstHostsFirst(request, result);
    result.found(e);
    return e != null;
  }

  /**
   * {@link RouterMode#RADIXTREE_HOST_URI}: the routes naming the request's host exactly, then those
   * whose wildcard matches it, longest suffix first, then the host-less routes; path order within
   * each group (APISIX's host router, then its uri router).
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private PathTree.@Nullable Entry<RouteSpec<V>> firstHostsFirst(RouteRequest request, MatchResult<V> result) {
    String path = request.path();
    String host = request.host();
    PathTree.Entry<RouteSpec<V>> e;
    if (host != null && !host.isEmpty()) {
      if (hosts.exact) {
        result.hostPass = HostMatcher.EXACT;
        e = tree.first(path, host, (PathTree.Tester) ADMITS, result, result.params);
        if (e != null) {
          return e;
        }
      }
      int end = HostMatcher.hostEnd(host);
      for (int len : hosts.wildcardLengths) {
        if (len <= end) {
          result.hostPass = len;
          e = tree.first(path, host, (PathTree.Tester) ADMITS, result, result.params);
          if (e != null) {
            return e;
          }
        }
      }
    }
    result.hostPass = MatchResult.HOSTLESS;
    return tree.first(path, host, result.methodBit, (PathTree.Tester) ADMITS, result, result.params);
  }

  /** Matches {@code request}; null when no route matches. Allocates the result. */
  public @Nullable RouteMatch<V> match(RouteRequest request) {
    MatchResult<V> result = new MatchResult<>();
    return match(request, result) ? result.toMatch() : null;
  }

  /**
   * Every route whose path patterns match {@code path}, in candidate order, ignoring the other
   * conditions; for diagnostics ("why did this request go there?").
   */
  public List<RouteMatch<V>> candidates(String path) {
    List<RouteMatch<V>> out = new java.util.ArrayList<>();
    tree.forEach(path, (e, p) -> {
      out.add(new RouteMatch<>(e.value(), e.pattern(), p.toMap(), null));
      return true;
    });
    return out;
  }

  @Override
  public String toString() {
    return "Router(" + size + " routes)";
  }
}
