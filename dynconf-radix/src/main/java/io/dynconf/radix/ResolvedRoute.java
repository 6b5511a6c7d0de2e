package io.dynconf.radix;

import io.dynconf.core.apisix.PluginConfig;
import io.dynconf.core.apisix.Route;
import io.dynconf.core.apisix.Service;
import io.dynconf.core.apisix.Upstream;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A route combined with what it refers to, as APISIX combines them at match time: the value a
 * {@link RouteTable} match returns. Immutable.
 *
 * <p>The upstream is the route's own ({@code upstream}), else the one it names ({@code
 * upstream_id}), else its service's own, else the one its service names; {@link #upstreamKey}
 * says which object holds it ({@code /routes/1}, {@code /upstreams/u1}, {@code /services/s1},
 * without the etcd prefix) and {@link #upstreamRevision} that object's mod revision, so a
 * balancer cache can key pickers by both. Hosts are the route's, else its service's.
 *
 * @param route the route as stored
 * @param routeRevision the route's mod revision
 * @param service the route's service, or null
 * @param upstream the effective upstream, or null when neither the route nor its service has one
 * @param pluginConfig the route's plugin config ({@code plugin_config_id}), or null
 * @param hosts the effective hosts; empty means any
 * @param attachment what the table's attachment factory computed for this route, or null
 */
public record ResolvedRoute(
    Route route,
    long routeRevision,
    @Nullable Service service,
    @Nullable Upstream upstream,
    @Nullable String upstreamKey,
    long upstreamRevision,
    @Nullable PluginConfig pluginConfig,
    List<String> hosts,
    @Nullable Object attachment) {

  public ResolvedRoute {
    Objects.requireNonNull(route, "route");
    hosts = List.copyOf(hosts);
  }

  public String id() {
    return route.id();
  }

  /**
   * The id of the upstream object this route's upstream is ({@code upstream_id} of the route, or of
   * its service when neither has an upstream of its own), or null when it is inline.
   */
  public @Nullable String upstreamId() {
    if (route.upstream() != null) {
      return null;
    }
    if (route.upstreamId() != null) {
      return route.upstreamId();
    }
    return service != null && service.upstream() == null ? service.upstreamId() : null;
  }

  /** This route with the upstream it names at another revision (everything else kept). */
  public ResolvedRoute withUpstream(Upstream upstream, long upstreamRevision) {
    return new ResolvedRoute(route, routeRevision, service, upstream, upstreamKey, upstreamRevision, pluginConfig, hosts,
        attachment);
  }

  /** This route with another attachment. */
  public ResolvedRoute withAttachment(@Nullable Object attachment) {
    return new ResolvedRoute(route, routeRevision, service, upstream, upstreamKey, upstreamRevision, pluginConfig, hosts,
        attachment);
  }

  /** Whether WebSocket upgrades are enabled: the route's setting, else its service's, else false. */
  public boolean enableWebsocket() {
    if (route.enableWebsocket() != null) {
      return route.enableWebsocket();
    }
    return service != null && Boolean.TRUE.equals(service.enableWebsocket());
  }

}
