package io.dynconf.examples.gateway.internal;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.ConfigSnapshot;
import io.dynconf.core.ConfigUpdate;
import io.dynconf.core.StoreChange;
import io.dynconf.core.apisix.Route;
import io.dynconf.core.apisix.Service;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.apisix.Upstream;
import io.dynconf.radix.ResolvedRoute;
import io.dynconf.radix.balance.Balancers;

/**
 * A registry listener that drops the gateway's per-route and per-upstream state once the route,
 * upstream or service is gone from the served configuration: the balancer (picker, node state,
 * active checks), the route's metric series and the upstream's node health entries. Without it
 * these maps grow with every id ever created (admin POSTs generate ids). The keys are the
 * balancer keys {@code RouteTable} gives ({@code /upstreams/ID}, {@code /routes/ID} for an
 * embedded upstream, {@code /services/ID}).
 *
 * <p>A request already past routing may still use a deleted route's picker or record its metric
 * after the drop, which re-creates the entry; {@link #settle} (called when each request is over,
 * after its last use of either) drops it again. Either the drop or the settle sees the deletion:
 * the registry publishes the snapshot without the route before it calls this listener, and a
 * request's settle reads the published snapshot after re-creating the entry.
 */
public final class ForgetDeleted implements ConfigRegistry.Listener {
  private final ConfigRegistry registry;
  private final Balancers balancers;
  private final GatewayMetrics metrics;
  private final Operators operators;

  public ForgetDeleted(ConfigRegistry registry, Balancers balancers, GatewayMetrics metrics, Operators operators) {
    this.registry = registry;
    this.balancers = balancers;
    this.metrics = metrics;
    this.operators = operators;
  }

  @Override
  public void onUpdate(ConfigUpdate update) {
    for (StoreChange<Route> c : update.changes(StandardTypes.ROUTES)) {
      if (c.isRemove() && update.current().store(StandardTypes.ROUTES).item(c.id()) == null) {
        metrics.forgetRoute(c.id());
        forget("/routes/" + c.id());
      }
    }
    for (StoreChange<Service> c : update.changes(StandardTypes.SERVICES)) {
      if (c.isRemove() && update.current().store(StandardTypes.SERVICES).item(c.id()) == null) {
        forget("/services/" + c.id());
      }
    }
    for (StoreChange<Upstream> c : update.changes(StandardTypes.UPSTREAMS)) {
      if (c.isRemove() && update.current().store(StandardTypes.UPSTREAMS).item(c.id()) == null) {
        forget("/upstreams/" + c.id());
      }
    }
  }

  /**
   * A request on {@code route} is over: when the registry no longer serves the route (or its
   * upstream key), drops the entries that request may have re-created after the delete was handled.
   */
  public void settle(ResolvedRoute route) {
    ConfigSnapshot now = registry.snapshot();
    if (now.store(StandardTypes.ROUTES).item(route.id()) == null) {
      metrics.forgetRoute(route.id());
      forget("/routes/" + route.id());
    }
    String key = route.upstreamKey();
    if (key != null && !served(now, key)) {
      forget(key);
    }
  }

  /** Whether the object behind a balancer key ({@code /upstreams/ID}, {@code /services/ID}, {@code /routes/ID}) is served. */
  private static boolean served(ConfigSnapshot now, String upstreamKey) {
    if (upstreamKey.startsWith("/upstreams/")) {
      return now.store(StandardTypes.UPSTREAMS).item(upstreamKey.substring("/upstreams/".length())) != null;
    }
    if (upstreamKey.startsWith("/services/")) {
      return now.store(StandardTypes.SERVICES).item(upstreamKey.substring("/services/".length())) != null;
    }
    if (upstreamKey.startsWith("/routes/")) {
      return now.store(StandardTypes.ROUTES).item(upstreamKey.substring("/routes/".length())) != null;
    }
    return true; // a key of another form: not ours to drop
  }

  private void forget(String upstreamKey) {
    balancers.remove(upstreamKey);
    operators.forgetUpstream(upstreamKey);
  }
}
