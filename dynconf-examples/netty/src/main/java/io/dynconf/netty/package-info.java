/**
 * dynconf embedded in Netty: {@link io.dynconf.netty.ProxyHandler}, a routing/proxy handler a host
 * server adds to each client connection's pipeline after its {@code HttpServerCodec}. It matches
 * requests against a {@code RouteTable}, picks nodes with {@code Balancers}, and proxies over
 * pooled upstream connections ({@link io.dynconf.netty.UpstreamPool}) with retries, streaming
 * bodies with back-pressure, WebSocket tunnels and the plugin phases of {@link io.dynconf.netty.plugin}.
 * A host observes requests through {@link io.dynconf.netty.ProxyListener} and can follow each
 * connection's phases (for its own timeouts) with a {@link io.dynconf.netty.ClientPhases} handler.
 *
 * <p>Parts: {@code ProxyHandler} is the client side (request heads, pipelining, its own answers);
 * {@code UpstreamExchange} the attempt loop, body relay and tunnel of one request;
 * {@code PluginPhases} the plugin phases; {@code ProxyHeaders} the header rules.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.netty;
