package io.dynconf.examples.gateway.internal;

import io.dynconf.netty.ProxyListener;
import io.dynconf.radix.ResolvedRoute;
import org.jspecify.annotations.Nullable;

/**
 * The gateway's {@link ProxyListener}: counts each request in {@link GatewayMetrics}. A series a
 * request re-creates for a route deleted while it ran is removed by {@link ForgetDeleted#sweep}.
 */
public final class RequestAccounting implements ProxyListener {
  private final GatewayMetrics metrics;

  public RequestAccounting(GatewayMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void requestStarted() {
    metrics.started();
  }

  @Override
  public void requestFinished(@Nullable ResolvedRoute route, int status, long nanos) {
    metrics.finished(route == null ? "" : route.id(), status, nanos);
  }
}
