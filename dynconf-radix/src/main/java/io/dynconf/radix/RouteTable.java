package io.dynconf.radix;

import io.dynconf.core.ConfigItem;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.ConfigSnapshot;
import io.dynconf.core.ConfigStore;
import io.dynconf.core.ConfigUpdate;
import io.dynconf.core.apisix.PluginConfig;
import io.dynconf.core.ResourceType;
import io.dynconf.core.apisix.Route;
import io.dynconf.core.apisix.Service;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.StoreChange;
import io.dynconf.core.apisix.Upstream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routes of a {@link ConfigRegistry}, combined with their services, upstreams and plugin
 * configs as APISIX combines them, in a {@link DynamicRouter} that follows the registry.
 *
 * <pre>{@code
 * RouteTable table = RouteTable.attach(registry);         // builds from the current snapshot
 * MatchResult<ResolvedRoute> m = new MatchResult<>();      // one per thread
 * if (table.match(request, m)) {
 *   Upstream upstream = m.value().upstream();
 * }
 * }</pre>
 *
 * <p>On every registry update the table recomputes only the routes the update touches: changed
 * routes, the routes of a changed service, the routes that name an upstream that appeared or
 * disappeared, the routes of a changed plugin config. It applies them to the router as one batch,
 * on the registry's notifier thread, never on the request path. A new value of an upstream that
 * routes name ({@code upstream_id}, theirs or their service's) rebuilds none of them: a match looks
 * the upstream up by id and gives the route with the newest one ({@link ResolvedRoute#withUpstream};
 * an {@linkplain Builder#attachments attachment} is therefore computed when a route or what it
 * combines changes, not when the upstream it names gets new nodes), so a change of the upstream
 * that 100,000 routes use costs one store lookup per match instead of 100,000 route rebuilds. A route is matched
 * with its {@code uris}, {@code methods}, {@code hosts} (else its service's), {@code
 * remote_addrs}, {@code vars} and {@code priority}; ties go to the older route (lower create
 * revision), so every node orders them alike.
 *
 * <p>A route that cannot be served is left out and reported by {@link #skipped()} with the
 * reason: disabled ({@code status: 0}), its service missing, or a {@code filter_func} (Lua) when
 * no {@linkplain Builder#filterFunctions filter factory} is configured. Thread-safe; matching
 * never locks.
 */
public final class RouteTable implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RouteTable.class);

  private final DynamicRouter<ResolvedRoute> router;
  private final @Nullable Function<Route, RouteFilter> filterFunctions;
  private final @Nullable Function<ResolvedRoute, ?> attachments;
  private final @Nullable ConfigRegistry registry;
  private final ConfigRegistry.Listener listener = this::onUpdate;
  private final Map<String, Set<String>> routesByService = new HashMap<>();
  private final Map<String, Set<String>> routesByUpstream = new HashMap<>();
  private final Map<String, Set<String>> routesByPluginConfig = new HashMap<>();
  private final Map<String, String> skipped = new TreeMap<>();
  /**
   * The upstreams of the newest snapshot the table reflects, published before the router that was
   * built from it: a match never sees routes built from a newer upstream than this store holds.
   */
  private volatile @Nullable ConfigStore<Upstream> upstreams;
  private volatile Map<String, String> skippedView = Map.of();
  private volatile long snapshotVersion = -1;
  private volatile long revision = -1;

  private RouteTable(Builder b, @Nullable ConfigRegistry registry) {
    this.router = new DynamicRouter<>(b.mode);
    this.filterFunctions = b.filterFunctions;
    this.attachments = b.attachments;
    this.registry = registry;
  }

  /** A table following {@code registry} with the default settings. */
  public static RouteTable attach(ConfigRegistry registry) {
    return builder().attach(registry);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Matches against the current routes; see {@link Router}. Allocates nothing, except a route with
   * its upstream's newest value when that changed since the route was built.
   */
  public boolean match(RouteRequest request, MatchResult<ResolvedRoute> result) {
    if (!router.match(request, result)) {
      return false;
    }
    ResolvedRoute built = result.route().value();
    ResolvedRoute now = withNewestUpstream(built);
    if (now != built) {
      result.current(now);
    }
    return true;
  }

  /** Matches against the current routes; null when none matches. */
  public @Nullable RouteMatch<ResolvedRoute> match(RouteRequest request) {
    MatchResult<ResolvedRoute> result = new MatchResult<>();
    return match(request, result) ? result.toMatch() : null;
  }

  /** {@code r} with the newest value of the upstream it names, when that is newer than r's. */
  private ResolvedRoute withNewestUpstream(ResolvedRoute r) {
    ConfigStore<Upstream> store = upstreams;
    if (store == null) {
      return r;
    }
    String id = r.upstreamId();
    if (id == null) {
      return r;
    }
    ConfigItem<Upstream> u = store.item(id);
    return u == null || u.modRevision() <= r.upstreamRevision() ? r : r.withUpstream(u.value(), u.modRevision());
  }

  /** The underlying router (for an immutable view: {@code router().router()}). */
  public DynamicRouter<ResolvedRoute> router() {
    return router;
  }

  /** The version of the registry snapshot the routes reflect; -1 before the first. */
  public long snapshotVersion() {
    return snapshotVersion;
  }

  /** The revision of the registry snapshot the routes reflect; -1 before the first. */
  public long revision() {
    return revision;
  }

  /** Routes left out, by id, with the reason. */
  public Map<String, String> skipped() {
    return skippedView;
  }

  /** Stops following the registry; the routes keep serving as they are. */
  @Override
  public void close() {
    if (registry != null) {
      registry.removeListener(listener);
    }
  }

  /**
   * Rebuilds every route from {@code snapshot}, unless the table already reflects a newer one (a
   * listener may have applied a later update before this call took the lock).
   */
  synchronized void sync(ConfigSnapshot snapshot) {
    if (snapshot.version() < snapshotVersion) {
      return; // never install an older snapshot
    }
    routesByService.clear();
    routesByUpstream.clear();
    routesByPluginConfig.clear();
    skipped.clear();
    Lookup lookup = new Lookup(snapshot);
    upstreams = lookup.upstreams;
    List<RouteSpec<ResolvedRoute>> specs = new ArrayList<>();
    if (lookup.routes != null) {
      for (ConfigItem<Route> item : lookup.routes.items()) {
        index(item.value(), true);
        RouteSpec<ResolvedRoute> spec = spec(item, lookup);
        if (spec != null) {
          specs.add(spec);
        }
      }
    }
    router.replaceAll(specs);
    published(snapshot);
  }

  /** Rebuilds from the registry's newest snapshot, read under the lock. */
  synchronized void syncNewest(ConfigRegistry registry) {
    sync(registry.snapshot());
  }

  private synchronized void onUpdate(ConfigUpdate update) {
    ConfigSnapshot current = update.current();
    if (current.version() <= snapshotVersion) {
      return; // already reflected (the table was built from a newer snapshot)
    }
    if (update.previous().version() != snapshotVersion) {
      sync(current); // a gap: should not happen with in-order delivery, but never serve a stale mix
      return;
    }
    Set<String> affected = new LinkedHashSet<>();
    for (StoreChange<Route> c : changes(update, StandardTypes.ROUTES)) {
      affected.add(c.id());
      if (c.before() != null) {
        index(c.before().value(), false);
      }
      if (c.after() != null) {
        index(c.after().value(), true);
      }
    }
    for (StoreChange<Service> c : changes(update, StandardTypes.SERVICES)) {
      if (changedValue(c)) {
        affected.addAll(routesByService.getOrDefault(c.id(), Set.of()));
      }
    }
    List<StoreChange<Upstream>> upstreamChanges = changes(update, StandardTypes.UPSTREAMS);
    if (!upstreamChanges.isEmpty()) {
      Set<String> ids = new java.util.HashSet<>();
      for (StoreChange<Upstream> c : upstreamChanges) {
        if (c.before() == null || c.after() == null) { // appeared or disappeared; a new value is looked up at match time
          ids.add(c.id());
          affected.addAll(routesByUpstream.getOrDefault(c.id(), Set.of()));
        }
      }
      ConfigStore<Service> services = has(current, StandardTypes.SERVICES) ? current.store(StandardTypes.SERVICES) : null;
      if (services != null && !ids.isEmpty()) {
        for (Service s : services.values()) {
          if (s.upstreamId() != null && ids.contains(s.upstreamId())) {
            affected.addAll(routesByService.getOrDefault(s.id(), Set.of()));
          }
        }
      }
    }
    for (StoreChange<PluginConfig> c : changes(update, StandardTypes.PLUGIN_CONFIGS)) {
      if (changedValue(c)) {
        affected.addAll(routesByPluginConfig.getOrDefault(c.id(), Set.of()));
      }
    }
    upstreams = has(current, StandardTypes.UPSTREAMS) ? current.store(StandardTypes.UPSTREAMS) : null; // before the router
    if (!affected.isEmpty()) {
      Lookup lookup = new Lookup(current);
      List<RouteSpec<ResolvedRoute>> puts = new ArrayList<>();
      List<String> removes = new ArrayList<>();
      for (String id : affected) {
        skipped.remove(id);
        ConfigItem<Route> item = lookup.routes == null ? null : lookup.routes.item(id);
        RouteSpec<ResolvedRoute> spec = item == null ? null : spec(item, lookup);
        if (spec == null) {
          removes.add(id);
        } else {
          puts.add(spec);
        }
      }
      router.apply(puts, removes);
    }
    published(current);
  }

  private void published(ConfigSnapshot snapshot) {
    skippedView = Collections.unmodifiableMap(new TreeMap<>(skipped));
    revision = snapshot.revision();
    snapshotVersion = snapshot.version();
  }

  /**
   * Whether a referenced object's value changed. A rewrite of the same value (the admin API's
   * reference guard re-puts an upstream unchanged to move its revision) must not recompute every
   * route that uses it; the routes keep the revision they resolved, so balancer state stays.
   */
  private static boolean changedValue(StoreChange<?> c) {
    return c.before() == null || c.after() == null || !c.before().value().equals(c.after().value());
  }

  private static <T> List<StoreChange<T>> changes(ConfigUpdate update, ResourceType<T> type) {
    return update.changedTypes().contains(type.name()) ? update.changes(type) : List.of();
  }

  private void index(Route r, boolean add) {
    index(routesByService, r.serviceId(), r.id(), add);
    index(routesByUpstream, r.upstreamId(), r.id(), add);
    index(routesByPluginConfig, r.pluginConfigId(), r.id(), add);
  }

  private static void index(Map<String, Set<String>> index, @Nullable String key, String routeId, boolean add) {
    if (key == null) {
      return;
    }
    if (add) {
      index.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(routeId);
    } else {
      Set<String> ids = index.get(key);
      if (ids != null && ids.remove(routeId) && ids.isEmpty()) {
        index.remove(key);
      }
    }
  }

  /** The route's spec, or null (recorded in {@link #skipped}) when it cannot be served. */
  private @Nullable RouteSpec<ResolvedRoute> spec(ConfigItem<Route> item, Lookup lookup) {
    Route r = item.value();
    if (r.status() == 0) {
      return skip(r.id(), "disabled (status 0)");
    }
    ConfigItem<Service> service = null;
    if (r.serviceId() != null) {
      service = lookup.services == null ? null : lookup.services.item(r.serviceId());
      if (service == null) {
        return skip(r.id(), "service_id " + r.serviceId() + " not found");
      }
    }
    Service s = service == null ? null : service.value();
    Upstream upstream = null;
    String upstreamKey = null;
    long upstreamRevision = 0;
    if (r.upstream() != null) {
      upstream = r.upstream();
      upstreamKey = "/routes/" + r.id();
      upstreamRevision = item.modRevision();
    } else if (r.upstreamId() != null) {
      ConfigItem<Upstream> u = lookup.upstreams == null ? null : lookup.upstreams.item(r.upstreamId());
      if (u == null) {
        return skip(r.id(), "upstream_id " + r.upstreamId() + " not found");
      }
      upstream = u.value();
      upstreamKey = "/upstreams/" + r.upstreamId();
      upstreamRevision = u.modRevision();
    } else if (s != null && s.upstream() != null) {
      upstream = s.upstream();
      upstreamKey = "/services/" + s.id();
      upstreamRevision = java.util.Objects.requireNonNull(service, "s is its value").modRevision();
    } else if (s != null && s.upstreamId() != null) {
      ConfigItem<Upstream> u = lookup.upstreams == null ? null : lookup.upstreams.item(s.upstreamId());
      if (u == null) {
        return skip(r.id(), "service " + s.id() + ": upstream_id " + s.upstreamId() + " not found");
      }
      upstream = u.value();
      upstreamKey = "/upstreams/" + s.upstreamId();
      upstreamRevision = u.modRevision();
    }
    PluginConfig pluginConfig = null;
    if (r.pluginConfigId() != null) {
      pluginConfig = lookup.pluginConfigs == null ? null : lookup.pluginConfigs.get(r.pluginConfigId());
      if (pluginConfig == null) {
        return skip(r.id(), "plugin_config_id " + r.pluginConfigId() + " not found");
      }
    }
    List<String> hosts = !r.hosts().isEmpty() || s == null ? r.hosts() : s.hosts();
    RouteFilter filter = null;
    if (r.filterFunc() != null) {
      if (filterFunctions == null) {
        return skip(r.id(), "filter_func is Lua, which dynconf cannot run; configure RouteTable.builder().filterFunctions(...)");
      }
      try {
        filter = filterFunctions.apply(r);
      } catch (RuntimeException | Error e) { // refuses this route; the table goes on
        if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
          throw e;
        }
        return skip(r.id(), "filter_func refused: " + e);
      }
    }
    ResolvedRoute resolved = new ResolvedRoute(r, item.modRevision(), s, upstream, upstreamKey, upstreamRevision,
        pluginConfig, hosts, null);
    if (attachments != null) {
      try {
        resolved = resolved.withAttachment(attachments.apply(resolved));
      } catch (RuntimeException | Error e) {
        if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
          throw e;
        }
        return skip(r.id(), "attachment failed: " + (e instanceof RuntimeException ? e.getMessage() : e.toString()));
      }
    }
    try {
      return RouteSpec.builder(r.id(), resolved)
          .paths(r.uris())
          .methods(r.methods())
          .hosts(hosts)
          .remoteAddrs(r.remoteAddrs())
          .vars(RouteVars.compile(r.vars()))
          .filter(filter)
          .priority(r.priority())
          .sequence(item.createRevision())
          .build();
    } catch (RuntimeException e) {
      return skip(r.id(), e.getMessage());
    }
  }

  private @Nullable RouteSpec<ResolvedRoute> skip(String id, @Nullable String reason) {
    if (!java.util.Objects.equals(skipped.put(id, String.valueOf(reason)), reason)) {
      LOG.warn("dynconf: route {} is not routed: {}", id, reason);
    }
    return null;
  }

  private static boolean has(ConfigSnapshot snapshot, ResourceType<?> type) {
    for (ConfigStore<?> s : snapshot.stores()) {
      if (s.type().name().equals(type.name()) && s.type().javaType() == type.javaType()) {
        return true;
      }
    }
    return false;
  }

  /** The stores a snapshot has; null for a type the registry does not know. */
  private static final class Lookup {
    final @Nullable ConfigStore<Route> routes;
    final @Nullable ConfigStore<Service> services;
    final @Nullable ConfigStore<Upstream> upstreams;
    final @Nullable ConfigStore<PluginConfig> pluginConfigs;

    Lookup(ConfigSnapshot s) {
      routes = has(s, StandardTypes.ROUTES) ? s.store(StandardTypes.ROUTES) : null;
      services = has(s, StandardTypes.SERVICES) ? s.store(StandardTypes.SERVICES) : null;
      upstreams = has(s, StandardTypes.UPSTREAMS) ? s.store(StandardTypes.UPSTREAMS) : null;
      pluginConfigs = has(s, StandardTypes.PLUGIN_CONFIGS) ? s.store(StandardTypes.PLUGIN_CONFIGS) : null;
    }
  }

  /** Settings of a {@link RouteTable}. */
  public static final class Builder {
    private @Nullable Function<Route, RouteFilter> filterFunctions;
    private @Nullable Function<ResolvedRoute, ?> attachments;
    private RouterMode mode = RouterMode.RADIXTREE_URI_WITH_PARAMETER;

    private Builder() {}

    /**
     * How routes are matched (default {@link RouterMode#RADIXTREE_URI_WITH_PARAMETER}). To route
     * as the APISIX nodes sharing your etcd do, use their {@code apisix.router.http} mode; APISIX's
     * default is {@link RouterMode#RADIXTREE_HOST_URI}.
     */
    public Builder mode(RouterMode mode) {
      this.mode = java.util.Objects.requireNonNull(mode, "mode");
      return this;
    }

    /**
     * Computes a value to keep with each resolved route ({@link ResolvedRoute#attachment()}), such
     * as the route's compiled plugin chain: called on the notifier thread whenever the route, its
     * service, upstream or plugin config changes, never on the request path. It may throw to
     * refuse the route (reported by {@link RouteTable#skipped()}).
     */
    public Builder attachments(@Nullable Function<ResolvedRoute, ?> factory) {
      this.attachments = factory;
      return this;
    }

    /**
     * How to turn a route's {@code filter_func} into a filter; without it such routes are left out
     * (APISIX runs Lua there, which dynconf cannot). Called on the notifier thread per changed
     * route; it may throw to refuse a route (reported by {@link RouteTable#skipped()}).
     */
    public Builder filterFunctions(@Nullable Function<Route, RouteFilter> factory) {
      this.filterFunctions = factory;
      return this;
    }

    /** A table built from {@code snapshot} that does not change. */
    public RouteTable build(ConfigSnapshot snapshot) {
      RouteTable t = new RouteTable(this, null);
      t.sync(snapshot);
      return t;
    }

    /** A table that follows {@code registry}: built from its current snapshot, then updated. */
    public RouteTable attach(ConfigRegistry registry) {
      RouteTable t = new RouteTable(this, registry);
      registry.addListener(t.listener);
      t.syncNewest(registry);
      return t;
    }
  }
}
