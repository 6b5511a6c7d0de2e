package io.dynconf.netty;

import io.dynconf.radix.ResolvedRoute;
import org.jspecify.annotations.Nullable;

/**
 * Told about every client connection and request a {@link ProxyHandler} serves, on the
 * connection's event loop: keep it cheap and non-blocking. {@link #NONE} ignores everything.
 */
public interface ProxyListener {
  /** Ignores every request. */
  ProxyListener NONE = new ProxyListener() {};

  /** A client connection became active on a {@link ProxyHandler}. */
  default void connectionOpened() {}

  /** A client connection that {@link #connectionOpened() opened} closed. */
  default void connectionClosed() {}

  /** A request head arrived. */
  default void requestStarted() {}

  /**
   * The request is over: answered with {@code status} (0 when the client went away first, 101 when
   * it became a WebSocket tunnel), {@code nanos} after it started. {@code route} is the route it
   * matched, null when none did (or the request was rejected before routing). Called once per
   * {@link #requestStarted()}, after the last use of the route's balancer for this request, by the
   * default {@link #requestFinished(RequestLog)}.
   */
  default void requestFinished(@Nullable ResolvedRoute route, int status, long nanos) {}

  /**
   * The request is over, with everything the proxy knows about it (route, status, latencies,
   * upstream node, bytes both ways, consumer, matched pattern and host). Called once per
   * {@link #requestStarted()}. {@code log} is the connection's own reusable object, valid only
   * during this call: copy what you keep. The default calls {@link #requestFinished(ResolvedRoute,
   * int, long)}.
   */
  default void requestFinished(RequestLog log) {
    requestFinished(log.route(), log.status(), log.nanos());
  }
}
