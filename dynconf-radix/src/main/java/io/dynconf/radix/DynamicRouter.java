package io.dynconf.radix;

import io.dynconf.core.match.PathPattern;
import io.dynconf.radix.internal.PathTree;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A router that changes while it serves: readers match against the current {@link Router} with
 * one volatile read and never lock or wait; writers add, replace and remove routes by id and
 * publish a new immutable router.
 *
 * <p>A single-route change copies only the tree nodes on that route's paths (from the root to the
 * pattern's place), sharing everything else with the previous router: its cost grows with the
 * depth of the route's paths and the fan-out of the nodes on them (each copied node's table is
 * copied), not with the number of routes as such. {@link #apply} publishes a batch at once; {@link #replaceAll}
 * rebuilds from scratch (the initial load). A reader sees each change whole or not at all: a
 * route being replaced is matched either in its old form or its new one, and routes not named by
 * a change are never missed while it is applied.
 *
 * <p>Writers serialize on this object's lock; they never block readers. Thread-safe.
 *
 * @param <V> the value type
 */
public final class DynamicRouter<V> {

  /** Above this share of the current size, a batch rebuilds the tree instead of path-copying. */
  private static final int REBUILD_DIVISOR = 4;

  private final RouterMode mode;
  private volatile Router<V> current;
  private volatile long version;
  private final Map<String, RouteSpec<V>> byId = new HashMap<>();
  private long nextSequence;
  // RADIXTREE_HOST_URI: how many routes name an exact host, and each wildcard suffix length
  private int exactHostRoutes;
  private final java.util.TreeMap<Integer, Integer> wildcardLengths = new java.util.TreeMap<>(java.util.Comparator.reverseOrder());

  /** A router in {@link RouterMode#RADIXTREE_URI_WITH_PARAMETER} mode. */
  public DynamicRouter() {
    this(RouterMode.RADIXTREE_URI_WITH_PARAMETER);
  }

  /** A router matching in {@code mode}. */
  public DynamicRouter(RouterMode mode) {
    this.mode = Objects.requireNonNull(mode, "mode");
    this.current = Router.of(mode, List.of());
  }

  /** A dynamic router starting with {@code routes} (see {@link #replaceAll}). */
  public DynamicRouter(Collection<RouteSpec<V>> routes) {
    this(RouterMode.RADIXTREE_URI_WITH_PARAMETER, routes);
  }

  /** A dynamic router in {@code mode} starting with {@code routes} (see {@link #replaceAll}). */
  public DynamicRouter(RouterMode mode, Collection<RouteSpec<V>> routes) {
    this(mode);
    replaceAll(routes);
  }

  /** The mode this router matches in. */
  public RouterMode mode() {
    return mode;
  }

  /** The current immutable router: a consistent view that later changes do not affect. */
  public Router<V> router() {
    return current;
  }

  /** Incremented on every published change. */
  public long version() {
    return version;
  }

  public int size() {
    return current.size();
  }

  /** Matches against the current router; see {@link Router#match(RouteRequest, MatchResult)}. */
  public boolean match(RouteRequest request, MatchResult<V> result) {
    return current.match(request, result);
  }

  /** Matches against the current router; null when nothing matches. */
  public @Nullable RouteMatch<V> match(RouteRequest request) {
    return current.match(request);
  }

  /** The route with this id, or null. */
  public synchronized @Nullable RouteSpec<V> get(String id) {
    return byId.get(id);
  }

  /**
   * Adds {@code route} or replaces the route with its id. A replacement keeps the old route's
   * sequence unless the new one sets its own; a new route without one goes after every other.
   */
  public synchronized void put(RouteSpec<V> route) {
    apply(List.of(route), List.of());
  }

  /** Removes the route with this id; false when there is none. */
  public synchronized boolean remove(String id) {
    if (!byId.containsKey(id)) {
      return false;
    }
    apply(List.of(), List.of(id));
    return true;
  }

  /**
   * Applies removals, then puts, and publishes them as one change: readers see all of it or none.
   * Ids in {@code removes} that are absent are ignored; an id both removed and put ends up put.
   */
  public synchronized void apply(Collection<RouteSpec<V>> puts, Collection<String> removes) {
    Objects.requireNonNull(puts, "puts");
    Objects.requireNonNull(removes, "removes");
    if (puts.isEmpty() && removes.isEmpty()) {
      return;
    }
    Router<V> base = current;
    boolean rebuild = (puts.size() + removes.size()) * REBUILD_DIVISOR > Math.max(64, byId.size());
    PathTree<RouteSpec<V>> tree = base.tree;
    for (String id : removes) {
      RouteSpec<V> old = byId.remove(id);
      if (old != null) {
        count(old, -1);
        if (!rebuild) {
          tree = without(tree, old);
        }
      }
    }
    for (RouteSpec<V> r : puts) {
      RouteSpec<V> old = byId.get(r.id());
      long seq = r.sequence() >= 0 ? r.sequence() : old != null ? old.sequence() : nextSequence++;
      RouteSpec<V> sequenced = r.withSequence(seq);
      nextSequence = Math.max(nextSequence, seq + 1);
      byId.put(r.id(), sequenced);
      if (old != null) {
        count(old, -1);
      }
      count(sequenced, 1);
      if (!rebuild) {
        if (old != null) {
          tree = without(tree, old);
        }
        tree = with(tree, sequenced);
      }
    }
    if (rebuild) {
      PathTree.Builder<RouteSpec<V>> b = PathTree.builder(Router.HOST_KEYS);
      for (RouteSpec<V> r : byId.values()) {
        Router.add(b, r, mode);
      }
      tree = b.build();
    }
    publish(new Router<>(tree, byId.size(), mode, hostGroups()));
  }

  /** Counts (+1) or uncounts (-1) a route's host patterns, for the host groups. */
  private void count(RouteSpec<V> r, int delta) {
    if (!mode.hostsFirst() || r.hostMatcher == null) {
      return;
    }
    if (r.hostMatcher.hasExact()) {
      exactHostRoutes += delta;
    }
    for (int len : new java.util.TreeSet<>(java.util.Arrays.stream(r.hostMatcher.wildcardLengths()).boxed().toList())) {
      wildcardLengths.merge(len, delta, (a, b) -> a + b == 0 ? null : a + b);
    }
  }

  private Router.HostGroups hostGroups() {
    return mode.hostsFirst() ? Router.HostGroups.of(exactHostRoutes > 0, wildcardLengths.keySet()) : Router.HostGroups.NONE;
  }

  /** Replaces every route with {@code routes}, building a fresh tree; ids must be unique. */
  public synchronized void replaceAll(Collection<RouteSpec<V>> routes) {
    Map<String, RouteSpec<V>> next = new HashMap<>();
    List<RouteSpec<V>> sequenced = new ArrayList<>(routes.size());
    long seq = 0;
    for (RouteSpec<V> r : routes) {
      RouteSpec<V> s = r.sequence() >= 0 ? r : r.withSequence(seq);
      seq = Math.max(seq, s.sequence()) + 1;
      if (next.put(r.id(), s) != null) {
        throw new IllegalArgumentException("route " + r.id() + ": the id is used by two routes");
      }
      sequenced.add(s);
    }
    Router<V> router = Router.of(mode, sequenced);
    byId.clear();
    byId.putAll(next);
    exactHostRoutes = 0;
    wildcardLengths.clear();
    for (RouteSpec<V> r : next.values()) {
      count(r, 1);
    }
    nextSequence = seq;
    publish(router);
  }

  private void publish(Router<V> router) {
    current = router;
    version++;
  }

  private PathTree<RouteSpec<V>> with(PathTree<RouteSpec<V>> tree, RouteSpec<V> r) {
    for (PathPattern p : r.parsedPaths(mode)) {
      tree = tree.plus(p, r, r.priority(), r.sequence());
    }
    return tree;
  }

  private PathTree<RouteSpec<V>> without(PathTree<RouteSpec<V>> tree, RouteSpec<V> r) {
    for (PathPattern p : r.parsedPaths(mode)) {
      tree = tree.minus(p, r);
    }
    return tree;
  }

  @Override
  public String toString() {
    return "DynamicRouter(" + current.size() + " routes, version " + version + ")";
  }
}
