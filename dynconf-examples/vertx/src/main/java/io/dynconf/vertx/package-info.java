/**
 * dynconf embedded in Vert.x: {@link io.dynconf.vertx.DynconfProxyHandler}, a {@code
 * Handler<HttpServerRequest>} that routes with a {@code RouteTable} and forwards with Vert.x's
 * pooled {@code HttpClient} to the node a {@code Picker} chooses, and {@link
 * io.dynconf.vertx.VertxDynconfApp}, which runs it as a server over any {@code
 * ConfigRegistry} (APISIX standalone file, etcd or in memory). Runs on the event loop and never
 * blocks it. Depends on Vert.x and dynconf-core/radix only.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.vertx;
