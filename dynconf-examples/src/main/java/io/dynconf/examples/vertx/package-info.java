/**
 * dynconf embedded in Vert.x: {@link io.dynconf.examples.vertx.DynconfProxyHandler}, a {@code
 * Handler<HttpServerRequest>} that routes with a {@code RouteTable} and forwards with Vert.x's
 * pooled {@code HttpClient} to the node a {@code Picker} chooses, and {@link
 * io.dynconf.examples.vertx.VertxDynconfApp}, which runs it as a server over any {@code
 * ConfigRegistry} (APISIX standalone file, etcd or in memory). Runs on the event loop and never
 * blocks it. Independent of the Netty gateway in {@code io.dynconf.examples.gateway}.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.examples.vertx;
