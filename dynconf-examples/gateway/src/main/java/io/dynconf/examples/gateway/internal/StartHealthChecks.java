package io.dynconf.examples.gateway.internal;

import io.dynconf.core.ConfigItem;
import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.ConfigSnapshot;
import io.dynconf.core.ConfigUpdate;
import io.dynconf.core.StoreChange;
import io.dynconf.core.apisix.Route;
import io.dynconf.core.apisix.Service;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.apisix.Upstream;
import io.dynconf.radix.balance.Balancers;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the active health checks of every upstream that configures {@code checks.active} as
 * soon as it is served, not at its first request: a checker lives with its balancer, and the
 * gateway would otherwise build that only when traffic arrives, so a dead node of an idle
 * upstream would be found only by a failing request. Uses exactly the keys and versions {@code
 * RouteTable} gives ({@code /upstreams/ID}, {@code /services/ID}, {@code /routes/ID} with that
 * object's mod revision), so the request path finds the same balancer. Deletes are {@link
 * ForgetDeleted}'s.
 */
public final class StartHealthChecks implements ConfigRegistry.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(StartHealthChecks.class);
  private final Balancers balancers;

  public StartHealthChecks(Balancers balancers) {
    this.balancers = balancers;
  }

  /** Starts the checks of everything {@code snapshot} serves (at start). */
  public void startAll(ConfigSnapshot snapshot) {
    for (ConfigItem<Upstream> i : snapshot.store(StandardTypes.UPSTREAMS).items()) {
      start("/upstreams/" + i.id(), i.modRevision(), i.value());
    }
    for (ConfigItem<Service> i : snapshot.store(StandardTypes.SERVICES).items()) {
      start("/services/" + i.id(), i.modRevision(), i.value().upstream());
    }
    for (ConfigItem<Route> i : snapshot.store(StandardTypes.ROUTES).items()) {
      start("/routes/" + i.id(), i.modRevision(), i.value().upstream());
    }
  }

  @Override
  public void onUpdate(ConfigUpdate update) {
    ConfigSnapshot now = update.current();
    for (StoreChange<Upstream> c : update.changes(StandardTypes.UPSTREAMS)) {
      ConfigItem<Upstream> i = now.store(StandardTypes.UPSTREAMS).item(c.id());
      if (i != null) {
        start("/upstreams/" + i.id(), i.modRevision(), i.value());
      }
    }
    for (StoreChange<Service> c : update.changes(StandardTypes.SERVICES)) {
      ConfigItem<Service> i = now.store(StandardTypes.SERVICES).item(c.id());
      if (i != null) {
        start("/services/" + i.id(), i.modRevision(), i.value().upstream());
      }
    }
    for (StoreChange<Route> c : update.changes(StandardTypes.ROUTES)) {
      ConfigItem<Route> i = now.store(StandardTypes.ROUTES).item(c.id());
      if (i != null) {
        start("/routes/" + i.id(), i.modRevision(), i.value().upstream());
      }
    }
  }

  private void start(String key, long version, @Nullable Upstream upstream) {
    if (upstream == null || !(upstream.checks().get("active") instanceof java.util.Map<?, ?>)) {
      return;
    }
    try {
      balancers.picker(key, version, upstream); // builds the balancer, whose checker starts with it
    } catch (RuntimeException e) { // a balancer type or check the gateway cannot run: said, not hidden
      LOG.warn("upstream {} (revision {}): active health checks not started: {}", key, version, e.getMessage());
    }
  }
}
