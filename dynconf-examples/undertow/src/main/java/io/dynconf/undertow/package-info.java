/**
 * dynconf embedded in Undertow: {@link io.dynconf.undertow.DynconfRoutingHandler}, an
 * {@code HttpHandler} that routes with a {@code RouteTable} and proxies through Undertow's own
 * {@code ProxyHandler} to the node a {@code Picker} chooses, and {@link
 * io.dynconf.undertow.UndertowDynconfApp}, which runs it as a server over any {@code
 * ConfigRegistry} (APISIX standalone file, etcd or in memory). Non-blocking: everything runs on
 * Undertow's IO threads. Depends on Undertow and dynconf-core/radix only.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.undertow;
