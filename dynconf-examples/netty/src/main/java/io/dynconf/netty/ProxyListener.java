package io.dynconf.netty;

import io.dynconf.radix.ResolvedRoute;
import org.jspecify.annotations.Nullable;

/**
 * Told about every request a {@link ProxyHandler} serves, on the connection's event loop: keep it
 * cheap and non-blocking. {@link #NONE} ignores everything.
 */
public interface ProxyListener {
  /** Ignores every request. */
  ProxyListener NONE = new ProxyListener() {};

  /** A request head arrived. */
  default void requestStarted() {}

  /**
   * The request is over: answered with {@code status} (0 when the client went away first, 101 when
   * it became a WebSocket tunnel), {@code nanos} after it started. {@code route} is the route it
   * matched, null when none did (or the request was rejected before routing). Called once per
   * {@link #requestStarted()}, after the last use of the route's balancer for this request.
   */
  default void requestFinished(@Nullable ResolvedRoute route, int status, long nanos) {}
}
