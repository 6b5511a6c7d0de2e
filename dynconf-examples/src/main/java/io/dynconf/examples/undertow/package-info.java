/**
 * dynconf embedded in Undertow: {@link io.dynconf.examples.undertow.DynconfRoutingHandler}, an
 * {@code HttpHandler} that routes with a {@code RouteTable} and proxies through Undertow's own
 * {@code ProxyHandler} to the node a {@code Picker} chooses, and {@link
 * io.dynconf.examples.undertow.UndertowDynconfApp}, which runs it as a server over any {@code
 * ConfigRegistry} (APISIX standalone file, etcd or in memory). Non-blocking: everything runs on
 * Undertow's IO threads. Independent of the Netty gateway in {@code io.dynconf.examples.gateway}.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.examples.undertow;
