package io.dynconf.examples.gateway.internal;

import io.dynconf.core.apisix.Service;
import io.dynconf.examples.gateway.plugin.builtin.Prometheus;
import io.dynconf.netty.ProxyListener;
import io.dynconf.netty.RequestLog;
import io.dynconf.netty.plugin.PluginContext;
import io.dynconf.radix.ResolvedRoute;
import io.dynconf.radix.balance.Node;
import org.jspecify.annotations.Nullable;

/**
 * The gateway's {@link ProxyListener}: counts each connection and request in {@link
 * GatewayMetrics} under APISIX's labels: {@code route} and {@code service} the ids (their names
 * when the {@code prometheus} plugin says {@code prefer_name}), {@code matched_uri} and
 * {@code matched_host} the route's patterns that matched, {@code consumer} the authenticated
 * consumer, {@code node} the upstream node's host of the last attempt. A series a request
 * re-creates for a route deleted while it ran is removed by {@link ForgetDeleted#sweep}.
 */
public final class RequestAccounting implements ProxyListener {
  private final GatewayMetrics metrics;

  public RequestAccounting(GatewayMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void connectionOpened() {
    metrics.connectionOpened();
  }

  @Override
  public void connectionClosed() {
    metrics.connectionClosed();
  }

  @Override
  public void requestStarted() {
    metrics.started();
  }

  @Override
  public void requestFinished(RequestLog log) {
    ResolvedRoute r = log.route();
    Node node = log.node();
    String nodeLabel = node == null ? "" : node.host();
    if (r == null) {
      metrics.finished("", "", "", "", "", "", nodeLabel, log.status(), log.upstreamResponded(), log.nanos(),
          log.upstreamNanos(), log.bytesReceived(), log.bytesSent());
      return;
    }
    PluginContext p = log.plugins();
    boolean byName = p != null && Boolean.TRUE.equals(p.state().get(Prometheus.PREFER_NAME));
    String route = r.id();
    String routeName = r.route().name();
    if (byName && routeName != null && !routeName.isEmpty()) {
      route = routeName;
    }
    String service = service(r, byName);
    String consumer = p == null ? null : p.consumer();
    metrics.finished(r.id(), route, orEmpty(log.matchedUri()), orEmpty(log.matchedHost()), service, orEmpty(consumer),
        nodeLabel, log.status(), log.upstreamResponded(), log.nanos(), log.upstreamNanos(), log.bytesReceived(),
        log.bytesSent());
  }

  private static String service(ResolvedRoute r, boolean byName) {
    String id = r.route().serviceId();
    if (id == null) {
      return "";
    }
    if (byName) {
      Service s = r.service();
      String name = s == null ? null : s.name();
      if (name != null && !name.isEmpty()) {
        return name;
      }
    }
    return id;
  }

  private static String orEmpty(@Nullable String s) {
    return s == null ? "" : s;
  }
}
