/**
 * The public API of dynconf-radix: request routing with the matching semantics of Apache APISIX
 * routes (host, URI with radix-tree prefix and parameter matching, HTTP methods, priorities).
 * This package holds what applications call on the request path, such as
 * {@link io.dynconf.radix.HttpMethod} and its bit masks. Types here are immutable or safely
 * shareable between threads, avoid allocation while matching a request, and are covered by
 * semantic versioning. A host server exposes its request to the matcher by implementing
 * {@link io.dynconf.radix.RouteRequest}; the balancers are in {@code io.dynconf.radix.balance}
 * (their extension points in {@code io.dynconf.radix.balance.spi}); implementation details belong
 * in {@code io.dynconf.radix.internal} and are not importable from other modules (a build rule).
 */
@org.jspecify.annotations.NullMarked
package io.dynconf.radix;
