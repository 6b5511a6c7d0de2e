/**
 * A small APISIX-compatible gateway built on Netty, used as the main runnable example: it reads
 * routes and upstreams from etcd with dynconf-etcd, matches requests with dynconf-radix and
 * proxies them. This package holds the entry point and what its command line and wiring need,
 * such as {@link io.dynconf.examples.gateway.ListenAddress} for the {@code --listen} flag. It is
 * example code: clear and correct rather than feature-complete, and not a supported API.
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.examples.gateway;
