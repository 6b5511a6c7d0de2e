package io.dynconf.netty;

import io.netty.channel.ChannelHandler;

/**
 * A handler in the client connection's pipeline (before the {@link ProxyHandler}) that wants to
 * know where the connection is, e.g. to apply header, body and keep-alive timeouts. The proxy
 * handler finds the first handler implementing it when the connection becomes active.
 */
public interface ClientPhases extends ChannelHandler {
  /** A request head arrived. */
  void requestStarted();

  /** The response is out and the request body was read: waiting for the next request (keep-alive). */
  void awaitingNextRequest();

  /** The connection became a WebSocket tunnel: HTTP timeouts no longer apply. */
  void tunnel();
}
