package io.dynconf.examples.gateway.internal;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.ConfigSnapshot;
import io.dynconf.core.ConfigUpdate;
import io.dynconf.core.StoreChange;
import io.dynconf.core.apisix.Route;
import io.dynconf.core.apisix.Service;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.apisix.Upstream;
import io.dynconf.radix.balance.Balancers;

/**
 * A registry listener that drops the gateway's per-route and per-upstream state once the route,
 * upstream or service is gone from the served configuration: the balancer (picker, node state,
 * active checks, node health) and the route's metric series. Without it
 * these maps grow with every id ever created (admin POSTs generate ids). The keys are the
 * balancer keys {@code RouteTable} gives ({@code /upstreams/ID}, {@code /routes/ID} for an
 * embedded upstream, {@code /services/ID}) and traffic-split's for its inline upstreams ({@code
 * /routes/ID#traffic-split/RULE/ENTRY}, owned by route ID and left to the sweep).
 *
 * <p>A request already past routing may still use a deleted route's picker or record its metric
 * once more after the drop, which re-creates one entry; {@link #sweep}, run periodically, removes
 * whatever no served object owns, so such entries live at most one sweep interval.
 */
public final class ForgetDeleted implements ConfigRegistry.Listener {
  private final Balancers balancers;
  private final GatewayMetrics metrics;

  public ForgetDeleted(Balancers balancers, GatewayMetrics metrics) {
    this.balancers = balancers;
    this.metrics = metrics;
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
   * Removes the balancers and metric series that no object of {@code snapshot} owns (those a
   * request in flight re-created after their delete). Returns how many it removed.
   */
  public int sweep(ConfigSnapshot snapshot) {
    int removed = 0;
    for (String key : balancers.keys()) {
      if (!served(snapshot, key)) {
        balancers.remove(key);
        removed++;
      }
    }
    for (String route : metrics.routes()) {
      if (!route.isEmpty() && snapshot.store(StandardTypes.ROUTES).item(route) == null) {
        metrics.forgetRoute(route);
        removed++;
      }
    }
    return removed;
  }

  /** Whether {@code key} ({@code /upstreams/ID}, {@code /services/ID}, {@code /routes/ID}) names a served object. */
  private static boolean served(ConfigSnapshot s, String key) {
    int slash = key.indexOf('/', 1);
    if (slash < 0) {
      return true; // not a key RouteTable makes: not ours to judge
    }
    String id = key.substring(slash + 1);
    int tag = id.indexOf('#'); // traffic-split's inline upstreams: /routes/ID#traffic-split/RULE/ENTRY ('#' is no id character)
    if (tag >= 0) {
      id = id.substring(0, tag);
    }
    return switch (key.substring(0, slash)) {
      case "/upstreams" -> s.store(StandardTypes.UPSTREAMS).item(id) != null;
      case "/services" -> s.store(StandardTypes.SERVICES).item(id) != null;
      case "/routes" -> s.store(StandardTypes.ROUTES).item(id) != null;
      case "/stream_routes" -> s.store(StandardTypes.STREAM_ROUTES).item(id) != null;
      default -> true;
    };
  }

  private void forget(String upstreamKey) {
    balancers.remove(upstreamKey); // its picker, node state and active checks
  }
}
