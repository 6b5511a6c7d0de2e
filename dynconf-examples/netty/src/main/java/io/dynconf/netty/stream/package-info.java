/**
 * APISIX's stream proxy in Netty: {@link io.dynconf.netty.stream.StreamRoutes} matches a TCP
 * connection against the served {@code stream_routes} ({@code server_addr}, {@code server_port},
 * {@code remote_addr}, {@code sni}); {@link io.dynconf.netty.stream.StreamProxy} forwards it to a
 * node of the route's upstream with the same balancers, health and retries as HTTP routes.
 */
@NullMarked
package io.dynconf.netty.stream;

import org.jspecify.annotations.NullMarked;
