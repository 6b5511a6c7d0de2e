package io.dynconf.examples.gateway.internal;

import io.dynconf.netty.ProxyListener;
import io.dynconf.radix.ResolvedRoute;
import org.jspecify.annotations.Nullable;

/**
 * The gateway's {@link ProxyListener}: counts each request in {@link GatewayMetrics} and, once it
 * is over, lets {@link ForgetDeleted} drop what it may have re-created for a route deleted meanwhile.
 */
public final class RequestAccounting implements ProxyListener {
  private final GatewayMetrics metrics;
  private final ForgetDeleted forgetDeleted;

  public RequestAccounting(GatewayMetrics metrics, ForgetDeleted forgetDeleted) {
    this.metrics = metrics;
    this.forgetDeleted = forgetDeleted;
  }

  @Override
  public void requestStarted() {
    metrics.started();
  }

  @Override
  public void requestFinished(@Nullable ResolvedRoute route, int status, long nanos) {
    metrics.finished(route == null ? "" : route.id(), status, nanos);
    if (route != null) {
      forgetDeleted.settle(route);
    }
  }
}
